"""Refund receipts on the receipt printer: the customer's credit note, and its copy.

:func:`refund_document` lays a :class:`pos.domain.refund.RefundReceipt` out for the ESC/POS
encoder, its labels in the ``[receipt] language`` as the sale receipt's, with the content
and order of the on-screen text (:func:`pos.domain.refund.render_refund_text`) plus what
only paper has: REFUND (or RETURN, for goods back without a receipt) large, the original
receipt's number as a barcode (the sale it undoes can be scanned from the credit note),
and the refund's own barcode.

A refund is a credit note to KRA (``pos.etims_link`` submits it, receipt type R): its
receipt carries KRA's block as a sale's does (:func:`pos.services.devices.kra_blocks`):
once KRA signed it, the title CREDIT NOTE, the original CU invoice number, SCU ID, CU
invoice number, counters, internal data and signature in groups of four and the
verification QR code; before, the provisional mark "not yet a tax invoice" (the signed
block comes with a reprint). :func:`refund_text` is the same on screen.

:func:`print_refund` and :func:`reprint_refund` send it through the printer's own worker
(:class:`pos.services.devices.TillDevices`): they return at once, and a printer without
paper queues the job as it queues sale receipts. The drawer opens when cash is handed
over; a copy never opens it. Given the eTIMS service, :func:`print_refund` waits for
KRA's signature as a sale's receipt does (up to :data:`pos.services.etims.PRINT_GRACE_S`,
less when KRA is found away), then prints signed or provisional; the drawer does not wait.
The reprint's audit entry is written by
:meth:`pos.services.refunds.RefundService.receipt` (``reprint=True``), which also marks the
receipt COPY.
"""

from __future__ import annotations

import logging
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
    render_refund_text,
)
from pos.services.devices import kra_blocks
from pos.services.etims import PRINT_GRACE_S, EtimsService, KraBlock

if TYPE_CHECKING:
    from pos.services.devices import ReceiptPrinting, TillDevices

__all__ = ["print_refund", "refund_document", "refund_text", "reprint_refund"]

log = logging.getLogger(__name__)


def refund_text(
    receipt: RefundReceipt, kra: KraBlock | None = None, say: Say | None = None
) -> list[str]:
    """The refund's receipt on screen: :func:`pos.domain.refund.render_refund_text` and,
    with eTIMS, KRA's block under it (CREDIT NOTE and the original CU invoice number once
    signed, the provisional mark before), as the sale's on-screen receipt shows it."""
    lines = render_refund_text(receipt, say=say)
    return [*lines, *(kra.text_lines(say=say) if kra is not None else [])]


def refund_document(
    receipt: RefundReceipt,
    columns: int,
    *,
    logo_key: int | None = None,
    kick_drawer: bool = False,
    say: Say | None = None,
    kra: KraBlock | None = None,
) -> PrintDocument:
    """The printer's layout of a refund for paper of ``columns`` characters. ``say``: how
    the labels are said (the ``[receipt] language``: English, Kiswahili or both, as the
    sale receipt on paper); English, with the ISO date, without it. ``kra``: the credit
    note's KRA block (signed or provisional), printed after the VAT table as on a sale's
    receipt; None when eTIMS is off."""
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
    if kra is not None:
        b.extend(kra_blocks(kra, say))
    if not receipt.is_return:
        b.append(Text(said(RF_ORIGINAL()), Align.CENTER))
        b.append(Barcode(receipt.original_number))
    b.append(Text(said(RF_REFUND_ID(refund_id=receipt.refund_id)), Align.CENTER))
    b.append(Barcode(receipt.number))
    if receipt.training:
        b.append(Text(training_mark(columns, say), Align.CENTER, bold=True))
    return PrintDocument(tuple(b), kick_drawer=kick_drawer)


def _send(
    printing: ReceiptPrinting, receipt: RefundReceipt, job: str, kra: KraBlock | None = None
) -> Future[PrintOutcome]:
    say = printing.say() if printing.say is not None else None  # asked per job, as sales
    doc = refund_document(
        receipt, printing.profile.columns, logo_key=printing.logo_key, say=say, kra=kra
    )
    return printing.printer.print(PrintJob(job, encode(doc, printing.profile)))


def _chain(source: Future[PrintOutcome], target: Future[PrintOutcome]) -> None:
    def copy(done: Future[PrintOutcome]) -> None:
        error = done.exception()
        if error is not None:
            target.set_exception(error)
        else:
            target.set_result(done.result())

    source.add_done_callback(copy)


def print_refund(
    devices: TillDevices | None,
    receipt: RefundReceipt,
    *,
    cash_out: bool,
    etims: EtimsService | None = None,
) -> Future[PrintOutcome] | None:
    """After a completed refund: print its receipt, and open the drawer (its own job, so
    it opens even when the receipt waits for paper, and at once: the cash is handed over
    whatever KRA says) when cash is handed over. None when this till has no printer.

    ``etims``: the receipt waits for KRA's signature of the credit note, as a sale's does
    (at most :data:`PRINT_GRACE_S`; answered provisional as soon as KRA is found away),
    and prints with the block it got (none for a refund settled without a credit note,
    and none waited for on a return without a receipt); the returned future is the
    print's. Never blocks: the wait runs on the eTIMS worker's (or a timer's) thread."""
    if devices is None or devices.printing is None:
        return None
    printing = devices.printing
    done: Future[PrintOutcome]
    if etims is None or receipt.is_return:  # a return without a receipt: no KRA block
        done = _send(printing, receipt, receipt.number)
    else:
        done = Future()

        def signed_or_not(kra: KraBlock | None) -> None:
            try:
                _chain(_send(printing, receipt, receipt.number, kra), done)
            except Exception as error:  # encoding: the caller's future says so
                log.exception("refund receipt %s not printed", receipt.number)
                done.set_exception(error)

        etims.when_signed(receipt.refund_id, PRINT_GRACE_S, signed_or_not)
    if cash_out and devices.drawer:
        printing.printer.kick_drawer()
    return done


def reprint_refund(
    devices: TillDevices | None, receipt: RefundReceipt, kra: KraBlock | None = None
) -> Future[PrintOutcome] | None:
    """A refund's receipt again, marked COPY (the caller got it from
    ``RefundService.receipt(..., reprint=True)``, which audited it); never opens the
    drawer. ``kra``: its block as it is now (``EtimsService.block_for(refund_id,
    copy=True)``: signed once KRA signed, marked COPY). None when this till has no
    printer."""
    if devices is None or devices.printing is None:
        return None
    copy = replace(receipt, reprint=True)
    return _send(devices.printing, copy, f"{receipt.number}-copy", kra)
