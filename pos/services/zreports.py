"""X and Z reports of this terminal.

- X: any time, changes nothing. It covers the shifts since the last Z, the open one
  included (up to now), and lists the refunds still waiting (counted in no figure until
  resolved; the Z refuses while there is one), read in the same snapshot as the figures.
- Z: the end of the business day. It covers every shift closed since the last Z (none may
  be open), gets the next Z number of this terminal (1, 2, 3 ...), names the previous Z's
  event hash (``previous``), and is written once with its ``report.z`` outbox event and an
  audit entry (which the keyed journal chain seals). A Z is reprinted from its stored
  document, never computed again; a second Z with no new shift is refused.

:meth:`ZReportService.verify` recomputes every Z's hash and link, so a Z removed, changed
or re-run shows up.

Tenders are stored by method code; the reports these methods return carry, beside the
figures, each method's label as its plug-in describes it now (:func:`installed_labels`),
for the screen, printer, CSV and PDF. The labels are never written into a Z's document,
so a sealed Z reads back and verifies unchanged, and a method uninstalled since shows its
code.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from pos.domain.messages import define
from pos.services.audit import AuditWriter
from pos.services.auth import Approval, AuthService, Permission
from pos.services.context import Clock, IdFactory, TerminalContext
from pos.services.errors import NotFound, ServiceError
from pos.services.period import PeriodReport, WaitingRow, build_period
from pos.services.shifts import (
    RECEIPT_COUNTER,
    REFUND_COUNTER,
    WaitingRefund,
    _wire_cash,
    refuse_if_refunds_wait,
    waiting_refunds,
)
from pos.store import repositories as repo
from pos.store import shifts as store
from pos.store.db import Database
from pos.store.models import ZReportRecord
from sync.protocol import builders
from sync.protocol.canonical import content_hash
from sync.protocol.fields import Amount
from sync.protocol.sales import VatClass
from sync.protocol.shifts import (
    CashierTotal,
    CountValue,
    PreviousZ,
    TenderTotal,
    VatSummary,
    ZReport,
)

if TYPE_CHECKING:
    from pos.services.payments import PaymentService

SHIFT_STILL_OPEN = define(
    "z_shift_open", "Shift {number} is still open: close it (count the drawer) before the Z."
)
NOTHING_TO_Z = define(
    "z_nothing", "No shift was closed since Z {number}: there is nothing new for a Z report."
)
NO_SHIFTS = define("x_nothing", "No shift since the last Z: open a shift first.")
Z_UNKNOWN = define("z_unknown", "That Z report is not on this till.")
#: what an approver is asked to approve (the approval dialog's title, in their language)
APPROVE_Z = define("z_approve", "The Z report (end of day)")

log = logging.getLogger(__name__)

#: where tender labels come from: method code -> the label a person reads
LabelSource = Callable[[], Mapping[str, str]]


def installed_labels() -> dict[str, str]:
    """Every installed payment method's receipt label by code ("Card", "M-Pesa"), read
    from the plug-ins' own descriptions (the ``kaunta.payment_methods`` entry points),
    built or not; a plug-in that cannot describe itself without being built is left out
    (its code is shown)."""
    from pos.payments.registry import discover

    labels: dict[str, str] = {}
    for code, found in discover().items():
        try:
            description = found.description
        except Exception:  # a broken plug-in never stops a report
            log.exception("payment method %s cannot describe itself", code)
            continue
        if description is not None:
            labels[code] = description.receipt_name
    return labels


def tender_label(code: str, payments: PaymentService | None) -> str:
    """A tender named as people read it: by the till's payment service when it has one
    (the methods it offers now), else by the installed plug-ins; else by its code."""
    if payments is not None:
        return payments.tender_label(code)
    global _FALLBACK_LABELS
    if _FALLBACK_LABELS is None:  # read the plug-ins once, not once per row shown
        _FALLBACK_LABELS = installed_labels()
    return _FALLBACK_LABELS.get(code, code)


#: the installed plug-ins' labels, for screens of a till without a payment service
_FALLBACK_LABELS: dict[str, str] | None = None


@dataclass(frozen=True, slots=True)
class ZSummary:
    """One line of the Z list."""

    z_id: str
    number: int
    business_date: str
    created_at: datetime
    content_hash: str


class ZReportService:
    def __init__(
        self,
        db: Database,
        ctx: TerminalContext,
        clock: Clock,
        ids: IdFactory,
        auth: AuthService,
        labels: LabelSource = installed_labels,
    ) -> None:
        """``labels``: the tender labels of the methods installed now (read at each
        report, so a method installed or removed since shows as it is now)."""
        self.labels = labels
        self._db = db
        self._ctx = ctx
        self._clock = clock
        self._ids = ids
        self._auth = auth
        self._audit = AuditWriter(ctx, clock, ids)

    def _counters(self) -> tuple[str, str]:
        t = self._ctx.terminal_id
        return f"{RECEIPT_COUNTER}:{t}", f"{REFUND_COUNTER}:{t}"

    def _after_last_z(self, s: Session) -> tuple[ZReportRecord | None, list[Any]]:
        last = store.latest_z(s, self._ctx.terminal_id)
        after = last.last_shift_number if last is not None else 0
        return last, store.shifts_after(s, self._ctx.terminal_id, after)

    # -- X ------------------------------------------------------------------------------------
    def x_report(self) -> PeriodReport:
        """The figures since the last Z, open shift included. Writes nothing."""
        user = self._auth.require(Permission.VIEW_REPORTS)
        receipts, refunds = self._counters()
        with self._db.read_session() as s:
            _, shifts = self._after_last_z(s)
            if not shifts:
                raise ServiceError(NO_SHIFTS())
            report = build_period(
                s,
                self._ctx,
                shifts,
                kind="X",
                z_number=0,
                now=self._clock.now(),
                made_by=user.name,
                receipt_counter=receipts,
                refund_counter=refunds,
            )
            waiting = waiting_refunds(s, self._ctx.terminal_id)
        return self._labelled(
            replace(report, waiting_refunds=tuple(_waiting_row(w) for w in waiting))
        )

    # -- Z ------------------------------------------------------------------------------------
    def z_report(self, approval: Approval | None = None) -> PeriodReport:
        """Close the business day: the next Z of this terminal, written once."""
        user = self._auth.require_user()
        who = self._auth.authorize(Permission.Z_REPORT, approval, APPROVE_Z())
        receipts, refunds = self._counters()
        now = self._clock.now()
        with self._db.session() as s:
            refuse_if_refunds_wait(s, self._ctx.terminal_id, z=True)
            last, shifts = self._after_last_z(s)
            open_ones = [sh for sh, close in shifts if close is None]
            if open_ones:
                raise ServiceError(SHIFT_STILL_OPEN(number=open_ones[0].number))
            if not shifts:
                raise ServiceError(NOTHING_TO_Z(number=last.number if last else 0))
            number = (last.number if last else 0) + 1
            report = build_period(
                s,
                self._ctx,
                shifts,
                kind="Z",
                z_number=number,
                now=now,
                made_by=user.name,
                receipt_counter=receipts,
                refund_counter=refunds,
            )
            z_id = self._ids.new()
            seq = repo.next_outbox_seq(s)
            doc = builders.z_report(
                event_id=self._ids.new(),
                store_id=self._ctx.store.store_id,
                terminal_id=self._ctx.terminal_id,
                seq=seq,
                created_at=now,
                training=self._ctx.training,
                report=self._wire(report, z_id, who, last),
            )
            document = json.dumps(
                {"body": doc["body"], "report": report.to_json()},
                separators=(",", ":"),
                sort_keys=True,
            )
            store.add(
                s,
                ZReportRecord(
                    id=z_id,
                    terminal_id=self._ctx.terminal_id,
                    number=number,
                    business_date=report.business_date,
                    first_shift_number=shifts[0][0].number,
                    last_shift_number=shifts[-1][0].number,
                    created_at=now,
                    created_by=who,
                    previous_hash=last.content_hash if last else "",
                    content_hash=str(doc["hash"]),
                    document=document,
                    training=self._ctx.training,
                ),
            )
            repo.add_outbox_event(
                s,
                event_id=str(doc["event_id"]),
                kind=str(doc["type"]),
                aggregate_id=z_id,
                payload=doc,
                now=now,
                seq=seq,
            )
            self._audit.write(
                s,
                user_id=user.user_id,
                action="z_report",
                document_id=z_id,
                approved_by="" if who == user.user_id else who,
                # sealed in the keyed journal chain: what verify_z_reports compares with
                detail={
                    "number": number,
                    "hash": doc["hash"],
                    "report_hash": content_hash(json.loads(document)["report"]),
                },
            )
        return self._labelled(report)

    def _wire(
        self, r: PeriodReport, z_id: str, closed_by: str, last: ZReportRecord | None
    ) -> ZReport:
        cur = r.currency

        def a(minor: int) -> Amount:
            return Amount(minor, cur)

        table = self._ctx.tax_table
        vat = []
        for row in r.vat:
            exempt = row.code in table.codes() and table.get(row.code).exempt
            vat.append(
                VatSummary(
                    VatClass(row.code, _percent(row.rate_bp), exempt),
                    a(row.gross),
                    a(row.net),
                    a(row.vat),
                )
            )
        return ZReport(
            z_id=z_id,
            z_number=r.z_number,
            previous=None if last is None else PreviousZ(last.id, last.content_hash),
            business_date=date.fromisoformat(r.business_date),
            period_start=datetime.fromisoformat(r.period_start),
            period_end=datetime.fromisoformat(r.period_end),
            shift_ids=r.shift_ids,
            closed_by=closed_by,
            currency=cur,
            gross_sales=a(r.gross_sales),
            discounts=a(r.discounts),
            refunds=CountValue(r.refunds_count, a(r.refunds_value)),
            voids=CountValue(r.voids_count, a(r.voids_value)),
            net_sales=a(r.net_sales),
            vat=tuple(vat),
            tenders=tuple(
                TenderTotal(
                    t.method,
                    t.count,
                    Amount(t.foreign_amount, t.foreign_currency)
                    if t.foreign_currency
                    else a(t.amount),
                )
                for t in r.tenders
                if t.count
            ),
            cash=_wire_cash(r.cash),
            sales_count=r.sales_count,
            no_sale_count=r.no_sale_count,
            by_cashier=tuple(
                CashierTotal(c.cashier_id, c.sales_count, a(c.net_sales)) for c in r.by_cashier
            ),
        )

    # -- after the fact ------------------------------------------------------------------------
    def z_list(self, limit: int = 100) -> list[ZSummary]:
        self._auth.require(Permission.VIEW_REPORTS)
        with self._db.read_session() as s:
            return [
                ZSummary(z.id, z.number, z.business_date, z.created_at, z.content_hash)
                for z in store.z_reports(s, self._ctx.terminal_id, limit)
            ]

    def reprint(self, z_id: str) -> PeriodReport:
        """A stored Z exactly as it was made (the reprint is audited)."""
        user = self._auth.require(Permission.VIEW_REPORTS)
        with self._db.session() as s:
            z = store.z_by_id(s, z_id)
            if z is None or z.terminal_id != self._ctx.terminal_id:
                raise NotFound(Z_UNKNOWN())
            self._audit.write(s, user_id=user.user_id, action="z_reprint", document_id=z_id)
            stored = PeriodReport.from_json(json.loads(z.document)["report"])
        return self._labelled(stored)

    def _labelled(self, report: PeriodReport) -> PeriodReport:
        """``report`` with the labels of its methods as installed now (figures as they
        are: the labels are for showing, never stored)."""
        codes = {t.method for t in report.tenders}
        codes |= {c.method for c in report.counted}
        codes |= {w.method for w in report.waiting_refunds}
        try:
            installed = self.labels()
        except Exception:  # the figures matter more than the names: show codes
            log.exception("tender labels could not be read; the report shows method codes")
            installed = {}
        found = tuple(sorted((c, installed[c]) for c in codes if installed.get(c)))
        return replace(report, labels=found)

    def verify(self) -> list[str]:
        """Problems in this till's Z reports ([] when every Z is intact, linked and matches
        its sealed audit entry): :func:`pos.services.journal.verify_z_reports`, which the
        start-up check and ``kaunta verify`` run too."""
        from pos.services.journal import verify_z_reports

        with self._db.read_session() as s:
            return [f"Z {f.subject}: {f.problem}" for f in verify_z_reports(s.connection())]

    def waiting_refunds(self) -> list[WaitingRefund]:
        """Refunds of this terminal still waiting for their method's answer (or for the
        document after the money went back): the X report lists them, the Z refuses
        while there is one."""
        self._auth.require(Permission.VIEW_REPORTS)
        with self._db.read_session() as s:
            return waiting_refunds(s, self._ctx.terminal_id)


def _waiting_row(w: WaitingRefund) -> WaitingRow:
    """A waiting refund attempt as the X report stores it (plain values, JSON-ready)."""
    return WaitingRow(
        w.method, w.state, w.amount.minor, w.amount.currency, w.created_at.isoformat()
    )


def _percent(rate_bp: int) -> Any:
    from decimal import Decimal

    return Decimal(rate_bp) / 100
