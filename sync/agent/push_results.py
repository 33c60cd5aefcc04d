"""The till's side of M-Pesa pushes through head office: registering a push before it is
sent, and pulling the results head office decided from Daraja's callbacks.

:class:`PushRegistrar` is what the M-Pesa method's callback relay calls (on the network
executor, inside the payment's start, after the attempt row is committed): ``POST
/api/v1/pushes`` with a short timeout. Its answer is the CallBackURL for Daraja; any
failure (offline, slow, refused) is logged and answered with None, and the method sends
its configured URL instead: the cashier never waits more than the timeout for head office.

:class:`PushResultPuller` runs in the sync agent's round, before the outbox drain: ``GET
/api/v1/push-results?after=cursor``, each result handed to the applier (the composition
root's bridge to the payment service, which applies it once: idempotent by attempt id and
CheckoutRequestID), and the cursor stored in ``sync_state`` after each one. A crash
between applying and storing the cursor means that result is handed over again, and
found already applied. A result the till does not know (:class:`UnknownPush`) is logged
and passed over; a till that cannot apply results yet (:class:`ApplyLater`) keeps the
cursor where it is and is asked again next round. A head office that refuses the pull
(4xx: one without the relay) or answers with something else is logged once and never holds
up the outbox drain.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pos.store import sync_state
from pos.store.db import Database
from sync.agent.client import (
    ClientSettings,
    HeadOfficeClient,
    RequestRefused,
    SyncError,
    TransientError,
)

#: what one page of a results pull is made of
T = TypeVar("T")
log = logging.getLogger(__name__)

#: name of the pull cursor in ``sync_state`` (the last ``seq`` handed to the applier)
PUSH_CURSOR = "push_results.after"
#: at most this many results come in one answer (the head office's page size)
PAGE = 200
#: registration must not hold a payment up for long: head office on a LAN or the internet
#: answers in well under a second; after this the till falls back to its configured URL
REGISTER_CONNECT_S = 1.0
REGISTER_READ_S = 2.0
#: after head office could not be reached, pushes go with the configured URL at once for
#: this long (an offline till does not make every M-Pesa payment wait for a timeout)
OFFLINE_SKIP_S = 30.0


class UnknownPush(Exception):
    """The till has no attempt for this result (or it belongs elsewhere): ignored."""


class ApplyLater(Exception):
    """The till cannot apply results right now (still starting): try next round."""


@dataclass(frozen=True, slots=True)
class PushResult:
    """One decided push as ``GET /api/v1/push-results`` lists it."""

    seq: int
    attempt_id: str
    state: str  # "paid" | "failed"
    checkout_request_id: str
    result_code: str
    result_desc: str
    receipt: str
    amount_minor: int
    currency: str = "KES"

    def wire(self) -> dict[str, Any]:
        """The fields as head office sent them (what the payment method reads)."""
        return {
            "seq": self.seq,
            "attempt_id": self.attempt_id,
            "state": self.state,
            "checkout_request_id": self.checkout_request_id,
            "result_code": self.result_code,
            "result_desc": self.result_desc,
            "receipt": self.receipt,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
        }


#: hands one result to the payment service; returns what became of it ("applied",
#: "late", "declined", "already", ...) for the log; raises UnknownPush or ApplyLater
Applier = Callable[[PushResult], str]


def field_int(item: dict[str, Any], key: str) -> int:
    """``item[key]`` as a whole number (a bool is not one), or ValueError naming it."""
    value = item.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} is not a whole number")
    return value


def field_str(item: dict[str, Any], key: str) -> str:
    """``item[key]`` as text, or ValueError naming it."""
    value = item.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key} is not text")
    return value


def parse_page(
    body: dict[str, Any],
    after: int,
    build: Callable[[dict[str, Any], int], T],
    what: str,
) -> tuple[list[T], int]:
    """One page of a results pull (``{"results": [...], "next_after": N}``), oldest first,
    and the cursor after it: each item made by ``build(item, seq)``, its ``seq`` strictly
    after the one before. A malformed answer (a proxy's page, a bug) is a
    :class:`TransientError` naming ``what``: nothing of it is applied."""
    try:
        items = body["results"]
        next_after = body["next_after"]
        if not isinstance(items, list) or isinstance(next_after, bool):
            raise ValueError("results is not a list")
        if not isinstance(next_after, int) or next_after < after:
            raise ValueError("next_after goes backwards")
        results = []
        last = after
        for item in items:
            if not isinstance(item, dict):
                raise ValueError("a result is not an object")
            seq = field_int(item, "seq")
            if seq <= last:
                raise ValueError(f"seq {seq} is not after {last}")
            last = seq
            results.append(build(item, seq))
    except (KeyError, TypeError, ValueError) as exc:
        raise TransientError(f"The head office sent bad {what}: {exc}") from None
    return results, max(next_after, last)


def _push_result(item: dict[str, Any], seq: int) -> PushResult:
    return PushResult(
        seq=seq,
        attempt_id=field_str(item, "attempt_id"),
        state=field_str(item, "state"),
        checkout_request_id=field_str(item, "checkout_request_id"),
        result_code=field_str(item, "result_code"),
        result_desc=field_str(item, "result_desc"),
        receipt=field_str(item, "receipt"),
        amount_minor=field_int(item, "amount_minor"),
        currency=str(item.get("currency") or "KES"),
    )


def parse_results(body: dict[str, Any], after: int) -> tuple[list[PushResult], int]:
    """The push results of one answer, oldest first, and the cursor after them
    (:func:`parse_page`)."""
    return parse_page(body, after, _push_result, "push results")


@dataclass(frozen=True, slots=True)
class PullReport:
    seen: int = 0
    applied: int = 0  # handed over and not ignored
    ignored: int = 0  # unknown to this till
    cursor: int = 0
    deferred: bool = False  # the till could not apply yet


class ResultPull(Protocol):
    """What the sync agent runs before each drain (and often while a result is expected)."""

    def pull(self, stopping: threading.Event | None = None) -> Any: ...


class Sequenced(Protocol):
    @property
    def seq(self) -> int: ...


R = TypeVar("R", bound=Sequenced)


class ResultPuller(Generic[R]):
    """Pulls decided results of one kind and hands each to ``apply`` once per cursor
    position; subclasses say where from (:meth:`fetch`), how to read them (:meth:`parse`),
    under which ``sync_state`` name the cursor is kept, and what one is called in the log."""

    cursor_key = ""
    what = "result"
    noun = "attempt"  # what :meth:`describe` names

    def __init__(self, db: Database, client: HeadOfficeClient, apply: Callable[[R], str]) -> None:
        self.db = db
        self.client = client
        self.apply = apply
        #: outcome of every result handed over, newest last (tests, benchmark; bounded)
        self.outcomes: list[tuple[str, str]] = []
        self._refused = False  # the last pull was refused (logged once until it works)

    def fetch(self, after: int) -> dict[str, Any]:
        raise NotImplementedError

    def parse(self, body: dict[str, Any], after: int) -> tuple[list[R], int]:
        raise NotImplementedError

    def describe(self, result: R) -> tuple[str, str]:
        """(what the result is about, its state) for the log and :attr:`outcomes`."""
        raise NotImplementedError

    def cursor(self) -> int:
        with self.db.read_session() as s:
            value = sync_state.get_value(s, self.cursor_key)
        try:
            return int(value) if value else 0
        except ValueError:
            log.error("sync: %s cursor %r is not a number: starting over", self.what, value)
            return 0

    def _store(self, cursor: int) -> None:
        with self.db.session() as s:
            sync_state.set_value(s, self.cursor_key, str(cursor))

    def pull(self, stopping: threading.Event | None = None) -> PullReport:
        """Pull and apply until head office has nothing newer (or a call fails: raised)."""
        seen = applied = ignored = 0
        after = self.cursor()
        while stopping is None or not stopping.is_set():
            try:
                body = self.fetch(after)
            except RequestRefused as exc:
                # a head office without the relay (older version) or refusing this pull:
                # never a reason to stop the outbox drain that follows
                if not self._refused:
                    log.warning("sync: head office does not relay %ss: %s", self.what, exc)
                self._refused = True
                return PullReport(seen, applied, ignored, after, deferred=True)
            try:
                results, next_after = self.parse(body, after)
            except TransientError as exc:  # not the document it should be: nothing applied
                if not self._refused:
                    log.warning("sync: %s", exc)
                self._refused = True
                return PullReport(seen, applied, ignored, after, deferred=True)
            self._refused = False
            for result in results:
                about, state = self.describe(result)
                try:
                    outcome = self.apply(result)
                except UnknownPush as exc:
                    log.warning(
                        "sync: %s %s for %s %s not applied: %s",
                        self.what,
                        result.seq,
                        self.noun,
                        about,
                        exc,
                    )
                    outcome = "ignored"
                    ignored += 1
                except ApplyLater:
                    log.info(
                        "sync: %s %s waits: the till cannot apply it yet (no cashier signed "
                        "in, or the method not set up); asked again next round",
                        self.what,
                        result.seq,
                    )
                    return PullReport(seen, applied, ignored, after, deferred=True)
                else:
                    applied += 1
                seen += 1
                self.outcomes = [*self.outcomes[-99:], (about, outcome)]
                log.info(
                    "sync: %s %s (%s %s, %s): %s",
                    self.what,
                    result.seq,
                    self.noun,
                    about,
                    state,
                    outcome,
                )
                after = result.seq
                self._store(after)
            if next_after > after:
                after = next_after
                self._store(after)
            if len(results) < PAGE:
                break
        return PullReport(seen, applied, ignored, after)


class PushResultPuller(ResultPuller[PushResult]):
    """Pulls decided M-Pesa pushes (``GET /api/v1/push-results``)."""

    cursor_key = PUSH_CURSOR
    what = "push result"

    def fetch(self, after: int) -> dict[str, Any]:
        return self.client.push_results(after)

    def parse(self, body: dict[str, Any], after: int) -> tuple[list[PushResult], int]:
        return parse_results(body, after)

    def describe(self, result: PushResult) -> tuple[str, str]:
        return result.attempt_id, result.state


class ResultPullers:
    """Several pulls run as one, in order (the agent's ``push_results``): each is tried
    even when one before it failed; the first failure is raised after the others ran."""

    def __init__(self, *pullers: ResultPull) -> None:
        self.pullers = pullers

    def pull(self, stopping: threading.Event | None = None) -> list[Any]:
        reports: list[Any] = []
        failure: SyncError | None = None
        for puller in self.pullers:
            if stopping is not None and stopping.is_set():
                break
            try:
                reports.append(puller.pull(stopping))
            except SyncError as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return reports


class PushRegistrar:
    """Registers a push with head office (the M-Pesa method's callback relay calls it).

    Its own connection with short timeouts, used by one call at a time: a registration
    happens once per M-Pesa payment, so they never queue for long. After head office could
    not be reached (no connection, a timeout, 5xx), registrations are skipped for
    ``OFFLINE_SKIP_S``: the till is offline, and its pushes should not wait on it.
    """

    def __init__(
        self, client: HeadOfficeClient, on_registered: Callable[[], None] | None = None
    ) -> None:
        """``on_registered``: told after each registration (the agent then pulls results
        often for a while: ``SyncAgent.expect_push_result``)."""
        self.client = client
        self.on_registered = on_registered
        self._lock = threading.Lock()
        self._skip_until = 0.0  # monotonic: head office was unreachable until then

    @classmethod
    def for_head_office(
        cls,
        url: str,
        token: str,
        ca_bundle: Path | None = None,
        *,
        connect_s: float = REGISTER_CONNECT_S,
        read_s: float = REGISTER_READ_S,
    ) -> PushRegistrar:
        settings = ClientSettings(
            url, ca_bundle, connect_timeout_s=connect_s, read_timeout_s=read_s
        )
        return cls(HeadOfficeClient(settings, token=token))

    def __call__(
        self, attempt_id: str, amount_minor: int, currency: str, msisdn: str
    ) -> str | None:
        """The CallBackURL head office gives this push, or None (logged): fall back."""
        phone = hashlib.sha256(msisdn.encode()).hexdigest()
        if time.monotonic() < self._skip_until:
            log.info("sync: head office unreachable lately: push %s not registered", attempt_id)
            return None
        try:
            with self._lock:
                body = self.client.register_push(attempt_id, amount_minor, currency, phone)
        except TransientError as exc:
            self._skip_until = time.monotonic() + OFFLINE_SKIP_S
            log.warning(
                "sync: push %s not registered with head office (%s): the configured "
                "callback URL goes to M-Pesa and the till polls; no registration for %.0f s",
                attempt_id,
                exc,
                OFFLINE_SKIP_S,
            )
            return None
        except SyncError as exc:
            log.warning(
                "sync: push %s not registered with head office (%s): the configured "
                "callback URL goes to M-Pesa and the till polls",
                attempt_id,
                exc,
            )
            return None
        url = body.get("callback_url")
        if body.get("attempt_id") != attempt_id or not isinstance(url, str) or not url:
            log.warning("sync: head office's answer for push %s has no callback URL", attempt_id)
            return None
        if self.on_registered is not None:
            self.on_registered()
        return url

    def close(self) -> None:
        self.client.close()
