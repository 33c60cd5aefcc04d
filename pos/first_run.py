"""First run: the set-up wizard's side in the composition root.

When no live configuration exists, ``kaunta run`` shows the wizard
(:mod:`pos.ui.setup_wizard`) before anything else. This module gives it what only the
composition root may do: check a config by loading it exactly as a start would, open the
*live* database (never training's: ``Config.database_path`` keeps them in different
folders), build the payment methods with the OS keyring, enroll with a head office, and
write the config file atomically (a temporary file in the same folder, flushed, then
renamed over: a crash leaves the old state or the new file, never half of one).
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from pos.config import Config, ConfigError, load_config
from pos.demo import CATALOG_CSV
from pos.services.config_file import write_atomically
from pos.services.headoffice import EnrollFailed, EnrollFailure, EnrollRequest, EnrollResult
from pos.setup_checks import SetupChecks
from pos.store.instance_lock import InstanceLock
from pos.ui.setup_wizard.backend import LiveSession
from pos.ui.setup_wizard.model import ShopDetails, config_toml

if TYPE_CHECKING:
    from pos.app import Payments

log = logging.getLogger(__name__)


def _env_without_training() -> dict[str, str]:
    """The environment, minus a KAUNTA_TRAINING that would force training mode."""
    return {k: v for k, v in os.environ.items() if k != "KAUNTA_TRAINING"}


class FirstRunBackend(SetupChecks):
    """:class:`pos.ui.setup_wizard.backend.SetupBackend` for a real start (the device
    and eTIMS tests are :class:`pos.setup_checks.SetupChecks`)."""

    def __init__(self, base: Config) -> None:
        self._base = base
        self._session: LiveSession | None = None
        self._lock: InstanceLock | None = None
        self._payments: Payments | None = None

    @property
    def config_path(self) -> Path:
        return self._base.config_path

    def _load(self, details: ShopDetails) -> Config:
        """The config ``details`` make, loaded from a temporary copy as a start loads it."""
        folder = self.config_path.parent
        folder.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".kaunta-check.", suffix=".toml", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(config_toml(details))
            try:
                config = load_config(
                    Path(temp), self._base.data_dir, False, env=_env_without_training()
                )
            except ConfigError as exc:
                raise ConfigError(str(exc).replace(temp, str(self.config_path))) from None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temp)
        return replace(config, config_path=self.config_path)

    def check(self, details: ShopDetails) -> str | None:
        try:
            self._load(details)
        except ConfigError as exc:
            return str(exc)
        return None

    def open_live(self, details: ShopDetails) -> LiveSession:
        if self._session is not None:
            return self._session
        from pos.app import open_terminal, start_payments

        config = self._load(details)
        assert not config.training
        terminal, lock = open_terminal(config)
        try:
            payments = start_payments(config, terminal)
        except BaseException:
            terminal.close()
            lock.release()
            raise
        terminal.headoffice.enroller = self.enroll
        found = []
        for code, factory in payments.available.items():
            description = factory.description
            found.append((code, description.label if description is not None else code))
        found.sort(key=lambda m: (m[0] != "cash", m[1]))
        self._lock, self._payments = lock, payments
        self._session = LiveSession(terminal, tuple(found), CATALOG_CSV)
        log.info("first run: live database %s opened for set-up", config.database_path)
        return self._session

    def enroll(self, request: EnrollRequest) -> EnrollResult:
        """Enroll over HTTP; the identity and token go to the OS keyring (network
        executor). The agent starts at the till's next start, from the written config."""
        from pos.secrets import KeyringSecrets
        from sync.agent.client import RequestRefused, TlsError, TransientError
        from sync.agent.enroll import EnrollmentError, enroll

        try:
            creds = enroll(
                request.url,
                request.code,
                request.terminal_name,
                KeyringSecrets(),
                ca_bundle=request.ca_bundle,
            )
        except EnrollmentError as exc:
            raise EnrollFailed(EnrollFailure.BAD_INPUT, str(exc)) from None
        except TlsError as exc:
            raise EnrollFailed(EnrollFailure.TLS, str(exc)) from None
        except TransientError as exc:
            raise EnrollFailed(EnrollFailure.UNREACHABLE, str(exc)) from None
        except RequestRefused as exc:
            raise EnrollFailed(EnrollFailure.BAD_CODE, str(exc)) from None
        log.info("first run: enrolled as %s/%s", creds.store_id, creds.terminal_id)
        from pos.services.journal import JournalKeyNotMoved

        try:
            self._follow_ids(creds.store_id, creds.terminal_id)
        except JournalKeyNotMoved as exc:
            log.error("first run: the journal key cannot follow the enrolled ids: %s", exc)
            return EnrollResult(
                creds.store_id, creds.terminal_id, creds.organisation, False, str(exc)
            )
        return EnrollResult(creds.store_id, creds.terminal_id, creds.organisation)

    def _follow_ids(self, store_id: str, terminal_id: str) -> None:
        """Keep the live journal's key (and its sealed mark) under ``store_id`` and
        ``terminal_id`` too: the manager's page sealed the journal under the ids typed
        then, and the till started from the written config looks for the key under the
        config's (head office's after enrollment, or ids changed on the shop page after
        going back). Raises ``JournalKeyNotMoved`` (a user error, naming why)."""
        from pos.secrets import journal_key_store
        from pos.services.journal import move_journal_key

        session = self._session
        if session is None:  # no journal opened yet: it is made under the final ids
            return
        terminal = session.terminal
        move_journal_key(
            terminal.db,
            journal_key_store(False, terminal.db.path),
            terminal.ctx,
            store_id,
            terminal_id,
        )

    def finish(self, details: ShopDetails) -> Path:
        self._load(details)  # refuses (naming the key) rather than write a bad file
        # the journal opened under the ids of the manager's page; the file may name others
        self._follow_ids(details.store_id.strip(), details.terminal_id.strip())
        write_atomically(self.config_path, config_toml(details))
        log.info("first run: live config written to %s", self.config_path)
        return self.config_path

    def close(self) -> None:
        payments, self._payments = self._payments, None
        if payments is not None:
            payments.close()
        if self._session is not None:
            self._session.terminal.close()
            self._session = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None


def first_run(config: Config) -> Config | None:
    """Show the wizard; the config to start with (live, or the training one), or None
    when the person closed it."""
    from pos.ui.setup_wizard.wizard import SetupWizard, run_wizard_modal

    backend = FirstRunBackend(config)
    log.info("first run: no configuration at %s; showing the set-up wizard", config.config_path)
    try:
        mode = run_wizard_modal(SetupWizard(backend))
    finally:
        backend.close()
    log.info("first run: the wizard closed with %s", mode or "nothing chosen")
    if mode == "training":
        return config
    if mode == "live":
        return load_config(config.config_path, config.data_dir, False, env=_env_without_training())
    return None
