"""The till's side of PayPal through head office: registering each order it creates, and
pulling the results head office made from PayPal's webhooks and IPN.

:class:`PayPalOrderRegistrar` is the PayPal method's order relay's registrar
(:mod:`pos.payments.paypal.relay`): it only queues ``(order id, amount)`` and returns, and a
thread of its own sends ``POST /api/v1/paypal-orders`` with short timeouts. So neither the
till worker nor the network executor that created the order, let alone the GUI thread,
ever waits for head office. A registration that head office could not take (no
connection, a timeout, 5xx) is kept and tried again once :data:`OFFLINE_SKIP_S` have
passed, as long as the order is young enough to be paid (:data:`MAX_AGE_S`, the QR's
deadline); meanwhile every new registration waits behind it (logged), as the M-Pesa relay
skips head office for that long. A refusal (4xx) is logged and dropped. Either way the
till's own polling of the order still settles the payment: registering only lets PayPal's
webhooks reach the till sooner, and after a crash. The queue is in memory: registrations
not yet sent when the till stops are lost (logged at stop), and the till's recovery at
start-up asks PayPal itself about every unfinished attempt.

:class:`PayPalResultPuller` runs in the sync agent's round beside the M-Pesa pull
(:class:`~sync.agent.push_results.ResultPullers`): ``GET /api/v1/paypal-results?after=``,
its own cursor in ``sync_state``, each result handed to the applier once (the payment
service applies it by compare and set, so one handed over again after a crash is found
applied already).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sync.agent.client import (
    ClientSettings,
    HeadOfficeClient,
    SyncError,
    TransientError,
)
from sync.agent.push_results import (
    REGISTER_CONNECT_S,
    REGISTER_READ_S,
    ResultPuller,
    field_int,
    field_str,
    parse_page,
)

log = logging.getLogger(__name__)

#: name of the pull cursor in ``sync_state`` (the last ``seq`` handed to the applier)
PAYPAL_CURSOR = "paypal_results.after"
#: after head office could not be reached, registrations wait this long before the next try
OFFLINE_SKIP_S = 30.0
#: a registration older than this is dropped: the customer's QR code has lapsed by then
MAX_AGE_S = 900.0
#: at most this many registrations wait (a till offline for a long, busy day); beyond it,
#: new ones are dropped (logged): the till's own polling covers them
MAX_WAITING = 500


@dataclass(frozen=True, slots=True)
class PayPalResult:
    """One result as ``GET /api/v1/paypal-results`` lists it."""

    seq: int
    order_id: str
    event_type: str
    state: str  # "paid" | "pending" | "failed" | "refunded" | "reversed"
    capture_id: str
    refund_id: str
    amount_minor: int
    currency: str
    decided_at: str = ""

    def wire(self) -> dict[str, Any]:
        """The fields as head office sent them (what the payment method reads)."""
        return {
            "seq": self.seq,
            "order_id": self.order_id,
            "event_type": self.event_type,
            "state": self.state,
            "capture_id": self.capture_id,
            "refund_id": self.refund_id,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "decided_at": self.decided_at,
        }


def _paypal_result(item: dict[str, Any], seq: int) -> PayPalResult:
    return PayPalResult(
        seq=seq,
        order_id=field_str(item, "order_id"),
        event_type=field_str(item, "event_type"),
        state=field_str(item, "state"),
        capture_id=field_str(item, "capture_id"),
        refund_id=field_str(item, "refund_id"),
        amount_minor=field_int(item, "amount_minor"),
        currency=field_str(item, "currency"),
        decided_at=str(item.get("decided_at") or ""),
    )


def parse_results(body: dict[str, Any], after: int) -> tuple[list[PayPalResult], int]:
    """The PayPal results of one answer, oldest first, and the cursor after them
    (:func:`~sync.agent.push_results.parse_page`)."""
    return parse_page(body, after, _paypal_result, "PayPal results")


class PayPalResultPuller(ResultPuller[PayPalResult]):
    """Pulls results about this till's PayPal orders (``GET /api/v1/paypal-results``)."""

    cursor_key = PAYPAL_CURSOR
    what = "PayPal result"
    noun = "order"

    def fetch(self, after: int) -> dict[str, Any]:
        return self.client.paypal_results(after)

    def parse(self, body: dict[str, Any], after: int) -> tuple[list[PayPalResult], int]:
        return parse_results(body, after)

    def describe(self, result: PayPalResult) -> tuple[str, str]:
        return result.order_id, result.state


class Amount(Protocol):
    """What the registrar reads of the order's amount (``pos.domain.money.Money``)."""

    @property
    def minor(self) -> int: ...
    @property
    def currency(self) -> str: ...


@dataclass(frozen=True, slots=True)
class _Waiting:
    order_id: str
    amount: Amount
    queued_at: float  # monotonic


class PayPalOrderRegistrar:
    """Queues PayPal orders and registers them with head office from its own thread.

    Call it with ``(order_id, amount)`` from any thread: it returns at once. The thread
    starts with the first order and stops at :meth:`close`.
    """

    def __init__(
        self,
        client: HeadOfficeClient,
        on_registered: Callable[[], None] | None = None,
        *,
        skip_s: float = OFFLINE_SKIP_S,
        max_age_s: float = MAX_AGE_S,
    ) -> None:
        """``on_registered``: told after each registration (the agent then pulls results
        often for a while: ``SyncAgent.expect_push_result``)."""
        self.client = client
        self.on_registered = on_registered
        self.skip_s = skip_s
        self.max_age_s = max_age_s
        self._queue: queue.Queue[_Waiting | None] = queue.Queue(MAX_WAITING)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = threading.Event()
        #: what became of each registration, newest last (tests, benchmark; bounded)
        self.outcomes: list[tuple[str, str]] = []

    @classmethod
    def for_head_office(
        cls,
        url: str,
        token: str,
        ca_bundle: Path | None = None,
        *,
        connect_s: float = REGISTER_CONNECT_S,
        read_s: float = REGISTER_READ_S,
    ) -> PayPalOrderRegistrar:
        settings = ClientSettings(
            url, ca_bundle, connect_timeout_s=connect_s, read_timeout_s=read_s
        )
        return cls(HeadOfficeClient(settings, token=token))

    def __call__(self, order_id: str, amount: Amount) -> None:
        """Queue one order's registration (never blocks; dropped, logged, when full)."""
        if self._closed.is_set():
            return
        try:
            self._queue.put_nowait(_Waiting(order_id, amount, time.monotonic()))
        except queue.Full:
            log.warning(
                "sync: PayPal order %s not registered with head office: %d are waiting "
                "already; the till polls PayPal for it",
                order_id,
                MAX_WAITING,
            )
            self._note(order_id, "dropped")
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="paypal-order-registrar", daemon=True
                )
                self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the thread (after the call in flight); what still waits is logged."""
        self._closed.set()
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        left = self._queue.qsize()
        if left:
            log.info("sync: %d PayPal order(s) not registered with head office at stop", left)
        self.client.close()

    def _note(self, order_id: str, outcome: str) -> None:
        self.outcomes = [*self.outcomes[-199:], (order_id, outcome)]

    def _run(self) -> None:
        retry: _Waiting | None = None
        while not self._closed.is_set():
            if retry is not None:
                item: _Waiting | None = retry
                retry = None
            else:
                item = self._queue.get()
            if item is None:
                return
            if time.monotonic() - item.queued_at > self.max_age_s:
                log.info("sync: PayPal order %s too old to register; dropped", item.order_id)
                self._note(item.order_id, "expired")
                continue
            if self._register(item):
                continue
            retry = item  # head office unreachable: wait, then this one first
            if self._closed.wait(self.skip_s):
                return

    def _register(self, item: _Waiting) -> bool:
        """One try; False when it should be tried again later (head office unreachable)."""
        money = item.amount
        try:
            body = self.client.register_paypal_order(item.order_id, money.minor, money.currency)
        except TransientError as exc:
            log.warning(
                "sync: PayPal order %s not registered with head office (%s): the till polls "
                "PayPal; tried again in %.0f s",
                item.order_id,
                exc,
                self.skip_s,
            )
            self._note(item.order_id, "retry")
            return False
        except SyncError as exc:
            log.warning(
                "sync: PayPal order %s not registered with head office (%s): the till polls PayPal",
                item.order_id,
                exc,
            )
            self._note(item.order_id, "refused")
            return True
        except Exception:  # a bug: never a reason to stop the thread
            log.exception("sync: registering PayPal order %s failed", item.order_id)
            self._note(item.order_id, "error")
            return True
        if body.get("order_id") != item.order_id or body.get("registered") is not True:
            log.warning("sync: head office's answer for PayPal order %s is odd", item.order_id)
            self._note(item.order_id, "odd")
            return True
        self._note(item.order_id, "registered")
        log.info("sync: PayPal order %s registered with head office", item.order_id)
        if self.on_registered is not None:
            try:
                self.on_registered()
            except Exception:
                log.exception("sync: PayPal registration listener failed")
        return True
