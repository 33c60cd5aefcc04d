"""The communication key KRA gives once is never lost (sync.etims.keykeep).

Against the OSCU simulator over real HTTP, with the till's real keyring wrapper
(``pos.secrets.KeyringSecrets``) over keyring backends that refuse: a keyring that
cannot store anything stops the initialisation before KRA is asked (the one-time key is
not spent); a keyring that refuses the key after KRA answered leaves it in a rescue file
beside the queue, from which the next start with a working keyring moves it in, without
a second initialisation. The key backup is exported and imported again.
"""

from __future__ import annotations

import stat
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest

from pos.etims_link import EtimsLink
from pos.secrets import KeyringSecrets
from pos.services.etims import EtimsPhase, EtimsService, EtimsView
from pos.services.terminal import Terminal
from sync.etims.client import OscuClient
from sync.etims.keykeep import (
    KeyFileError,
    KeyStoreUnusable,
    export_key,
    import_key,
    rescue_path,
)
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings

BRANCH = Branch(DEMO_TIN, "00", DEMO_SERIAL)
WAIT_S = 30.0  # a bound for the worker's thread, not a performance claim


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring that works, in memory; ``refuse`` makes it refuse names it matches."""

    priority = 1

    def __init__(self, refuse: str = "") -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.values: dict[tuple[str, str], str] = {}
        self.refuse = refuse  # "*": everything; else names ending with it

    def _refused(self, name: str) -> bool:
        return self.refuse == "*" or (bool(self.refuse) and name.endswith(self.refuse))

    def get_password(self, service: str, username: str) -> str | None:
        return self.values.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        if self._refused(username):
            raise keyring.errors.PasswordSetError("the keyring is locked")
        self.values[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if (service, username) not in self.values:
            raise keyring.errors.PasswordDeleteError(username)
        del self.values[(service, username)]


@pytest.fixture
def use_keyring() -> Iterator[list[MemoryKeyring]]:
    previous = keyring.get_keyring()
    installed: list[MemoryKeyring] = []
    yield installed
    keyring.set_keyring(previous)


def _install(installed: list[MemoryKeyring], backend: MemoryKeyring) -> MemoryKeyring:
    keyring.set_keyring(backend)
    installed.append(backend)
    return backend


def _settings(box: EtimsSandbox) -> EtimsSettings:
    return EtimsSettings(base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0)


def test_a_keyring_that_stores_nothing_stops_the_initialisation_before_kra_is_asked(
    use_keyring: list[MemoryKeyring],
) -> None:
    _install(use_keyring, MemoryKeyring(refuse="*"))
    with EtimsSandbox() as box:
        client = OscuClient(BRANCH, _settings(box), KeyringSecrets())
        with pytest.raises(KeyStoreUnusable, match="KRA sends its key only once"):
            client.initialize()
        assert box.activated == 0  # KRA never asked: its one-time key is not spent
        working = _install(use_keyring, MemoryKeyring())
        device = client.initialize()
        key = box.device("00").cmc_key
        assert key
        assert working.values == {("kaunta", BRANCH.secret_name): key}  # no probe left
        assert device.sdc_id


class Watch:
    def __init__(self, service: EtimsService) -> None:
        self.cond = threading.Condition()
        self.last = service.view()
        service.subscribe(self._news)

    def _news(self, view: EtimsView) -> None:
        with self.cond:
            self.last = view
            self.cond.notify_all()

    def until(self, test: object) -> EtimsView:
        assert callable(test)
        with self.cond:
            assert self.cond.wait_for(lambda: test(self.last), WAIT_S), self.last
            return self.last


def _link(cashier: Terminal, box: EtimsSandbox, queue: Path) -> tuple[EtimsLink, Watch]:
    service = EtimsService(training=True)
    watch = Watch(service)
    link = EtimsLink(
        cashier.db,
        service,
        queue_path=queue,
        branch=BRANCH,
        settings=_settings(box),
        secrets=KeyringSecrets(),
        registrar=Registrar("T1", "Till T1"),
        training=True,
        poll_s=0.2,
    )
    return link, watch


def test_a_key_the_keyring_refuses_after_kra_answered_is_kept_and_moved_in_later(
    cashier: Terminal, tmp_path: Path, use_keyring: list[MemoryKeyring]
) -> None:
    # the probe name is accepted, the key itself refused: KRA answers 000 first
    _install(use_keyring, MemoryKeyring(refuse=BRANCH.secret_name))
    queue = tmp_path / "etims.sqlite"
    with EtimsSandbox() as box:
        link, watch = _link(cashier, box, queue)
        link.start()
        try:
            view = watch.until(lambda v: "is kept in" in v.reason)
        finally:
            link.stop()
        assert view.phase is EtimsPhase.OFFLINE
        key = box.device("00").cmc_key
        assert key
        assert box.activated == 1
        rescued = rescue_path(tmp_path, BRANCH)
        assert str(rescued) in view.reason
        assert key not in view.reason  # the file is named, the key never shown in a view
        assert stat.S_IMODE(rescued.stat().st_mode) == 0o600
        assert key in rescued.read_text(encoding="utf-8")

        working = _install(use_keyring, MemoryKeyring())
        link, watch = _link(cashier, box, queue)
        link.start()
        try:
            watch.until(lambda v: v.phase is EtimsPhase.ONLINE)
        finally:
            link.stop()
        assert working.values[("kaunta", BRANCH.secret_name)] == key
        assert not rescued.exists()
        assert box.activated == 1  # never initialised a second time (KRA would say 902)


def test_the_key_backup_exports_and_imports_and_refuses_a_wrong_file(
    tmp_path: Path, use_keyring: list[MemoryKeyring]
) -> None:
    first = _install(use_keyring, MemoryKeyring())
    secrets = KeyringSecrets()
    secrets.set(BRANCH.secret_name, "9F2C0D4E6A8B4C1DA3E5F7091B2C3D4E")
    out = tmp_path / "backup" / "etims-key.json"
    export_key(secrets, BRANCH, out, datetime(2026, 12, 4, tzinfo=UTC))
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(KeyFileError, match="exists already"):
        export_key(secrets, BRANCH, out, datetime(2026, 12, 4, tzinfo=UTC))
    other = Branch(DEMO_TIN, "01", "KAUNTA/X/1")
    with pytest.raises(KeyFileError, match="not of P051234567X branch 01"):
        import_key(secrets, other, out)
    _install(use_keyring, MemoryKeyring())  # a new computer: an empty keyring
    import_key(KeyringSecrets(), BRANCH, out)
    assert KeyringSecrets().get(BRANCH.secret_name) == first.values[("kaunta", BRANCH.secret_name)]
    (tmp_path / "junk.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(KeyFileError, match="not JSON"):
        import_key(KeyringSecrets(), BRANCH, tmp_path / "junk.json")
