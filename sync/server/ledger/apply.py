"""Applying a pushed batch: every event once, forever, by UUID, in one transaction.

The batch is read with the protocol's own parser (``parse_batch``); each event gets an
answer: ``applied`` (new, written now), ``duplicate`` (the same id and hash were applied
before: acknowledged again, nothing written) or ``rejected`` (the parser refused it, or the
same id came back with other content: that is logged and kept in ``EventConflict`` and
never overwrites what was applied). Two pushes of the same events racing each other meet at
the primary key; the loser's transaction is rolled back whole and run again, and then
answers ``duplicate``.

A refund that names its original sale is checked against the ledger before it is applied
(:func:`_check_refund`): no line may go back beyond what was sold, counting the refunds
every terminal has sent before (and earlier ones in the same batch). The original sale's
row is locked while checking (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite batches take
the write lock at ``BEGIN``), so of two tills racing on one receipt the second is answered
``rejected`` with the reason, kept in ``RefundReview``, and parked on its till. A refund
whose original sale is not in the ledger yet (that till is offline) is applied on the
till's word, which checked its own copy, and flagged ``unchecked`` in ``RefundReview``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction

from sync.protocol.batch import (
    Ack,
    AckStatus,
    Batch,
    BatchItem,
    acks_document,
    read_pushed,
    rejection,
)
from sync.protocol.envelope import EventType
from sync.protocol.errors import ProtocolError
from sync.protocol.events import Event
from sync.protocol.quick import CheckedSale
from sync.protocol.refusals import Refusal, refusal
from sync.server.ledger import models as m
from sync.server.ledger.bulk import (
    EventRow,
    SaleRow,
    copy_events,
    copy_rows,
    copy_sales,
    copy_supported,
    uuid_array,
)
from sync.server.terminals.chain import check_chain, named_seq, record_chain_head
from sync.server.terminals.models import Terminal

log = logging.getLogger("kaunta.hq.ledger")
_RETRIES = 3


class WrongTerminal(Exception):
    """The batch names another store or terminal than the token's."""


@dataclass
class _Rows:
    """What a batch writes: the event and sale rows as plain tuples (bulk.py), the rarer
    kinds as model instances."""

    events: list[EventRow] = field(default_factory=list)
    #: each event's JSON text as it stood in the body (None: encode the document), by row
    texts: list[bytes | None] = field(default_factory=list)
    sales: list[tuple[SaleRow, dict[str, Any]]] = field(default_factory=list)
    payments: list[m.PaymentRecord] = field(default_factory=list)
    refunds: list[m.Refund] = field(default_factory=list)
    shifts: list[m.ShiftRecord] = field(default_factory=list)
    cash: list[m.CashMovement] = field(default_factory=list)
    #: refund lines applied earlier in this batch, by original sale id (see _check_refund)
    refunded: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    reviews: list[m.RefundReview] = field(default_factory=list)


def read_batch(raw: bytes) -> tuple[Batch, list[Any]]:
    """The parsed batch and the events exactly as sent (kept as evidence)."""
    return read_pushed(raw)


def apply_batch(terminal: Terminal, raw: bytes) -> dict[str, Any]:
    """Apply one pushed batch; returns the acks document. Raises ``ProtocolError`` for a
    batch whose own envelope is wrong and :class:`WrongTerminal`; applies nothing then."""
    batch, documents = read_batch(raw)
    if (batch.store_id, batch.terminal_id) != (terminal.store.code, terminal.code):
        raise WrongTerminal(
            f"The batch is from {batch.store_id}/{batch.terminal_id}, but this token "
            f"belongs to {terminal.store.code}/{terminal.code}."
        )
    for attempt in range(1, _RETRIES + 1):
        try:
            with transaction.atomic():
                acks = _apply(terminal, batch, documents)
                check_chain(terminal, batch.chain_check, version=batch.version)
                record_chain_head(terminal, batch.chain_head)
            break
        except IntegrityError:
            if attempt == _RETRIES:
                raise
            log.info("batch raced another push; running it again", extra={"attempt": attempt})
        except OperationalError as e:
            # two batches refunding two sales in opposite orders lock the sale rows crosswise;
            # PostgreSQL ends one (deadlock, SQLSTATE 40P01), which runs again whole
            if attempt == _RETRIES or getattr(e.__cause__, "sqlstate", None) != "40P01":
                raise
            log.info("batch deadlocked with another push; running it again")
    applied = sum(a.status is AckStatus.APPLIED for a in acks)
    log.info(
        "batch applied",
        extra={
            "terminal": str(terminal),
            "events": len(acks),
            "applied": applied,
            "rejected": sum(a.status is AckStatus.REJECTED for a in acks),
        },
    )
    return acks_document(acks, chain_seq=named_seq(terminal))


def _apply(terminal: Terminal, batch: Batch, documents: list[Any]) -> list[Ack]:
    known = _known([i.event_id for i in batch.items if i.event is not None and i.event_id])
    # the events this batch applies or acknowledges, by id: an item the parser refused
    # because an earlier one has its id and other content is a conflict like one across
    # batches (kept for review and logged)
    twins = {i.event_id: i.event for i in batch.items if i.event is not None and i.event_id}
    acks: list[Ack] = []
    rows = _Rows()
    texts = getattr(documents, "texts", None)  # Documents read by orjson (batch.py)
    taken: set[str] = set()
    for item in batch.items:
        event = item.event
        if event is None:
            if item.event_id is not None and item.event_id in twins:
                _conflict_in_batch(terminal, item, twins[item.event_id], documents)
            acks.append(rejection(item))
            continue
        eid = event.event_id
        if eid in taken:
            acks.append(Ack(item.index, eid, AckStatus.DUPLICATE))
            continue
        if eid in known:
            known_hash, known_terminal = known[eid]
            if known_hash == event.content_hash and known_terminal == terminal.pk:
                acks.append(Ack(item.index, eid, AckStatus.DUPLICATE))
            else:
                acks.append(_conflict(terminal, item.index, event, known_hash, documents))
            continue
        taken.add(eid)
        if event.header.type == EventType.REFUND_COMPLETED and not event.header.training:
            refused = _check_refund(terminal, event, documents[item.index], rows)
            if refused is not None:
                acks.append(
                    Ack(
                        item.index,
                        eid,
                        AckStatus.REJECTED,
                        "lines",
                        refused.text,
                        refused.code,
                        refused.params,
                    )
                )
                continue
        text = texts[item.index] if texts is not None else None
        _project(terminal, event, documents[item.index], rows, text)
        acks.append(Ack(item.index, eid, AckStatus.APPLIED))
    _write(rows)
    return acks


def _known(event_ids: list[str]) -> dict[str, tuple[str, int]]:
    """The events of ``event_ids`` the ledger holds already: id -> (hash, terminal).

    On PostgreSQL one array parameter (``= ANY``) rather than Django's ``IN`` list, which
    bound, quoted and split 200 UUIDs one by one on every push (about 1 ms of a batch)."""
    if not event_ids:
        return {}
    if copy_supported():
        table = connection.ops.quote_name(m.LedgerEvent._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT event_id, content_hash, terminal_id FROM {table} "
                "WHERE event_id = ANY(%s::uuid[])",
                [uuid_array(event_ids)],
            )
            rows = cursor.fetchall()
    else:
        rows = list(
            m.LedgerEvent.objects.filter(
                event_id__in=[uuid.UUID(e) for e in event_ids]
            ).values_list("event_id", "content_hash", "terminal_id")
        )
    return {str(eid): (h, tid) for eid, h, tid in rows}


def _keep_conflict(
    terminal: Terminal, event_id: str, known_hash: str, received_hash: str, document: Any
) -> None:
    """Keep (once per content) and log an event id that came with other content.

    A till parks the refused event and offers it again every hour; the same content again
    is the same conflict, so it is kept once (one row per id and received hash) and logged
    as a warning the first time only."""
    _, created = m.EventConflict.objects.get_or_create(
        event_id=event_id,
        received_hash=received_hash,
        defaults={"terminal": terminal, "known_hash": known_hash, "document": document},
    )
    extra = {"terminal": str(terminal), "event_id": event_id}
    if created:
        log.warning("event sent again with other content: refused, kept for review", extra=extra)
    else:
        log.info("the same conflicting event offered again: still refused", extra=extra)


def _conflict_in_batch(
    terminal: Terminal, item: BatchItem, first: Event, documents: list[Any]
) -> None:
    """An event refused because an earlier one of its batch has its id and other content."""
    document = documents[item.index]
    received = document.get("hash") if isinstance(document, Mapping) else None
    if isinstance(received, str) and received != first.content_hash:
        _keep_conflict(terminal, first.event_id, first.content_hash, received[:71], document)


def _conflict(
    terminal: Terminal, index: int, event: Event, known_hash: str, documents: list[Any]
) -> Ack:
    _keep_conflict(terminal, event.event_id, known_hash, event.content_hash, documents[index])
    return Ack(
        index,
        event.event_id,
        AckStatus.REJECTED,
        "hash",
        "this event id was applied before with other content; head office keeps the first "
        "and has flagged this one for review",
    )


def _review(
    terminal: Terminal,
    event: Event,
    document: Any,
    status: str,
    reason: str,
    rows: _Rows,
) -> None:
    """Keep a refund for review: a rejected one at once (it is in no other table, and the
    till may offer it again: its row is updated, not doubled); an unchecked one with the
    batch's other rows, so it is rolled back with them if the batch is."""
    body = event.body.to_json()
    original = body.get("original") or {}
    fields = {
        "terminal": terminal,
        "refund_id": body["refund_id"],
        "receipt_number": body["receipt_number"],
        "original_sale_id": original.get("sale_id"),
        "original_receipt": original.get("receipt_number", ""),
        "status": status,
        "reason": reason[:500],
        "document": document,
    }
    if status == m.RefundReview.Status.REJECTED:
        m.RefundReview.objects.update_or_create(event_id=event.event_id, defaults=fields)
        log.warning(
            "refund refused: it would give back more than was sold",
            extra={"terminal": str(terminal), "event_id": event.event_id, "reason": reason},
        )
    else:
        rows.reviews.append(m.RefundReview(event_id=event.event_id, **fields))


def _check_refund(terminal: Terminal, event: Event, document: Any, rows: _Rows) -> Refusal | None:
    """Why this refund must be refused, or None to apply it.

    Refused: the original sale is another store's (a till finds and refunds its own
    store's sales only: ``GET /api/v1/sales-for-refund``), was voided or is in another
    currency; a line names no line of that sale; or a line (quantity or money) or the
    whole refund would go beyond what was sold once the earlier refunds of the sale, from
    every terminal, are counted. A return without a receipt (no ``original``) is the
    till's manager's call and is not checked here; a refund of a sale the ledger does not
    hold yet is applied and flagged.
    """
    body = event.body.to_json()
    original = body.get("original")
    if not original:
        return None
    sale_id = original["sale_id"]
    receipt = original["receipt_number"]
    sold = _sold(sale_id, rows)
    if sold is None:
        _review(
            terminal,
            event,
            document,
            m.RefundReview.Status.UNCHECKED,
            f"the original sale {receipt} is not at head office yet; applied on the "
            "till's word, to be checked when it arrives",
            rows,
        )
        return None
    earlier = _refund_bodies(sold) + rows.refunded.get(sale_id, [])
    refused = _over_refund(sold, receipt, body, earlier, terminal.store_id)
    if refused is not None:
        _review(terminal, event, document, m.RefundReview.Status.REJECTED, refused.text, rows)
        return refused
    rows.refunded.setdefault(sale_id, []).append(body)
    return None


@dataclass(frozen=True)
class _Sold:
    """What a sale gave out, for checking refunds: its lines by id as (name, quantity,
    money), its total, currency, and whether it was completed (not voided)."""

    sale_id: str
    store_id: int
    completed: bool
    currency: str
    total_minor: int
    lines: dict[str, tuple[str, int, int]]


def _sold(sale_id: str, rows: _Rows) -> _Sold | None:
    """The original sale from the ledger, its row locked until this batch commits (the
    second of two racing refunds waits here and then sees the first); or from earlier in
    this same batch; or None when head office does not have it."""
    sales = list(
        m.Sale.objects.select_for_update(of=("self",))
        .filter(sale_id=sale_id, event__training=False)
        .order_by("status")  # completed sorts before voided
    )
    if sales:
        sale = sales[0]
        return _Sold(
            sale_id,
            sale.store_id,
            sale.status == m.Sale.Status.COMPLETED,
            sale.currency,
            sale.total_minor,
            {str(ln.line_id): (ln.name, ln.quantity, ln.total_minor) for ln in sale.lines.all()},
        )
    pending = [(s, b) for s, b in rows.sales if s.sale_id == sale_id]
    if not pending:
        return None
    sale, body = min(pending, key=lambda p: p[0].status)
    return _Sold(
        sale_id,
        sale.store_id,
        sale.status == m.Sale.Status.COMPLETED,
        sale.currency,
        sale.total_minor,
        {ln["line_id"]: (ln["name"], ln["quantity"], _minor(ln["total"])) for ln in body["lines"]},
    )


def _refund_bodies(sold: _Sold) -> list[dict[str, Any]]:
    """The bodies of the refunds of the sale in the ledger, in the order they came: its
    own store's (another store's, applied unchecked, gave back nothing of it)."""
    refunds = (
        m.Refund.objects.filter(
            original_sale_id=sold.sale_id, store_id=sold.store_id, event__training=False
        )
        .select_related("event")
        .order_by("event__received_at", "event__created_at", "event__seq")
    )
    return [r.event.document["body"] for r in refunds]


def _over_refund(
    sold: _Sold,
    receipt: str,
    body: dict[str, Any],
    earlier: list[dict[str, Any]],
    store_id: int,
) -> Refusal | None:
    """Why ``body`` (from a terminal of ``store_id``) goes beyond ``sold`` once the
    ``earlier`` refunds are counted (a code and values the till words in its cashier's
    language; ``.text`` is the English)."""
    if store_id != sold.store_id:
        return refusal("hq_refund_other_store", receipt=receipt)
    if not sold.completed:
        return refusal("hq_refund_voided", receipt=receipt)
    if body["currency"] != sold.currency:
        return refusal(
            "hq_refund_currency",
            receipt=receipt,
            sale_currency=sold.currency,
            currency=body["currency"],
        )
    qty: dict[str, int] = {}
    money: dict[str, int] = {}
    total = 0
    for doc in earlier:
        total += _minor(doc["total"])
        for ln in doc["lines"]:
            key = ln.get("original_line_id")
            if key:
                qty[key] = qty.get(key, 0) + int(ln["quantity"])
                money[key] = money.get(key, 0) + _minor(ln["total"])
    for ln in body["lines"]:
        key = ln.get("original_line_id")
        if not key:
            continue
        line = sold.lines.get(key)
        if line is None:
            return refusal("hq_refund_line_unknown", item=ln["name"], receipt=receipt)
        name, quantity, line_total = line
        asked, before = int(ln["quantity"]), qty.get(key, 0)
        if before + asked > quantity:
            return refusal(
                "hq_refund_line_over",
                item=name,
                receipt=receipt,
                sold=quantity,
                refunded=before,
                asked=asked,
            )
        if money.get(key, 0) + _minor(ln["total"]) > line_total:
            return refusal("hq_refund_line_money_over", item=name, receipt=receipt)
    if total + _minor(body["total"]) > sold.total_minor:
        return refusal("hq_refund_total_over", receipt=receipt)
    return None


def _minor(money: Mapping[str, Any] | None) -> int:
    return int(money["minor"]) if money else 0


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _project(
    terminal: Terminal, event: Event, document: Any, rows: _Rows, text: bytes | None = None
) -> None:
    """The event's rows into ``rows``: its ledger event (with ``text``, the document's JSON
    as it stood in the push, when known) and what its kind projects."""
    h = event.header
    store_id = terminal.store_id
    rows.texts.append(text)  # beside its event row, always
    rows.events.append(
        EventRow(
            h.event_id,
            str(h.type),
            store_id,
            terminal.pk,
            h.seq,
            h.created_at,
            # per row, as the column's default (timezone.now) gave it: refunds sort by it;
            # read straight from the clock (settings.USE_TZ is True), not through the
            # lazy settings object on every row
            datetime.now(UTC),
            h.training,
            h.content_hash,
            document,
        )
    )
    if h.training:
        return  # kept as sent, out of the real ledger
    # a quick-checked sale is projected from its body as sent (every field read here is
    # checked and already in the form the full parser writes): no second walk of it
    body = event.body.raw if isinstance(event.body, CheckedSale) else event.body.to_json()
    t = h.type
    eid = h.event_id
    if t in (EventType.SALE_COMPLETED, EventType.SALE_VOIDED):
        totals = body["totals"]
        voided = t == EventType.SALE_VOIDED
        sale = SaleRow(
            eid,
            body["sale_id"],
            "voided" if voided else "completed",
            store_id,
            body["receipt_number"],
            _day(body["business_date"]),
            _at(body.get("closed_at")),
            body["cashier_id"],
            body["currency"],
            _minor(totals["total"]),
            _minor(totals["vat_total"]),
            _minor(body.get("rounding")),
            _minor(body.get("change")),
            (body.get("void") or {}).get("reason", "") if voided else "",
        )
        rows.sales.append((sale, body))
    elif t in (
        EventType.PAYMENT_RESOLVED,
        EventType.PAYMENT_LATE,
        EventType.PAYMENT_LATE_SETTLED,
    ):
        amount = body.get("applied") or body.get("amount") or body.get("captured")
        rows.payments.append(
            m.PaymentRecord(
                event_id=eid,
                kind=str(t),
                attempt_id=body["attempt_id"],
                sale_id=body["sale_id"],
                method=body["method"],
                state=body.get("outcome") or body.get("reason") or body.get("settlement") or "",
                amount_minor=_minor(amount),
                currency=(amount or {}).get("currency", ""),
            )
        )
    elif t == EventType.REFUND_COMPLETED:
        original = body.get("original") or {}
        rows.refunds.append(
            m.Refund(
                event_id=eid,
                refund_id=body["refund_id"],
                store_id=terminal.store_id,
                receipt_number=body["receipt_number"],
                original_sale_id=original.get("sale_id"),
                reason_code=body["reason_code"],
                currency=body["currency"],
                total_minor=_minor(body["total"]),
                vat_total_minor=_minor(body["vat_total"]),
            )
        )
    elif t in (EventType.SHIFT_OPENED, EventType.SHIFT_CLOSED):
        opened = t == EventType.SHIFT_OPENED
        cash = body.get("cash") or {}
        rows.shifts.append(
            m.ShiftRecord(
                event_id=eid,
                shift_id=body["shift_id"],
                kind="opened" if opened else "closed",
                at=_at(body["opened_at"] if opened else body["closed_at"]),
                business_date=_day(body["business_date"]),
                currency=body["currency"],
                float_minor=_minor(
                    body["opening_float"]["total"] if opened else cash.get("opening_float")
                ),
                expected_cash_minor=None if opened else _minor(cash.get("expected")),
                counted_cash_minor=None if opened else _minor(body["counted"]["total"]),
            )
        )
    elif t == EventType.CASH_MOVED:
        rows.cash.append(
            m.CashMovement(
                event_id=eid,
                movement_id=body["movement_id"],
                shift_id=body["shift_id"],
                direction=body["direction"],
                kind=body["kind"],
                amount_minor=_minor(body["amount"]),
                currency=body["amount"]["currency"],
                reason=body["reason"],
            )
        )
    # report.z: the event row is the record (read from its document)


def _write(rows: _Rows) -> None:
    if not rows.events:
        return
    if copy_supported():
        _copy(rows)
    else:
        _bulk_create(rows)
    _recheck_unchecked([s for s, _ in rows.sales])
    from sync.server.etims.tasks import queue_ledger_events  # KRA eTIMS, same transaction

    queue_ledger_events(rows.events)


def _copy(rows: _Rows) -> None:
    """PostgreSQL: every row by ``COPY`` (sync/server/ledger/bulk.py says why)."""
    copy_events(rows.events, rows.texts)
    copy_sales(rows.sales)
    copy_rows(m.PaymentRecord, rows.payments)
    copy_rows(m.Refund, rows.refunds)
    copy_rows(m.ShiftRecord, rows.shifts)
    copy_rows(m.CashMovement, rows.cash)
    m.RefundReview.objects.bulk_create(rows.reviews)  # few, and unique by event id


def _bulk_create(rows: _Rows) -> None:
    """SQLite (one machine, the demo): Django's ``bulk_create`` of model instances made
    from the rows."""
    m.LedgerEvent.objects.bulk_create([m.LedgerEvent(**e._asdict()) for e in rows.events])
    sales = m.Sale.objects.bulk_create([m.Sale(**s._asdict()) for s, _ in rows.sales])
    lines: list[m.SaleLine] = []
    vat: list[m.SaleVat] = []
    pays: list[m.SalePayment] = []
    for sale, (_, body) in zip(sales, rows.sales, strict=True):
        for ln in body["lines"]:
            vc = ln["vat_class"]
            lines.append(
                m.SaleLine(
                    sale=sale,
                    line_id=ln["line_id"],
                    sku=ln["sku"],
                    name=ln["name"],
                    quantity=ln["quantity"],
                    unit_price_minor=_minor(ln["unit_price"]),
                    total_minor=_minor(ln["total"]),
                    vat_code=vc["code"],
                    vat_rate=vc["rate"],
                    net_minor=_minor(ln["net"]),
                    vat_minor=_minor(ln["vat"]),
                )
            )
        for v in body["totals"]["vat"]:
            vat.append(
                m.SaleVat(
                    sale=sale,
                    code=v["code"],
                    rate=v["rate"],
                    exempt=v["exempt"],
                    gross_minor=_minor(v["gross"]),
                    net_minor=_minor(v["net"]),
                    vat_minor=_minor(v["vat"]),
                )
            )
        for p in body["payments"]:
            pays.append(
                m.SalePayment(
                    sale=sale,
                    payment_id=p["payment_id"],
                    method=p["method"],
                    amount_minor=_minor(p["amount"]),
                    tendered_minor=_minor(p["tendered"]),
                    change_minor=_minor(p["change"]),
                    reference=p.get("reference") or "",
                )
            )
    m.SaleLine.objects.bulk_create(lines)
    m.SaleVat.objects.bulk_create(vat)
    m.SalePayment.objects.bulk_create(pays)
    m.PaymentRecord.objects.bulk_create(rows.payments)
    m.Refund.objects.bulk_create(rows.refunds)
    m.ShiftRecord.objects.bulk_create(rows.shifts)
    m.CashMovement.objects.bulk_create(rows.cash)
    m.RefundReview.objects.bulk_create(rows.reviews)


def _unchecked_of(sale_ids: list[str]) -> list[tuple[Any, Any]]:
    """(original sale id, event id) of the refunds applied unchecked that name one of
    ``sale_ids``: nearly always none, asked once a batch.

    On PostgreSQL one ``uuid[]`` parameter (``= ANY``), as :func:`_known` does: Django's
    ``IN`` list bound and quoted 200 UUIDs one by one, and the ORM compiled the query, on
    every push (about 10 µs of an event's 190 µs of application CPU, measured in one
    process)."""
    if not sale_ids:
        return []
    if copy_supported():
        table = connection.ops.quote_name(m.RefundReview._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT original_sale_id, event_id FROM {table} "
                "WHERE status = %s AND original_sale_id = ANY(%s::uuid[])",
                [str(m.RefundReview.Status.UNCHECKED), uuid_array(sale_ids)],
            )
            return list(cursor.fetchall())
    return list(
        m.RefundReview.objects.filter(
            status=m.RefundReview.Status.UNCHECKED, original_sale_id__in=sale_ids
        ).values_list("original_sale_id", "event_id")
    )


def _recheck_unchecked(sales: list[SaleRow]) -> None:
    """A sale has arrived after refunds of it were applied unchecked: check them now, in
    the order they came. Each becomes ``checked`` (within what was sold) or ``over`` (it
    went beyond: the money is already out, so it stays applied and a person follows it up,
    with the reason). Runs in the batch's transaction, after every row of it is written."""
    by_id = {str(s.sale_id): s for s in sales if s.status == m.Sale.Status.COMPLETED}
    waiting: dict[str, set[str]] = {}
    for sale_id, event_id in _unchecked_of(list(by_id)):
        waiting.setdefault(str(sale_id), set()).add(str(event_id))
    for sale_id, event_ids in waiting.items():
        sold = _sold(sale_id, _Rows())
        if sold is None:
            continue
        refunds = (
            m.Refund.objects.filter(original_sale_id=sale_id, event__training=False)
            .select_related("event")
            .order_by("event__received_at", "event__created_at", "event__seq")
        )
        earlier: list[dict[str, Any]] = []
        for r in refunds:
            body = r.event.document["body"]
            receipt = (body.get("original") or {}).get("receipt_number", "")
            over = _over_refund(sold, receipt, body, earlier, r.store_id)
            reason = over.text if over is not None else ""
            if over is None or over.code != "hq_refund_other_store":
                earlier.append(body)  # another store's refund gives back nothing of this sale
            eid = str(r.event_id)
            if eid not in event_ids:
                continue
            m.RefundReview.objects.filter(event_id=eid).update(
                status=m.RefundReview.Status.OVER if reason else m.RefundReview.Status.CHECKED,
                reason=(
                    f"checked when the sale arrived: {reason}"
                    if reason
                    else "checked when the sale arrived: within what was sold"
                )[:500],
            )


__all__ = ["ProtocolError", "WrongTerminal", "apply_batch"]
