"""Refund receipts on the receipt printer: the customer's credit note, and its copy.

:func:`refund_document` lays a :class:`pos.domain.refund.RefundReceipt` out for the ESC/POS
encoder, its labels in the ``[receipt] language`` as the sale receipt's, with the content
and order of the on-screen text (:func:`pos.domain.refund.render_refund_text`) plus what
only paper has: REFUND (or RETURN, for goods back without a receipt) large, the original
receipt's number as a barcode (the sale it undoes can be scanned from the credit note),
and the refund's own barcode.

:func:`print_refund` and :func:`reprint_refund` send it through the printer's own worker
(:class:`pos.services.devices.TillDevices`): they return at once, and a printer without
paper queues the job as it queues sale receipts. The drawer opens when cash is handed
over; a copy never opens it. The reprint's audit entry is written by
:meth:`pos.services.refunds.RefundService.receipt` (``reprint=True``), which also marks the
receipt COPY.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING

from drivers.escpos.device import PrintJob, PrintOutcome
from drivers.escpos.document import Align, Barcode, Block, Logo, Pair, PrintDocument, Rule, Text
from drivers.escpos.encoder import encode
from pos.domain.receipt import (
    R_CASHIER,
    R_COPY,
    R_DATE,
    R_PIN,
    R_REASON,
    R_REF,
    R_TEL,
    R_VAT,
    R_VAT_HEAD,
    Say,
    training_mark,
)

# the refund document's own labels: one set, shared with the on-screen text
from pos.domain.refund import (
    RF_APPROVED_BY,
    RF_BY_HAND,
    RF_FOR_RECEIPT,
    RF_GIVEN_BACK,
    RF_NO_RECEIPT,
    RF_ORIGINAL,
    RF_REFUND,
    RF_REFUND_ID,
    RF_REFUND_TITLE,
    RF_RETURN_TITLE,
    RF_TOTAL,
    RefundReceipt,
    TenderHow,
)

if TYPE_CHECKING:
    from pos.services.devices import ReceiptPrinting, TillDevices

__all__ = ["print_refund", "refund_document", "reprint_refund"]


def refund_document(
    receipt: RefundReceipt,
    columns: int,
    *,
    logo_key: int | None = None,
    kick_drawer: bool = False,
    say: Say | None = None,
) -> PrintDocument:
    """The printer's layout of a refund for paper of ``columns`` characters. ``say``: how
    the labels are said (the ``[receipt] language``: English, Kiswahili or both, as the
    sale receipt on paper); English, with the ISO date, without it."""
    said: Say = say or str
    b: list[Block] = []
    if receipt.training:
        b.append(Text(training_mark(columns, say), Align.CENTER, bold=True))
    if logo_key is not None:
        b.append(Logo(logo_key))
    s = receipt.store
    b.append(Text(s.name.upper(), Align.CENTER, bold=True, size=2))
    b.extend(Text(a, Align.CENTER) for a in s.address)
    if s.phone:
        b.append(Text(said(R_TEL(phone=s.phone)), Align.CENTER))
    if s.tax_pin:
        b.append(Text(said(R_PIN(pin=s.tax_pin)), Align.CENTER))
    b.append(Rule())
    title = RF_RETURN_TITLE if receipt.is_return else RF_REFUND_TITLE
    b.append(Text(said(title()), Align.CENTER, bold=True, size=2))
    b.append(Pair(said(RF_REFUND()), receipt.number))
    if receipt.is_return:
        b.append(Text(said(RF_NO_RECEIPT())))
    else:
        b.append(Pair(said(RF_FOR_RECEIPT()), receipt.original_number))
    issued = receipt.issued_at.strftime("%Y-%m-%d %H:%M" if say is None else "%d/%m/%Y %H:%M")
    b.append(Pair(said(R_DATE()), issued))
    b.append(Pair(said(R_CASHIER()), receipt.cashier))
    if receipt.approved_by:
        b.append(Pair(said(RF_APPROVED_BY()), receipt.approved_by))
    if receipt.reprint:
        b.append(Text(said(R_COPY()), Align.CENTER, bold=True))
    if receipt.reason:
        b.append(Text(said(R_REASON(reason=receipt.reason))))
    b.append(Rule())
    for line in receipt.lines:
        b.append(Text(line.name))
        qty = f"  {line.quantity} x {line.unit_price.amount_text()}"
        b.append(Pair(qty, f"-{line.total.amount_text()} {line.vat_code}"))
    b.append(Rule())
    total = said(RF_TOTAL(currency=receipt.total.currency))
    b.append(Pair(total, f"-{receipt.total.amount_text()}", bold=True, size=2))
    for t in receipt.tenders:
        by_hand = t.how is TenderHow.BY_HAND
        label = said(RF_BY_HAND(label=t.label)) if by_hand else t.label
        b.append(Pair(label, f"-{t.amount.amount_text()}"))
        if t.foreign:
            b.append(Text("  " + said(RF_GIVEN_BACK(amount=t.foreign))))
        if t.reference:
            b.append(Text(f"  {said(R_REF())} {t.reference}"))
    b.append(Rule())
    b.append(Pair(said(R_VAT()), said(R_VAT_HEAD())))
    for v in receipt.vat:
        b.append(
            Pair(
                f"{v.tax_class.code} {v.tax_class.rate_text}",
                f"{v.net.amount_text():>9} {v.vat.amount_text():>8} {v.gross.amount_text():>9}",
            )
        )
    b.append(Rule())
    if not receipt.is_return:
        b.append(Text(said(RF_ORIGINAL()), Align.CENTER))
        b.append(Barcode(receipt.original_number))
    b.append(Text(said(RF_REFUND_ID(refund_id=receipt.refund_id)), Align.CENTER))
    b.append(Barcode(receipt.number))
    if receipt.training:
        b.append(Text(training_mark(columns, say), Align.CENTER, bold=True))
    return PrintDocument(tuple(b), kick_drawer=kick_drawer)


def _send(printing: ReceiptPrinting, receipt: RefundReceipt, job: str) -> Future[PrintOutcome]:
    say = printing.say() if printing.say is not None else None  # asked per job, as sales
    doc = refund_document(receipt, printing.profile.columns, logo_key=printing.logo_key, say=say)
    return printing.printer.print(PrintJob(job, encode(doc, printing.profile)))


def print_refund(
    devices: TillDevices | None, receipt: RefundReceipt, *, cash_out: bool
) -> Future[PrintOutcome] | None:
    """After a completed refund: print its receipt, and open the drawer (its own job, so
    it opens even when the receipt waits for paper) when cash is handed over. None when
    this till has no printer."""
    if devices is None or devices.printing is None:
        return None
    done = _send(devices.printing, receipt, receipt.number)
    if cash_out and devices.drawer:
        devices.printing.printer.kick_drawer()
    return done


def reprint_refund(
    devices: TillDevices | None, receipt: RefundReceipt
) -> Future[PrintOutcome] | None:
    """A refund's receipt again, marked COPY (the caller got it from
    ``RefundService.receipt(..., reprint=True)``, which audited it); never opens the
    drawer. None when this till has no printer."""
    if devices is None or devices.printing is None:
        return None
    return _send(devices.printing, replace(receipt, reprint=True), f"{receipt.number}-copy")
