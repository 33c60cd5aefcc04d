"""Composition root for the head-office link: builds the sync agent from the keyring's
enrollment, feeds its status to :class:`~pos.services.headoffice.HeadOfficeService`, and
carries out the manager's enrollment (``sync.agent.enroll``) for the screens.

Live mode: the agent runs when the till is enrolled and the enrolled ids are the till's
``[terminal]`` ids (otherwise every event would be refused: the view says why and nothing
is sent). Training mode: :mod:`pos.training_hq` starts a local head office on loopback in
the background, enrolls the demo till with it and starts the agent; the till is usable
meanwhile, and if that fails the view says so (``UNAVAILABLE``) and the till sells on. An
installed build carries no head office (:func:`training_hq_missing`): it trains without one,
logs that once at INFO and shows ``TRAINING_ALONE``, not a failure.
"""

from __future__ import annotations

import importlib.util
import logging
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from pos.config import Config
from pos.services.headoffice import (
    ENROLL_ID_MISMATCH,
    ENROLL_RESTART,
    EnrollFailed,
    EnrollFailure,
    EnrollRequest,
    EnrollResult,
    HeadOfficeService,
    SyncPhase,
    SyncView,
)
from pos.services.terminal import Terminal

if TYPE_CHECKING:  # imported when used, off the GUI thread's start-up path
    from collections.abc import Callable

    from pos.payments.mpesa.relay import CallbackRelay
    from pos.payments.paypal.relay import OrderRelay
    from pos.push_relay import PushResultApplier, RunOnTill
    from pos.services.payments import AttemptView
    from pos.training_hq import TrainingHeadOffice
    from sync.agent.agent import SyncAgent, SyncStatus
    from sync.agent.enroll import Credentials, SecretStore
    from sync.agent.paypal_results import PayPalOrderRegistrar
    from sync.agent.push_results import PushRegistrar

log = logging.getLogger(__name__)

#: the head office's refusals that mean "this code": wrong, used or expired
BAD_CODES = frozenset({"bad_code", "used_code", "expired_code"})
#: training: the local head office starts this long after the till, so that its Python
#: and Django start-up do not compete with the till's own for the CPU
TRAINING_DELAY_S = 3.0


def _now() -> datetime:
    return datetime.now(UTC)


def training_hq_missing() -> str:
    """Why this till cannot run the training head office, or "" when it can.

    The training head office is the product's Django head office, started as
    ``python -m pos.training_hq``. An installed build (PyInstaller, ``sys.frozen``) has no
    Python to start it with and leaves Django out (25-54 MB more, docs/installer.md), so it
    trains without one; a source checkout without the head office's packages does the same.
    Cheap (no import), so it is asked on the GUI thread before anything starts."""
    if getattr(sys, "frozen", False):
        return (
            "the installed app carries no head office: Django is left out of the build "
            "(docs/installer.md); training sells and keeps its sales on this till"
        )
    if importlib.util.find_spec("django") is None:
        return (
            "Django (the head office's packages) is not installed; training sells and "
            "keeps its sales on this till"
        )
    return ""


def installed_version() -> str:
    """This till's version as the heartbeat reports it (the head office requires one)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kaunta")
    except PackageNotFoundError:  # a source checkout that was never installed
        return "dev"


class SyncLink:
    """One till's head-office link: at most one agent at a time, restarted on enrollment."""

    def __init__(
        self,
        config: Config,
        terminal: Terminal,
        secrets: SecretStore,
        *,
        app_version: str = "",
        relay: CallbackRelay | None = None,
        paypal_relay: OrderRelay | None = None,
    ) -> None:
        self.config = config
        #: PayPal orders through head office: the method's order relay gets a registrar
        #: while the agent runs (``pos.push_relay``)
        self.paypal_relay = paypal_relay
        self._paypal_registrar: PayPalOrderRegistrar | None = None
        #: M-Pesa pushes through head office (``pos.push_relay``): the method's relay gets a
        #: registrar while the agent runs; results wait until ``run_on_till`` is set
        self.relay = relay
        self._registrar: PushRegistrar | None = None
        self._applier: PushResultApplier | None = None
        self._run_on_till: RunOnTill | None = None
        self._on_push_applied: Callable[[AttemptView], None] | None = None
        self.terminal = terminal
        self.service: HeadOfficeService = terminal.headoffice
        self.secrets = secrets
        self.app_version = app_version or installed_version()
        self.agent: SyncAgent | None = None
        self.training_hq: TrainingHeadOffice | None = None
        self._lock = threading.Lock()
        self._stopped = False
        self._stopping = threading.Event()
        self.training_delay_s = TRAINING_DELAY_S
        self._warn_after = timedelta(hours=config.sync.warn_after_hours)
        # a new link knows nothing yet: start from a clean view
        self.service.publish(SyncView(warn_after=self._warn_after, offered_url=config.sync.url))
        if not config.training:
            self.service.enroller = self.enroll

    # -- start and stop -------------------------------------------------------------------

    def start(self, *, background: bool = True) -> None:
        """Live: start the agent when enrolled. Training: start the local head office.
        ``background`` (the app): on a thread of its own, so neither the keyring, the
        imports nor the head office ever delay the till's start-up."""
        if self.config.training:
            missing = training_hq_missing()
            if missing:  # expected in an installed build: said once, not an error
                log.info("training head office not started: %s", missing)
                self.service.update(phase=SyncPhase.TRAINING_ALONE, problem=missing)
                return
            self.service.update(phase=SyncPhase.STARTING)
        target = self._start_training if self.config.training else self._start_live
        if not background:
            target()
            return
        threading.Thread(target=target, name="sync-link-start", daemon=True).start()

    def _start_live(self) -> None:
        from sync.agent.enroll import load

        try:
            creds = load(self.secrets)
        except Exception as exc:  # the keyring is locked or broken: sales go on
            log.exception("sync: the enrollment cannot be read from the keyring")
            self.service.update(phase=SyncPhase.UNAVAILABLE, problem=str(exc))
            return
        if creds is None:
            log.info("sync: not enrolled with a head office")
            self.service.update(phase=SyncPhase.NOT_ENROLLED)
            return
        self._start_agent(creds)

    def stop(self) -> None:
        self._stopping.set()
        with self._lock:
            self._stopped = True
            agent, self.agent = self.agent, None
            hq, self.training_hq = self.training_hq, None
        if agent is not None:
            agent.stop(timeout=5)
        self.terminal.refunds.use_lookup(None)
        self._swap_registrar(None)
        self._swap_paypal_registrar(None)
        if hq is not None:
            hq.stop()

    @property
    def run_on_till(self) -> RunOnTill | None:
        return self._run_on_till

    @run_on_till.setter
    def run_on_till(self, run: RunOnTill | None) -> None:
        """Where relayed results are applied (the till worker); until set, they wait."""
        self._run_on_till = run
        if self._applier is not None:
            self._applier.run_on_till = run

    def set_push_listener(self, listener: Callable[[AttemptView], None] | None) -> None:
        """Who is told of a relayed result that changed a sale (the window: any thread)."""
        self._on_push_applied = listener
        if self._applier is not None:
            self._applier.on_applied = listener

    def _swap_registrar(self, registrar: PushRegistrar | None) -> None:
        from pos.push_relay import detach_registrar

        with self._lock:
            old, self._registrar = self._registrar, registrar
        detach_registrar(self.relay if registrar is None else None, old)

    def _swap_paypal_registrar(self, registrar: PayPalOrderRegistrar | None) -> None:
        from pos.push_relay import detach_paypal_registrar

        with self._lock:
            old, self._paypal_registrar = self._paypal_registrar, registrar
        detach_paypal_registrar(self.paypal_relay if registrar is None else None, old)

    def _start_training(self) -> None:
        if self._stopping.wait(self.training_delay_s):
            return
        # imported after the delay: on this thread they would hold the interpreter while
        # the till's window is being built
        from pos.training_hq import TrainingHeadOffice, TrainingHqError

        folder = self.config.database_path.parent / "head-office"  # the training data folder
        hq = TrainingHeadOffice(folder, self.config.store.store_id, self.config.store.name)
        try:
            creds = hq.start_and_enroll(self.config.terminal_id)
        except TrainingHqError as exc:
            log.error("training head office not available: %s", exc)
            self.service.update(phase=SyncPhase.UNAVAILABLE, problem=str(exc))
            hq.stop()
            return
        except Exception as exc:  # whatever it is, the till sells on without it
            log.exception("training head office not available")
            self.service.update(phase=SyncPhase.UNAVAILABLE, problem=str(exc))
            hq.stop()
            return
        with self._lock:
            if self._stopped:
                hq.stop()
                return
            self.training_hq = hq
        self.service.update(pages_url=hq.pages_url, pages_login=hq.pages_login)
        self._start_agent(creds)

    def _start_agent(self, creds: Credentials) -> None:
        from pos.etims_results import alert_after_of, etims_results_puller
        from pos.push_relay import (
            PushResultApplier,
            attach_paypal_registrar,
            attach_registrar,
            result_pullers,
        )
        from sync.agent.agent import AgentSettings, SyncAgent
        from sync.agent.client import ClientSettings, HeadOfficeClient

        ids = (self.config.store.store_id, self.config.terminal_id)
        if (creds.store_id, creds.terminal_id) != ids:
            problem = str(
                ENROLL_ID_MISMATCH(
                    store=creds.store_id,
                    terminal=creds.terminal_id,
                    own_store=ids[0],
                    own_terminal=ids[1],
                )
            )
            log.error("sync: %s", problem)
            self.service.update(
                phase=SyncPhase.UNAVAILABLE, problem=problem, head_office_url=creds.url
            )
            return
        bundle = creds.ca_bundle or (
            str(self.config.sync.ca_bundle) if self.config.sync.ca_bundle else ""
        )
        try:
            client = HeadOfficeClient(
                ClientSettings(creds.url, Path(bundle) if bundle else None), token=creds.token
            )
        except ValueError as exc:  # the private CA bundle trusted at enrollment is gone
            problem = f"{exc}: put the file back, or enroll this till again"
            log.error("sync: %s", problem)
            self.service.update(
                phase=SyncPhase.UNAVAILABLE, problem=problem, head_office_url=creds.url
            )
            return
        applier = PushResultApplier(lambda: self.terminal.payments, self._run_on_till)
        applier.on_applied = self._on_push_applied
        self._applier = applier
        agent = SyncAgent(
            self.terminal.db,
            client,
            store_id=creds.store_id,
            terminal_id=creds.terminal_id,
            settings=AgentSettings(
                poll_interval_s=self.config.sync.poll_seconds,
                warn_after=self._warn_after,
                app_version=self.app_version,
                # a training till's agent talks to its own training head office only: the
                # training events are the ones it sends (a live agent parks them)
                training=self.config.training,
            ),
            on_status=self._on_status,
            push_results=result_pullers(self.terminal.db, client, applier),
            # KRA's answers for this till's sales, from head office (pos.etims_results)
            result_pullers=()
            if self.config.training  # training: the simulator signs on the till itself
            else (
                etims_results_puller(
                    self.terminal,
                    client,
                    creds.url,
                    creds.token,
                    self.config.database_path,
                    alert_after=alert_after_of(self.config),  # [etims] max_queue_age_hours
                ),
            ),
        )
        with self._lock:
            if self._stopped:
                client.close()
                return
            old, self.agent = self.agent, agent
        ca = Path(bundle) if bundle else None
        self._swap_registrar(
            attach_registrar(self.relay, creds.url, creds.token, ca, agent.expect_push_result)
        )
        self._swap_paypal_registrar(
            attach_paypal_registrar(
                self.paypal_relay, creds.url, creds.token, ca, agent.expect_push_result
            )
        )
        if old is not None:
            old.stop(timeout=5)
        if not self.config.training:  # another till's receipt, for a refund (pos.refund_link)
            from pos.refund_link import sale_lookup

            self.terminal.refunds.use_lookup(sale_lookup(client))
        self.service.update(
            phase=SyncPhase.RUNNING, head_office_url=creds.url, problem="", refused=False
        )
        agent.start()

    def nudge(self) -> None:
        agent = self.agent
        if agent is not None:
            agent.nudge()

    def sale_written(self) -> None:
        """A sale was committed (``CheckoutService.on_finished``, the till worker): wake the
        agent to send it now. Instant; nothing when no agent runs."""
        agent = self.agent
        if agent is not None:
            agent.sale_written()

    # -- the agent's status (its own thread) -----------------------------------------------

    def _on_status(self, status: SyncStatus) -> None:
        hq = getattr(self.terminal, "etims_head_office", None)
        if hq is not None:  # every round, a failed one too: the sales not pushed yet, aged
            try:
                hq.publish()
            except Exception:  # the sync line below is still shown
                log.exception("eTIMS: the head-office view was not published")
        view = self.service.view()
        offline_since = view.offline_since
        if status.online:
            offline_since = None
        elif offline_since is None:
            offline_since = _now()
        self.service.publish(
            replace(
                view,
                phase=SyncPhase.RUNNING,
                online=status.online,
                waiting=status.waiting,
                parked=status.parked,
                last_success_at=status.last_success_at,
                offline_since=offline_since,
                refused=status.refused,
                stale_reported=status.stale,
                last_error=status.last_error,
            )
        )

    # -- the manager's enrollment (network executor) ---------------------------------------

    def enroll(self, request: EnrollRequest) -> EnrollResult:
        """Enroll over HTTP, keep the identity and token in the keyring, start the agent."""
        from sync.agent.client import RequestRefused, TlsError, TransientError
        from sync.agent.enroll import EnrollmentError, enroll

        try:
            creds = enroll(
                request.url,
                request.code,
                request.terminal_name,
                self.secrets,
                ca_bundle=request.ca_bundle,
            )
        except EnrollmentError as exc:
            raise EnrollFailed(EnrollFailure.BAD_INPUT, str(exc)) from None
        except TlsError as exc:
            raise EnrollFailed(EnrollFailure.TLS, str(exc)) from None
        except TransientError as exc:
            raise EnrollFailed(EnrollFailure.UNREACHABLE, str(exc)) from None
        except RequestRefused as exc:
            if exc.code in BAD_CODES:
                raise EnrollFailed(EnrollFailure.BAD_CODE, str(exc)) from None
            if exc.code == "invalid":
                raise EnrollFailed(EnrollFailure.BAD_INPUT, str(exc)) from None
            raise EnrollFailed(EnrollFailure.REFUSED, str(exc)) from None
        log.info("sync: enrolled as %s/%s with %s", creds.store_id, creds.terminal_id, creds.url)
        self._start_agent(creds)
        matches = (creds.store_id, creds.terminal_id) == (
            self.config.store.store_id,
            self.config.terminal_id,
        )
        if matches:
            return EnrollResult(creds.store_id, creds.terminal_id, creds.organisation)
        from pos.enrolled_ids import IdsNotAdopted, adopt_enrolled_ids

        try:  # before any document: the next start runs under the enrolled ids
            adopt_enrolled_ids(self.config, self.terminal, creds.store_id, creds.terminal_id)
        except IdsNotAdopted as exc:
            log.error("sync: the enrolled ids cannot be taken: %s", exc)
            return EnrollResult(
                creds.store_id, creds.terminal_id, creds.organisation, False, str(exc)
            )
        problem = str(ENROLL_RESTART(store=creds.store_id, terminal=creds.terminal_id))
        self.service.update(problem=problem)
        return EnrollResult(
            creds.store_id, creds.terminal_id, creds.organisation, False, problem, adopted=True
        )


def start_link(
    config: Config,
    terminal: Terminal,
    *,
    app_version: str = "",
    background: bool = True,
    relay: CallbackRelay | None = None,
    paypal_relay: OrderRelay | None = None,
) -> SyncLink:
    """The till's link: the OS keyring in live mode, memory in training (its local head
    office's token is a training one, kept in the training folder). ``relay``: the M-Pesa
    method's, ``paypal_relay`` the PayPal method's (:mod:`pos.push_relay`)."""
    from pos.secrets import KeyringSecrets, MemorySecrets

    secrets: SecretStore = MemorySecrets() if config.training else KeyringSecrets()
    link = SyncLink(
        config, terminal, secrets, app_version=app_version, relay=relay, paypal_relay=paypal_relay
    )
    link.start(background=background)
    return link
