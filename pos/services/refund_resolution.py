"""Refunds whose method's answer was lost: listed, resolved by asking, settled by hand.

The refund service stores every tender it gives back through a method as a refund
attempt before the method is asked (:mod:`pos.services.refund_attempts`). This is the
other half: at till start-up and on a manager's "Check again", every open attempt is
resolved by asking its method (:meth:`PaymentMethod.refund_status`: a card terminal's
last transaction against the receipt number noted before), never by sending again; a
refund whose methods all gave back is completed as it was planned and approved, exactly
once (the document and the move to ``completed`` share one transaction); one that gave
nothing back is dropped; anything else stays open with what to do, until a manager who
has looked at the method's own records settles it by hand.

Kept apart from :mod:`pos.services.refunds` (the refund itself) by responsibility; it
works through the service's own planning and writing (:class:`RefundService`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from pos.domain.errors import DomainError
from pos.domain.refund import TenderHow
from pos.payments.base import GatewayUnavailable, RefundCheck, RefundState
from pos.services import refund_attempts as attempts_store
from pos.services.auth import Approval, Permission
from pos.services.errors import NotFound, ServiceError
from pos.services.refund_attempts import RefundAttemptState
from pos.services.refund_recovery import (
    NOT_SET_UP,
    PLAN_CHANGED,
    SAY_WHAT_IT_SHOWS,
    SETTLING,
    TODO_MIXED,
    decode_request,
    todo,
)
from pos.services.refund_values import PendingRefund, ResolvedRefund
from pos.services.steps import NetCall, Steps
from pos.store import repositories as repo

if TYPE_CHECKING:
    from pos.services.refunds import RefundService

AState = RefundAttemptState


class RefundResolution:
    """The waiting refunds of one :class:`RefundService` (which calls this)."""

    def __init__(self, service: RefundService) -> None:
        self._svc = service

    def pending(self, sale_id: str | None = None) -> list[PendingRefund]:
        """Refunds through a method still waiting to be resolved (of one sale, or all of
        this terminal's), with what to do about each."""
        self._svc._auth.require_user()
        with self._svc._db.read_session() as s:
            return self.pending_in(s, sale_id)

    def pending_in(self, s: Session, sale_id: str | None) -> list[PendingRefund]:
        """As :meth:`pending`, inside a unit of work of the caller's."""
        rows = (
            attempts_store.open_for_sale(s, sale_id)
            if sale_id is not None
            else attempts_store.open_attempts(s, self._svc._ctx.terminal_id)
        )
        numbers: dict[str, str] = {}
        out = []
        for a in sorted(rows, key=lambda r: (r.created_at, r.attempt_id)):
            if a.sale_id not in numbers:
                entry = repo.sale_by_id(s, a.sale_id)
                found = self._svc._remote_sale(s, a.sale_id) if entry is None else None
                numbers[a.sale_id] = (
                    entry.number if entry is not None else found.number if found else a.sale_id
                )
            label = self._svc._label(a.method, {})
            out.append(
                PendingRefund(
                    attempt_id=a.attempt_id,
                    refund_id=a.refund_id,
                    sale_id=a.sale_id,
                    sale_number=numbers[a.sale_id],
                    label=label,
                    amount=a.amount,
                    state=a.state,
                    since=a.created_at.astimezone(self._svc._ctx.zone),
                    message=a.message,
                    todo=todo(a, label),
                )
            )
        return out

    def resolve_pending_steps(self, refund_id: str | None = None) -> Steps[list[ResolvedRefund]]:
        """Resolve this terminal's open refund attempts (``refund_id``: that refund's
        only) by asking their methods: at till start-up, and when a manager presses
        "Check again". A refund whose method gave the money back is completed as it was
        planned and approved (document, journal, outbox event, audit), exactly once; one
        whose method gave nothing back is dropped (the sale can be refunded again);
        anything else stays open with what to do. Needs no login (start-up); nothing is
        ever sent to a method again here."""
        with self._svc._db.read_session() as s:
            rows = attempts_store.open_attempts(s, self._svc._ctx.terminal_id)
        refunds = list(dict.fromkeys(a.refund_id for a in rows))
        sales = {a.refund_id: a.sale_id for a in rows}
        out: list[ResolvedRefund] = []
        for rid in refunds:
            if refund_id is not None and rid != refund_id:
                continue
            sale_id = sales[rid]
            with self._svc._lock:
                if sale_id in self._svc._busy:
                    continue  # being refunded in this run right now
                self._svc._busy.add(sale_id)
            try:
                out.append((yield from self._resolve_steps(rid)))
            finally:
                with self._svc._lock:
                    self._svc._busy.discard(sale_id)
        return out

    def _resolve_steps(self, refund_id: str) -> Steps[ResolvedRefund]:
        with self._svc._db.read_session() as s:
            group = attempts_store.of_refund(s, refund_id)
        sale_id = group[0].sale_id
        for a in group:
            if a.state not in (AState.PENDING, AState.UNKNOWN):
                continue
            method = self._svc._methods.get(a.method)
            if method is None:
                label = self._svc._label(a.method, {})
                self._svc._move(a.attempt_id, a.state, message=str(NOT_SET_UP(label=label)))
                continue
            with self._svc._db.read_session() as s:
                # this till's payment attempt, or another till's payment as head office
                # had it (kept on this till when the sale was found)
                ref = self._svc.attempt_ref(s, sale_id, a.payment_id, a.attempt_id)
                busy = attempts_store.method_used_since(
                    s, self._svc._ctx.terminal_id, a.method, a.created_at, besides=a.attempt_id
                )
            if ref is None:
                continue
            try:
                check: RefundCheck = yield NetCall(
                    partial(
                        method.refund_status, ref, a.amount, a.gateway_ref, nothing_since=not busy
                    ),
                    f"{a.method}.refund_status {a.attempt_id}",
                )
            except GatewayUnavailable as exc:
                self._svc._move(a.attempt_id, a.state, code="unavailable", message=str(exc))
                continue
            self._apply_check(a, check)
        return self._settle_refund(refund_id, sale_id)

    def _apply_check(self, a: attempts_store.AttemptRow, check: RefundCheck) -> None:
        texts = {"code": check.code, "message": check.message}
        if check.state is RefundState.REFUNDED:
            self._svc._move(
                a.attempt_id,
                AState.APPROVED,
                refund_ref=check.refund_ref,
                receipt_ref=check.receipt_ref,
                **texts,
            )
        elif check.state is RefundState.NOT_REFUNDED:
            self._svc._move(a.attempt_id, AState.NOT_REFUNDED, **texts)
        elif check.state is RefundState.UNKNOWN:
            self._svc._move(a.attempt_id, AState.UNKNOWN, **texts)
        else:
            self._svc._move(a.attempt_id, a.state, **texts)

    def _settle_refund(self, refund_id: str, sale_id: str) -> ResolvedRefund:
        """Complete, drop or keep one refund after its methods were asked."""
        with self._svc._db.read_session() as s:
            group = attempts_store.of_refund(s, refund_id)
        states = {a.state for a in group}
        waiting = states & {AState.PENDING, AState.UNKNOWN}
        approved = [a for a in group if a.state is AState.APPROVED]
        if not group:
            return ResolvedRefund(refund_id, sale_id, "waiting")
        if waiting:
            first = next(a for a in group if a.state in waiting)
            return ResolvedRefund(refund_id, sale_id, "waiting", message=first.message)
        if not approved:  # nothing went back (never sent, not refunded, declined)
            self._svc._drop_unsent(refund_id, "not_sent", "")
            with self._svc._db.read_session() as s:
                codes = [a.code for a in attempts_store.of_refund(s, refund_id)]
            self._svc._failed(group[0].created_by, refund_id, ",".join(c for c in codes if c), [])
            return ResolvedRefund(refund_id, sale_id, "not_refunded", message=group[-1].message)
        if len(approved) != len(group):
            # some money went back and some did not (or was never asked): a person decides
            return ResolvedRefund(
                refund_id, sale_id, "waiting", message=str(TODO_MIXED(refund=refund_id))
            )
        return self._complete(refund_id, sale_id, approved)

    def _complete(
        self, refund_id: str, sale_id: str, approved: list[attempts_store.AttemptRow]
    ) -> ResolvedRefund:
        """Write the refund document as it was planned, once every method gave back."""
        stored = decode_request(approved[0].request)
        try:
            with self._svc._db.read_session() as s:
                plan = self._svc._plan(s, stored.request)
                user = repo.user_by_id(s, approved[0].created_by)
            planned = {i: t for i, t in enumerate(plan.tenders) if t.how is TenderHow.METHOD}
            if plan.total.minor != stored.total_minor or set(planned) != {
                a.tender_index for a in approved
            }:
                raise ServiceError(PLAN_CHANGED)
            references = {
                a.tender_index: self._svc._refund_reference(
                    planned[a.tender_index], a.refund_ref, a.receipt_ref
                )
                for a in approved
            }
            done = self._svc._write(
                stored.request,
                plan,
                refund_id,
                stored.authorised_by,
                references,
                tuple(a.attempt_id for a in approved),
                (approved[0].created_by, user.name if user is not None else ""),
            )
        except attempts_store.IllegalMove:
            # completed meanwhile by another path: written once, nothing more to do
            return ResolvedRefund(refund_id, sale_id, "completed")
        except (ServiceError, DomainError) as exc:  # e.g. no open shift for a cash part
            for a in approved:
                self._svc._move(a.attempt_id, AState.APPROVED, message=str(exc))
            return ResolvedRefund(refund_id, sale_id, "waiting", message=str(exc))
        return ResolvedRefund(
            refund_id, sale_id, "completed", number=done.number, message="", done=done
        )

    def settle_by_hand(
        self, attempt: str, went_back: bool, note: str, approval: Approval | None = None
    ) -> ResolvedRefund:
        """A manager settles a refund attempt its method cannot tell about (``unknown``,
        or ``pending`` with a terminal that is gone for good) after looking at the
        method's own records: ``went_back`` with what they show (``note``: the
        terminal's journal entry, its receipt number), or that no money went back. Needs
        :attr:`Permission.SETTLE_PAYMENTS` (a manager, or their approval); audited in
        the same unit of work as the move. The refund is then completed as planned, or
        dropped, as :meth:`resolve_pending_steps` does."""
        user = self._svc._auth.require_user()
        if len(note.strip()) < 4:
            raise ServiceError(SAY_WHAT_IT_SHOWS)
        who = self._svc._auth.authorize_all({Permission.SETTLE_PAYMENTS}, approval, SETTLING)
        with self._svc._db.read_session() as s:
            found = attempts_store.get(s, attempt)
        if found is None:
            raise NotFound("That refund is not waiting for an answer on this till.")
        with self._svc._lock:
            if found.sale_id in self._svc._busy:
                raise ServiceError("A refund of this sale is already in progress.")
            self._svc._busy.add(found.sale_id)
        try:
            now = self._svc._clock.now()
            by_hand = note.strip()
            with self._svc._db.session() as s:
                attempts_store.move(
                    s,
                    attempt,
                    AState.APPROVED if went_back else AState.NOT_REFUNDED,
                    now,
                    expect={AState.PENDING, AState.UNKNOWN},
                    refund_ref=f"by hand: {by_hand}" if went_back else None,
                    code="settled_by_hand",
                    message=by_hand,
                )
                self._svc._audit.write(
                    s,
                    user_id=user.user_id,
                    action="refund_settled_by_hand",
                    document_id=found.refund_id,
                    approved_by="" if who == user.user_id else who,
                    detail={"attempt": attempt, "went_back": went_back, "note": by_hand[:200]},
                )
            return self._settle_refund(found.refund_id, found.sale_id)
        finally:
            with self._svc._lock:
                self._svc._busy.discard(found.sale_id)
