"""Composition root for payments through head office (``docs/payments.md``): joins the
M-Pesa method's :class:`~pos.payments.mpesa.relay.CallbackRelay` and the PayPal method's
:class:`~pos.payments.paypal.relay.OrderRelay`, the sync agent's
:mod:`sync.agent.push_results` and :mod:`sync.agent.paypal_results`, and the payment service.

- :func:`attach_registrar` gives the relay a :class:`PushRegistrar` for the enrolled head
  office while the agent runs (pushes then carry head office's CallBackURL);
- :class:`PushResultApplier` is the agent's applier: each relayed result goes to
  ``PaymentService.apply_gateway_event`` (applied once, late when its sale moved on, never
  applied as paid when it does not match), run where the till's store and basket work runs
  (``run_on_till``: the till worker in the app; inline where one thread does everything).
- :class:`PayPalResultApplier` does the same for PayPal's results (routed by order id), on
  the same ``run_on_till`` and telling the same listener as the M-Pesa applier beside it;
  :func:`result_pullers` gives the agent both pulls, :func:`attach_paypal_registrar`
  gives the PayPal method's relay a :class:`PayPalOrderRegistrar` while the agent runs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pos.payments.mpesa.relay import RELAYED_METHOD, CallbackRelay, relay_document
from pos.payments.paypal import relay as paypal_relay
from pos.services.errors import NotFound, NotLoggedIn, PermissionDenied, ServiceError
from pos.services.payments import AttemptView, PaymentService
from pos.store.db import Database
from sync.agent.client import HeadOfficeClient
from sync.agent.paypal_results import PayPalOrderRegistrar, PayPalResult, PayPalResultPuller
from sync.agent.push_results import (
    ApplyLater,
    PushRegistrar,
    PushResult,
    PushResultPuller,
    ResultPullers,
    UnknownPush,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
#: runs a callable where store and basket work runs and returns its result (or raises)
RunOnTill = Callable[[Callable[[], AttemptView]], AttemptView]

#: the method head office relays results of
METHOD = RELAYED_METHOD


def inline(fn: Callable[[], T]) -> T:
    """``run_on_till`` for a process whose one thread does all the till's work."""
    return fn()


class PushResultApplier:
    """The sync agent's applier (``sync.agent.push_results.Applier``)."""

    def __init__(
        self,
        payments: Callable[[], PaymentService | None],
        run_on_till: RunOnTill | None = None,
    ) -> None:
        """``payments``: the till's payment service when it has one; ``run_on_till``: None
        until the till worker exists (results wait, the cursor stays)."""
        self._payments = payments
        self.run_on_till = run_on_till
        #: called with the view of a result that changed the sale or flagged money late
        #: (the UI's hook; called on the agent's thread)
        self.on_applied: Callable[[AttemptView], None] | None = None

    def __call__(self, result: PushResult) -> str:
        payments = self._payments()
        run = self.run_on_till
        if payments is None or run is None or all(m.code != METHOD for m in payments.methods()):
            raise ApplyLater()
        document = relay_document(result.wire())

        def apply() -> AttemptView:
            return payments.apply_gateway_event(METHOD, document, attempt_id=result.attempt_id)

        try:
            view = run(apply)
        except (NotLoggedIn, PermissionDenied) as exc:  # nobody signed in to take it yet
            log.info("push result for %s waits for a cashier: %s", result.attempt_id, exc)
            raise ApplyLater() from None
        except NotFound as exc:
            raise UnknownPush(str(exc)) from None
        except ServiceError as exc:  # malformed: it will never read better
            raise UnknownPush(str(exc)) from None
        changed = view.receipt is not None or view.sale_view is not None or view.late
        if self.on_applied is not None and changed:
            try:
                self.on_applied(view)
            except Exception:
                log.exception("push result listener failed")
        if view.late:
            return "late"
        if view.receipt is not None:
            return f"applied ({view.receipt.number})"
        return view.state.value


def attach_registrar(
    relay: CallbackRelay | None,
    url: str,
    token: str,
    ca_bundle: Path | None,
    on_registered: Callable[[], None] | None = None,
) -> PushRegistrar | None:
    """Give ``relay`` a registrar for this head office; returns it (to detach and close).
    ``on_registered``: the agent's ``expect_push_result``."""
    if relay is None:
        return None
    registrar = PushRegistrar.for_head_office(url, token, ca_bundle)
    registrar.on_registered = on_registered
    relay.attach(registrar)
    return registrar


def detach_registrar(relay: CallbackRelay | None, registrar: PushRegistrar | None) -> None:
    if relay is not None and registrar is not None:
        relay.detach(registrar)
    if registrar is not None:
        registrar.close()


class PayPalResultApplier:
    """The sync agent's applier for PayPal results (``PayPalResultPuller``'s ``apply``).

    Runs where, and tells whom, the M-Pesa ``PushResultApplier`` beside it does (read at
    each call: the composition root sets them once, on that one)."""

    def __init__(
        self, payments: Callable[[], PaymentService | None], beside: PushResultApplier
    ) -> None:
        self._payments = payments
        self.beside = beside

    def __call__(self, result: PayPalResult) -> str:
        payments = self._payments()
        run = self.beside.run_on_till
        code = paypal_relay.RELAYED_METHOD
        if payments is None or run is None or all(m.code != code for m in payments.methods()):
            raise ApplyLater()
        document = paypal_relay.relay_document(result.wire())

        def apply() -> AttemptView:
            return payments.apply_gateway_event(code, document)

        try:
            view = run(apply)
        except (NotLoggedIn, PermissionDenied) as exc:  # nobody signed in to take it yet
            log.info("PayPal result for %s waits for a cashier: %s", result.order_id, exc)
            raise ApplyLater() from None
        except ServiceError as exc:  # not this till's order, or malformed: never better
            raise UnknownPush(str(exc)) from None
        changed = view.receipt is not None or view.sale_view is not None or view.late
        listener = self.beside.on_applied
        if listener is not None and changed:
            try:
                listener(view)
            except Exception:
                log.exception("PayPal result listener failed")
        if view.late:
            return "late"
        if view.receipt is not None:
            return f"applied ({view.receipt.number})"
        return view.state.value


def result_pullers(
    db: Database, client: HeadOfficeClient, applier: PushResultApplier
) -> ResultPullers:
    """The agent's payment-result pulls: M-Pesa's, then PayPal's (each its own cursor)."""
    paypal = PayPalResultApplier(applier._payments, applier)
    return ResultPullers(
        PushResultPuller(db, client, applier), PayPalResultPuller(db, client, paypal)
    )


def attach_paypal_registrar(
    relay: paypal_relay.OrderRelay | None,
    url: str,
    token: str,
    ca_bundle: Path | None,
    on_registered: Callable[[], None] | None = None,
) -> PayPalOrderRegistrar | None:
    """Give the PayPal method's ``relay`` a registrar for this head office; returns it
    (to detach and close). ``on_registered``: the agent's ``expect_push_result``."""
    if relay is None:
        return None
    registrar = PayPalOrderRegistrar.for_head_office(url, token, ca_bundle)
    registrar.on_registered = on_registered
    relay.attach(registrar)
    return registrar


def detach_paypal_registrar(
    relay: paypal_relay.OrderRelay | None, registrar: PayPalOrderRegistrar | None
) -> None:
    if relay is not None and registrar is not None:
        relay.detach(registrar)
    if registrar is not None:
        registrar.close()
