"""Devices for the till: the receipt as the printer prints it, and printing it.

:func:`receipt_document` lays a :class:`pos.domain.receipt.Receipt` out for the ESC/POS
encoder, with the same content and order as the on-screen receipt
(:func:`pos.domain.receipt.render_text`) plus what only paper has: the stored logo, bold and
double-size total, a QR code and a barcode of the receipt number (so a refund can scan it).
Text that does not fit is wrapped by the encoder, never cut.

:class:`ReceiptPrinting` is what the UI calls (through the runner): print after a sale,
reprint marked COPY, open the drawer. The printer's own worker does the I/O; a receipt that
cannot print now is queued there and prints when the printer is ready.


:class:`TillDevices` is every device of the till as the screens see it: print after a
completed sale (the drawer opens after a cash tender), reprint, "no sale" (permission and
audit through the shift service, then the drawer), the pole display following the basket,
serial scans handed to the same scan path as keyboard-wedge scans, and every device's
status and messages to listeners (the Qt side re-emits them as signals on the GUI
thread). Built by ``pos.device_link`` from ``[devices]``; every call returns at once, the
I/O runs on each device's own worker.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import replace
from typing import TYPE_CHECKING, Protocol

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
from drivers.worker import DeviceState, DeviceStatus
from pos.domain.messages import Message, text
from pos.domain.money import Money
from pos.domain.receipt import (
    LABEL_DETAIL,
    R_BUYER_NAME,
    R_BUYER_PIN,
    R_CARD,
    R_CARD_TERMINAL,
    R_CASH_ROUNDING,
    R_CASHIER,
    R_CHANGE,
    R_COPY,
    R_DATE,
    R_DISCOUNT,
    R_DISCOUNTS,
    R_FOREIGN,
    R_PAYER,
    R_PIN,
    R_PRICE_CHANGED,
    R_REASON,
    R_RECEIPT,
    R_REF,
    R_ROUNDING,
    R_SALE,
    R_SUBTOTAL,
    R_TEL,
    R_TO_PAY,
    R_TOTAL,
    R_VAT,
    R_VAT_HEAD,
    R_VOIDED,
    REFERENCE_LABEL_DETAIL,
    ROUNDING_DETAIL,
    Receipt,
    Say,
    training_mark,
)
from pos.domain.sale import SaleStatus
from pos.services.etims import (
    BANDS_HEADING,
    LATER_PAGE,
    OWN_LABELS,
    PROVISIONAL_MARK,
    TRAINING_SIGNED,
    KraBlock,
)

if TYPE_CHECKING:
    from drivers.display.driver import PoleDisplay
    from drivers.scanner.driver import SerialScanner
    from pos.services.checkout import SaleView
    from pos.services.device_admin import DeviceAdmin
    from pos.services.device_training import TrainingDevices
    from pos.services.shifts import ShiftService

__all__ = [
    "DeviceEvents",
    "DeviceListener",
    "DeviceState",
    "DeviceStatus",
    "PrintOutcome",
    "ReceiptPrinting",
    "TillDevices",
    "paid_in_cash",
    "receipt_document",
]

log = logging.getLogger(__name__)


def _label(method: str, info: dict[str, str]) -> str:
    return info.get(LABEL_DETAIL) or method.replace("_", " ").title()


def receipt_document(
    receipt: Receipt,
    columns: int,
    *,
    logo_key: int | None = None,
    qr_text: str | None = None,
    kick_drawer: bool = False,
    kra: KraBlock | None = None,
    say: Say | None = None,
) -> PrintDocument:
    """The printer's layout of ``receipt`` for paper of ``columns`` characters; ``kra``:
    the KRA eTIMS block (signed, with the QR code of KRA's verification page, or the
    provisional "not yet a tax invoice" mark), printed under the VAT table. ``say``: how
    the labels are said (the ``[receipt] language``, as on screen); English without it."""
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
    # as on screen: English alone keeps the ISO date, Kiswahili (or both) dd/mm/yyyy
    issued = receipt.issued_at.strftime("%Y-%m-%d %H:%M" if say is None else "%d/%m/%Y %H:%M")
    b += [
        Rule(),
        Pair(said(R_RECEIPT()), receipt.number),
        Pair(said(R_DATE()), issued),
        Pair(said(R_CASHIER()), receipt.cashier),
    ]
    if receipt.buyer_pin:  # the business's KRA PIN, for its input VAT (as on screen)
        b.append(Pair(said(R_BUYER_PIN()), receipt.buyer_pin))
        if receipt.buyer_name:
            b.append(Pair(said(R_BUYER_NAME()), receipt.buyer_name))
    if receipt.reprint:
        b.append(Text(said(R_COPY()), Align.CENTER, bold=True))
    if receipt.status is SaleStatus.VOIDED:
        b.append(Text(said(R_VOIDED()), Align.CENTER, bold=True))
        b.append(Text(said(R_REASON(reason=receipt.void_reason))))
    b.append(Rule())
    for line in receipt.lines:
        b.append(Text(line.name))
        qty = f"  {line.quantity} x {line.unit_price.amount_text()}"
        if line.price_overridden:
            qty += " " + said(R_PRICE_CHANGED())
        b.append(Pair(qty, f"{line.gross.amount_text()} {line.vat_code}"))
        if line.discount:
            b.append(Pair("  " + said(R_DISCOUNT()), f"-{line.discount.amount_text()}  "))
    b += [
        Rule(),
        Pair(said(R_SUBTOTAL(count=receipt.item_count)), receipt.subtotal.amount_text()),
    ]
    if receipt.discounts:
        b.append(Pair(said(R_DISCOUNTS()), f"-{receipt.discounts.amount_text()}"))
    total = said(R_TOTAL(currency=receipt.total.currency))
    b.append(Pair(total, receipt.total.amount_text(), bold=True, size=2))
    b.extend(_tenders(receipt, said))
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
    b.extend(Text(f, Align.CENTER) for f in s.footer)
    b.append(Text(said(R_SALE(sale_id=receipt.sale_id)), Align.CENTER))
    if qr_text:
        b.append(QrCode(qr_text))
    b.append(Barcode(receipt.number))
    if receipt.training:
        b.append(Text(training_mark(columns, say), Align.CENTER, bold=True))
    return PrintDocument(tuple(b), kick_drawer=kick_drawer)


#: printed under the provisional mark (the signed block comes with a reprint)
KRA_REPRINT_LATER = text("Ask for the signed invoice later (reprint)")


def kra_blocks(kra: KraBlock, say: Say | None = None) -> list[Block]:
    """The KRA block on paper: KRA's title, its rows (date and time from
    ``sdcDateTime``, SCU ID, CU invoice number, receipt counter, internal data and
    signature in groups of four), KRA's tax table under "KRA tax bands" when the block
    has it (one row per band A-E as submitted: taxable, tax; then the total) and the
    verification QR code; or, before KRA signed, the provisional mark in bold and, when
    the block carries the URL of head office's
    customer page (an enrolled store: ``/r/<token>``, computable offline), that URL's QR
    code under "Scan later for the signed invoice", so the customer can fetch the signed
    invoice once KRA signed it; without a URL (a standalone till) the hint to ask for a
    reprint.

    ``say``: the receipt's language, as on screen (:meth:`KraBlock.text_lines`): the
    rows Kaunta names itself (date, time, receipt counter), the tax table's heading,
    column heads and total, the reprint hint and the training line are translated; KRA's
    own terms (the title, "SCU INFORMATION", "SCU ID", "CU Invoice No.", "Internal
    Data", "Receipt Signature", the band labels) and the provisional mark stay as KRA
    prints them."""

    def own(label: str) -> str:
        return say(Message.plain(label)) if say is not None else label

    if not kra.signed:
        if not kra.qr_url:
            return [
                Text(PROVISIONAL_MARK, Align.CENTER, bold=True),
                Text(own(KRA_REPRINT_LATER), Align.CENTER),
                Rule(),
            ]
        return [
            Text(PROVISIONAL_MARK, Align.CENTER, bold=True),
            Text(own(LATER_PAGE), Align.CENTER),
            QrCode(kra.qr_url, module=4),
            Rule(),
        ]
    out: list[Block] = [Text(kra.title, Align.CENTER, bold=True), Text("SCU INFORMATION")]
    out.extend(
        Pair(own(label) if label in OWN_LABELS else label, value) for label, value in kra.rows
    )
    if kra.bands:  # KRA's tax table, as submitted (the item lines keep Kaunta's codes)
        out.append(Text(own(BANDS_HEADING)))
        out.extend(Pair(left, right) for left, right in kra.band_pairs(say))
    if kra.qr_url:
        out.append(QrCode(kra.qr_url, module=4))
    if kra.training:
        out.append(Text(own(TRAINING_SIGNED), Align.CENTER, bold=True))
    out.append(Rule())
    return out


def _tenders(receipt: Receipt, said: Say) -> list[Block]:
    out: list[Block] = []
    currency = receipt.total.currency
    if receipt.rounding:
        cash_rounding = receipt.rounding
        for p in receipt.payments:
            info = dict(p.details)
            own = Money(int(info.get(ROUNDING_DETAIL, "0") or 0), currency)
            if own:
                rounding = said(R_ROUNDING(method=_label(p.method, info)))
                out.append(Pair(rounding, own.amount_text()))
                cash_rounding = cash_rounding - own
        if cash_rounding:
            out.append(Pair(said(R_CASH_ROUNDING()), cash_rounding.amount_text()))
        to_pay = (receipt.total + receipt.rounding).amount_text()
        out.append(Pair(said(R_TO_PAY()), to_pay, bold=True))
    for p in receipt.payments:
        info = dict(p.details)
        out.append(Pair(_label(p.method, info), p.tendered.amount_text()))
        if p.reference:
            ref_label = info.get(REFERENCE_LABEL_DETAIL) or said(R_REF())
            out.append(Text(f"  {ref_label} {p.reference}"))
        if "foreign" in info:
            paid = R_FOREIGN(amount=info["foreign"], rate=info.get("rate", "?"))
            out.append(Text("  " + said(paid)))
        if "payer" in info:
            out.append(Text("  " + said(R_PAYER(payer=info["payer"]))))
        if "card" in info:
            out.append(Text("  " + said(R_CARD(card=info["card"]))))
        if "terminal_id" in info:
            out.append(Text("  " + said(R_CARD_TERMINAL(terminal_id=info["terminal_id"]))))
    if receipt.payments:
        out.append(Pair(said(R_CHANGE()), receipt.change.amount_text(), bold=True))
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
        say: Callable[[], Say | None] | None = None,
    ) -> None:
        self.printer = printer
        self.profile = profile
        self.logo_key = logo_key
        self.qr_template = qr_template
        #: asked at each job, so a change of ``[receipt] language`` prints at once
        self.say = say

    def encode(
        self, receipt: Receipt, *, kick_drawer: bool = False, kra: KraBlock | None = None
    ) -> bytes:
        qr = self.qr_template.format(number=receipt.number) if self.qr_template else None
        doc = receipt_document(
            receipt,
            self.profile.columns,
            logo_key=self.logo_key,
            qr_text=qr,
            kick_drawer=kick_drawer,
            kra=kra,
            say=self.say() if self.say is not None else None,
        )
        return encode(doc, self.profile)

    def print_sale(self, receipt: Receipt, kra: KraBlock | None = None) -> Future[PrintOutcome]:
        """After a completed sale. When cash was taken the drawer opens as its own job, so
        it opens even when the receipt has to wait for paper."""
        data = self.encode(receipt, kra=kra)
        done = self.printer.print(PrintJob(receipt.number, data))
        if paid_in_cash(receipt):
            self.printer.kick_drawer()
        return done

    def reprint(self, receipt: Receipt, kra: KraBlock | None = None) -> Future[PrintOutcome]:
        """Any earlier receipt again, marked COPY; never opens the drawer. ``kra``: its
        KRA block as it is now (signed by then, usually)."""
        data = self.encode(replace(receipt, reprint=True), kra=kra)
        return self.printer.print(PrintJob(f"{receipt.number}-copy", data))

    def open_drawer(self) -> Future[None]:
        """ "No sale": the caller checks the permission and writes the audit entry."""
        return self.printer.kick_drawer()


class DeviceListener(Protocol):
    """What the screens hear from the devices (called on a device thread)."""

    def status(self, status: DeviceStatus) -> None:
        """A device's state changed."""

    def message(self, device: str, code: str, text: str) -> None:
        """Tell the cashier (``code`` stable, ``text`` English, for the log)."""


class DeviceEvents:
    """The drivers' :class:`drivers.worker.DeviceHandler`: keeps each device's last status
    and passes statuses and messages on to the listeners. No device asks questions of
    the cashier yet, so :meth:`confirm` answers no."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[DeviceListener] = []
        self._last: dict[str, DeviceStatus] = {}

    def listen(self, listener: DeviceListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def unlisten(self, listener: DeviceListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def statuses(self) -> dict[str, DeviceStatus]:
        """The last status of every device that reported one."""
        with self._lock:
            return dict(self._last)

    def status(self, status: DeviceStatus) -> None:
        with self._lock:
            self._last[status.device] = status
            listeners = list(self._listeners)
        for listener in listeners:
            listener.status(status)

    def message(self, device: str, code: str, text: str) -> None:
        log.info("%s: %s", device, text)
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener.message(device, code, text)

    def confirm(self, device: str, code: str, text: str) -> bool:
        return False


class TillDevices:
    """The till's printer (and drawer), pole display and serial scanner.

    ``devices`` lists the configured ones in the order the sale screen shows them
    (``printer``, ``display``, ``scanner``, ``card_terminal``); a device that is not
    configured is simply not there and its calls do nothing.
    """

    def __init__(
        self,
        events: DeviceEvents,
        *,
        printing: ReceiptPrinting | None = None,
        drawer: bool = False,
        display: PoleDisplay | None = None,
        scanner: SerialScanner | None = None,
        card_terminal: bool = False,
        training: TrainingDevices | None = None,
        closers: list[Callable[[], None]] | None = None,
    ) -> None:
        self.events = events
        self.printing = printing
        self.drawer = drawer and printing is not None
        self.display = display
        self.scanner = scanner
        self.training = training
        #: the manager's device screen (set by ``pos.device_link`` given the terminal)
        self.admin: DeviceAdmin | None = None
        self._closers = closers or []
        self._scan_targets: list[Callable[[str], None]] = []
        self.card_terminal = card_terminal

    @property
    def devices(self) -> tuple[str, ...]:
        """The configured devices now (the device screen may add or remove one live)."""
        names = []
        if self.printing is not None:
            names.append(self.printing.printer.name)
        if self.display is not None:
            names.append(self.display.name)
        if self.scanner is not None:
            names.append(self.scanner.name)
        if self.card_terminal:
            names.append("card_terminal")
        return tuple(names)

    # -- receipts and the drawer -------------------------------------------------------
    def sale_completed(
        self, receipt: Receipt, kra: KraBlock | None = None
    ) -> Future[PrintOutcome] | None:
        """Print the receipt (the drawer opens after cash), show change and thanks on the
        pole display. Never waits: a printer without paper queues the receipt. ``kra``:
        the KRA eTIMS block to print (``pos.services.etims``)."""
        if self.display is not None:
            self.display.change(receipt.change.amount_text())
        if self.printing is None:
            return None
        if self.drawer:
            return self.printing.print_sale(receipt, kra)
        data = self.printing.encode(receipt, kra=kra)
        return self.printing.printer.print(PrintJob(receipt.number, data))

    def reprint(self, receipt: Receipt, kra: KraBlock | None = None) -> Future[PrintOutcome] | None:
        """An earlier receipt again, marked COPY (the caller audited the reprint)."""
        if self.printing is None:
            return None
        return self.printing.reprint(receipt, kra)

    def no_sale(self, shifts: ShiftService, reason: str = "") -> int:
        """ "No sale": the opening is recorded first (the permission is checked and the
        audit entry written by the shift service), then the drawer kicks. Returns the
        shift's count of no-sale openings. Run on the till worker."""
        count = shifts.no_sale(reason)
        self.open_drawer()
        return count

    def open_drawer(self) -> Future[None] | None:
        if not self.drawer or self.printing is None:
            return None
        return self.printing.open_drawer()

    def check(self) -> None:
        """Ask every device how it is now (answers arrive as statuses)."""
        if self.printing is not None:
            self.printing.printer.check()

    def test_print(self, lines: list[str]) -> Future[PrintOutcome] | None:
        """A short test page (the device settings screen)."""
        if self.printing is None:
            return None
        doc = PrintDocument(tuple(Text(line, Align.CENTER) for line in lines))
        data = encode(doc, self.printing.profile)
        return self.printing.printer.print(PrintJob("test", data))

    @property
    def report_columns(self) -> int | None:
        """How many characters a line of the receipt printer holds (None: no printer), so
        an X or Z report is laid out for the paper it prints on."""
        return self.printing.profile.columns if self.printing is not None else None

    def print_report(self, lines: list[str], job_id: str) -> Future[PrintOutcome] | None:
        """An X or Z report's printer layout (``pos.services.report_layout``), line for
        line, through the same queue as receipts: QUEUED when the printer cannot now, and
        printed when it is ready (nothing is lost). None: no receipt printer."""
        if self.printing is None:
            return None
        doc = PrintDocument(tuple(Text(line) for line in lines))
        data = encode(doc, self.printing.profile)
        return self.printing.printer.print(PrintJob(job_id, data, kind="report"))

    @property
    def queued(self) -> list[str]:
        """Receipt numbers waiting for the printer."""
        return self.printing.printer.queued if self.printing is not None else []

    # -- pole display --------------------------------------------------------------------
    def show_view(self, view: SaleView | None) -> None:
        """The pole display follows the basket: the last item and its price while
        scanning, the total once tender started, the idle message for an empty basket."""
        if self.display is None:
            return
        if view is None or view.is_empty:
            self.display.idle()
        elif view.tender_started:
            self.show_total(view)
        else:
            line = view.lines[-1]
            name = line.name if line.quantity == 1 else f"{line.quantity} x {line.name}"
            self.display.item(name, line.total.amount_text())

    def show_total(self, view: SaleView) -> None:
        """At tender: the total to pay (with any cash rounding so far)."""
        if self.display is not None and not view.is_empty:
            total = view.totals.total + view.totals.rounding
            self.display.total(total.currency, total.amount_text())

    def test_display(self, top: str, bottom: str) -> Future[bool] | None:
        if self.display is None:
            return None
        return self.display.show(top, bottom)

    # -- scanner -------------------------------------------------------------------------
    def on_scan(self, target: Callable[[str], None]) -> None:
        """Where serial scans go (called on the scanner's thread)."""
        self._scan_targets.append(target)

    def scanned(self, code: str) -> None:
        """A code from the serial scanner (the scanner driver's ``on_code``)."""
        for target in list(self._scan_targets):
            target(code)

    def close(self) -> None:
        for device in (self.scanner, self.display):
            if device is not None:
                device.close()
        if self.printing is not None:
            self.printing.printer.close()
        for closer in self._closers:
            try:
                closer()
            except Exception:
                log.exception("closing a device emulator failed")
