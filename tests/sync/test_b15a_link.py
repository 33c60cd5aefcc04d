"""The composition root (``pos.sync_link``) when the private CA bundle the till was
enrolled with is gone (moved, deleted, a disk restored without it): the agent cannot be
built. It said nothing: the start-up thread died with a ValueError and the screen went on
showing "Not connected to a head office" (and, the phase not being RUNNING, no "not
synced for too long" warning ever came), while no sale reached head office (b15a)."""

from __future__ import annotations

from pathlib import Path

from pos.app import start_sync
from pos.config import load_config
from pos.secrets import KeyringSecrets
from pos.services.headoffice import SyncPhase
from pos.services.terminal import Terminal
from sync.agent.enroll import Credentials, save
from tests.test_secrets import MemoryKeyring


def test_a_missing_ca_bundle_kept_at_enrollment_is_said_not_a_silent_not_enrolled(
    tmp_path: Path, memory_keyring: MemoryKeyring, terminal: Terminal
) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text(
        '[terminal]\ntraining = false\nstore_id = "DEMO"\nterminal_id = "T1"\n'
        "[sync]\npoll_seconds = 1\n",
        encoding="utf-8",
    )
    config = load_config(path, data_dir=tmp_path / "data", env={})
    gone = tmp_path / "head-office-ca.pem"  # trusted at enrollment, since removed
    save(
        KeyringSecrets(),
        Credentials("https://ho.example.com", "DEMO", "T1", "tok", ca_bundle=str(gone)),
    )
    link = start_sync(config, terminal, background=False)
    try:
        assert link.agent is None
        view = terminal.headoffice.view()
        assert view.phase is SyncPhase.UNAVAILABLE  # "Head office not available: ..."
        assert str(gone) in view.problem  # the tooltip names the file
        assert view.head_office_url == "https://ho.example.com"
    finally:
        link.stop()
