"""Devices for the till: the receipt as the printer prints it, and printing it.

:func:`receipt_document` lays a :class:`pos.domain.receipt.Receipt` out for the ESC/POS
encoder, with the same content and order as the on-screen receipt
(:func:`pos.domain.receipt.render_text`) plus what only paper has: the stored logo, bold and
double-size total, a QR code and a barcode of the receipt number (so a refund can scan it).
Text that does not fit is wrapped by the encoder, never cut.

:class:`ReceiptPrinting` is what the UI calls (through the runner): print after a sale,
reprint marked COPY, open the drawer. The printer's own worker does the I/O; a receipt that
cannot print now is queued there and prints when the printer is ready.

Not finished: the wiring in ``pos/app.py`` (config ``[devices]``), the UI (print button,
status indicator, device settings screen, training panel) -- see docs/devices.md.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import replace

from drivers.escpos.device import PrintJob, PrintOutcome, ReceiptPrinter
from drivers.escpos.document import (
    Align,
    Barcode,
    Block,
    Logo,
    Pair,
    PrintDocument,
    QrCode,
    Rule,
    Text,
)
from drivers.escpos.encoder import encode
from drivers.escpos.profiles import PrinterProfile
from pos.domain.money import Money
from pos.domain.receipt import (
    LABEL_DETAIL,
    REFERENCE_LABEL_DETAIL,
    ROUNDING_DETAIL,
    Receipt,
    training_mark,
)
from pos.domain.sale import SaleStatus
from pos.domain.text import counted


def _label(method: str, info: dict[str, str]) -> str:
    return info.get(LABEL_DETAIL) or method.replace("_", " ").title()


def receipt_document(
    receipt: Receipt,
    columns: int,
    *,
    logo_key: int | None = None,
    qr_text: str | None = None,
    kick_drawer: bool = False,
) -> PrintDocument:
    """The printer's layout of ``receipt`` for paper of ``columns`` characters."""
    b: list[Block] = []
    if receipt.training:
        b.append(Text(training_mark(columns), Align.CENTER, bold=True))
    if logo_key is not None:
        b.append(Logo(logo_key))
    s = receipt.store
    b.append(Text(s.name.upper(), Align.CENTER, bold=True, size=2))
    b.extend(Text(a, Align.CENTER) for a in s.address)
    if s.phone:
        b.append(Text(f"Tel {s.phone}", Align.CENTER))
    if s.tax_pin:
        b.append(Text(f"PIN {s.tax_pin}", Align.CENTER))
    b += [
        Rule(),
        Pair("Receipt", receipt.number),
        Pair("Date", receipt.issued_at.strftime("%Y-%m-%d %H:%M")),
        Pair("Cashier", receipt.cashier),
    ]
    if receipt.reprint:
        b.append(Text("*** COPY - REPRINT ***", Align.CENTER, bold=True))
    if receipt.status is SaleStatus.VOIDED:
        b.append(Text("*** VOIDED ***", Align.CENTER, bold=True))
        b.append(Text(f"Reason: {receipt.void_reason}"))
    b.append(Rule())
    for line in receipt.lines:
        b.append(Text(line.name))
        qty = f"  {line.quantity} x {line.unit_price.amount_text()}"
        if line.price_overridden:
            qty += " (price changed)"
        b.append(Pair(qty, f"{line.gross.amount_text()} {line.vat_code}"))
        if line.discount:
            b.append(Pair("  Discount", f"-{line.discount.amount_text()}  "))
    b += [
        Rule(),
        Pair(f"Subtotal ({counted(receipt.item_count, 'item')})", receipt.subtotal.amount_text()),
    ]
    if receipt.discounts:
        b.append(Pair("Discounts", f"-{receipt.discounts.amount_text()}"))
    b.append(
        Pair(f"TOTAL {receipt.total.currency}", receipt.total.amount_text(), bold=True, size=2)
    )
    b.extend(_tenders(receipt))
    b.append(Rule())
    b.append(Pair("VAT", "Net      VAT    Gross"))
    for v in receipt.vat:
        b.append(
            Pair(
                f"{v.tax_class.code} {v.tax_class.rate_text}",
                f"{v.net.amount_text():>9} {v.vat.amount_text():>8} {v.gross.amount_text():>9}",
            )
        )
    b.append(Rule())
    b.extend(Text(f, Align.CENTER) for f in s.footer)
    b.append(Text(f"Sale {receipt.sale_id}", Align.CENTER))
    if qr_text:
        b.append(QrCode(qr_text))
    b.append(Barcode(receipt.number))
    if receipt.training:
        b.append(Text(training_mark(columns), Align.CENTER, bold=True))
    return PrintDocument(tuple(b), kick_drawer=kick_drawer)


def _tenders(receipt: Receipt) -> list[Block]:
    out: list[Block] = []
    currency = receipt.total.currency
    if receipt.rounding:
        cash_rounding = receipt.rounding
        for p in receipt.payments:
            info = dict(p.details)
            own = Money(int(info.get(ROUNDING_DETAIL, "0") or 0), currency)
            if own:
                out.append(Pair(f"{_label(p.method, info)} rounding", own.amount_text()))
                cash_rounding = cash_rounding - own
        if cash_rounding:
            out.append(Pair("Cash rounding", cash_rounding.amount_text()))
        out.append(Pair("TO PAY", (receipt.total + receipt.rounding).amount_text(), bold=True))
    for p in receipt.payments:
        info = dict(p.details)
        out.append(Pair(_label(p.method, info), p.tendered.amount_text()))
        if p.reference:
            out.append(Text(f"  {info.get(REFERENCE_LABEL_DETAIL) or 'Ref'} {p.reference}"))
        if "foreign" in info:
            out.append(Text(f"  Paid {info['foreign']} at {info.get('rate', '?')}"))
        if "payer" in info:
            out.append(Text(f"  Payer {info['payer']}"))
        if "card" in info:
            out.append(Text(f"  Card {info['card']}"))
        if "terminal_id" in info:
            out.append(Text(f"  Terminal {info['terminal_id']}"))
    if receipt.payments:
        out.append(Pair("Change", receipt.change.amount_text(), bold=True))
    return out


def paid_in_cash(receipt: Receipt) -> bool:
    """Whether the drawer should open: a cash tender or change given."""
    return bool(receipt.change) or any(p.method == "cash" for p in receipt.payments)


class ReceiptPrinting:
    """Print, reprint and open the drawer through one :class:`ReceiptPrinter`."""

    def __init__(
        self,
        printer: ReceiptPrinter,
        profile: PrinterProfile,
        *,
        logo_key: int | None = None,
        qr_template: str | None = None,
    ) -> None:
        self.printer = printer
        self.profile = profile
        self.logo_key = logo_key
        self.qr_template = qr_template

    def encode(self, receipt: Receipt, *, kick_drawer: bool = False) -> bytes:
        qr = self.qr_template.format(number=receipt.number) if self.qr_template else None
        doc = receipt_document(
            receipt,
            self.profile.columns,
            logo_key=self.logo_key,
            qr_text=qr,
            kick_drawer=kick_drawer,
        )
        return encode(doc, self.profile)

    def print_sale(self, receipt: Receipt) -> Future[PrintOutcome]:
        """After a completed sale. When cash was taken the drawer opens as its own job, so
        it opens even when the receipt has to wait for paper."""
        data = self.encode(receipt)
        done = self.printer.print(PrintJob(receipt.number, data))
        if paid_in_cash(receipt):
            self.printer.kick_drawer()
        return done

    def reprint(self, receipt: Receipt) -> Future[PrintOutcome]:
        """Any earlier receipt again, marked COPY; never opens the drawer."""
        data = self.encode(replace(receipt, reprint=True))
        return self.printer.print(PrintJob(f"{receipt.number}-copy", data))

    def open_drawer(self) -> Future[None]:
        """ "No sale": the caller checks the permission and writes the audit entry."""
        return self.printer.kick_drawer()
