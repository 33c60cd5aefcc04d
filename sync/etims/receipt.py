"""The receipt's SCU block from KRA's signature (reference 4.3): what the till shows on
screen, prints, and stores with the sale. Pure text; the UI and the printer lay it out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from sync.etims.models import DeviceInfo, Signature
from sync.etims.settings import VERIFY_PATH, CuNumberStyle

#: The provisional receipt's mark while KRA has not signed the sale.
PROVISIONAL_MARK = "NOT YET A TAX INVOICE: KRA has not signed this sale yet"

#: KRA's tax bands in the order the reference's table lists their letters' fields
BANDS = ("A", "B", "C", "D", "E")
#: the bands KRA names instead of giving their rate (reference 4.3: "A Exempt",
#: "D Non-VAT"); the others print the rate the invoice was submitted with
BAND_NAMES = {"A": "Exempt", "D": "Non-VAT"}
#: the invoice's fields the band table is made of (``saveTrnsSalesOsdc``, reference 3.2)
BAND_FIELDS = (
    *(f"{kind}{band}" for band in BANDS for kind in ("taxblAmt", "taxAmt", "taxRt")),
    "totAmt",
)
#: KRA's amounts are Kenya shillings (the invoice carries no currency)
CURRENCY = "KES"
_CENT = Decimal("0.01")


def groups_of_four(text: str) -> str:
    """``Q7MZ-4XKD-2PLR-…``: how internal data and signatures are printed."""
    return "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def verification_url(host: str, tin: str, bhf_id: str, rcpt_sign: str) -> str:
    """The QR code's payload: KRA's receipt page for PIN + branch + signature."""
    return f"{host.rstrip('/')}{VERIFY_PATH}{tin}{bhf_id}{rcpt_sign}"


def counter_label(rcpt_ty_cd: str, *, training: bool = False, copy: bool = False) -> str:
    """NS/NC normal sale or credit note, CS/CC copies, TS/TC training (GUESS, 4.3)."""
    kind = "C" if rcpt_ty_cd == "R" else "S"
    return ("T" if training else "C" if copy else "N") + kind


@dataclass(frozen=True, slots=True)
class ScuBlock:
    """Every line of the SCU block, already formatted."""

    title: str
    date: str
    time: str
    scu_id: str
    cu_invoice_number: str
    original_cu_invoice_number: str | None
    receipt_counter: str
    internal_data: str
    receipt_signature: str
    qr_url: str
    #: KRA's tax table, one row per band A-E always (label, taxable, tax), from the
    #: invoice as submitted; () when the submitted invoice is not at hand
    bands: tuple[tuple[str, str, str], ...] = ()
    #: the invoice's ``totAmt`` as ``KES 1,234.00`` ("" without ``bands``)
    total: str = ""

    def lines(self) -> list[tuple[str, str]]:
        rows = [
            ("Date", self.date),
            ("Time", self.time),
            ("SCU ID", self.scu_id),
            ("CU Invoice No.", self.cu_invoice_number),
        ]
        if self.original_cu_invoice_number:
            rows.append(("Original CU Invoice No.", self.original_cu_invoice_number))
        rows += [
            ("Receipt counter", self.receipt_counter),
            ("Internal Data", self.internal_data),
            ("Receipt Signature", self.receipt_signature),
        ]
        return rows


def _decimal(value: Any) -> Decimal | None:
    """A JSON amount as the exact decimal its text says: a float from ``json.loads`` is
    read from its shortest repr, which is the text KRA received (``24.0``, ``137.93``),
    never from its binary value; None when it is not a finite number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        value = repr(value)
    if not isinstance(value, int | str | Decimal):
        return None
    try:
        found = Decimal(value.strip() if isinstance(value, str) else value)
    except InvalidOperation:
        return None
    return found if found.is_finite() else None


def amount_text(value: Decimal) -> str:
    """``1,234.00``: two decimals, grouped, as the receipt prints money."""
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):,.2f}"


def rate_text(value: Decimal) -> str:
    """``16``, ``8``, ``0``, ``12.5``: a rate without trailing zeros."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def band_table(
    request: Mapping[str, Any] | None,
) -> tuple[tuple[tuple[str, str, str], ...], str]:
    """KRA's tax table from the invoice as it was submitted (``taxblAmtA..E``,
    ``taxAmtA..E``, ``taxRtA..E``, ``totAmt``), not recomputed: every band A-E, in that
    order, labelled "A Exempt", "B 16%", "C 0%", "D Non-VAT", "E 8%" (the rate is the
    submitted ``taxRtX``), with its taxable amount and tax; and the total. Nothing
    (``((), "")``) when the request is missing or lacks one of those fields: a table
    with a guessed row would not be what KRA holds."""
    if not request:
        return (), ""
    values: dict[str, Decimal] = {}
    for name in BAND_FIELDS:
        found = _decimal(request.get(name))
        if found is None:
            return (), ""
        values[name] = found
    rows = tuple(
        (
            f"{band} {BAND_NAMES.get(band) or rate_text(values[f'taxRt{band}']) + '%'}",
            amount_text(values[f"taxblAmt{band}"]),
            amount_text(values[f"taxAmt{band}"]),
        )
        for band in BANDS
    )
    return rows, f"{CURRENCY} {amount_text(values['totAmt'])}"


def scu_block(
    signature: Signature,
    device: DeviceInfo,
    *,
    verify_host: str,
    style: CuNumberStyle = CuNumberStyle.INVOICE,
    org_invc_no: int | None = None,
    training: bool = False,
    copy: bool = False,
    request: Mapping[str, Any] | None = None,
) -> ScuBlock:
    """The block for one signed invoice; date and time are KRA's (``sdcDateTime``).
    ``request``: the invoice as it was submitted (the queue entry's), for KRA's tax
    table (:func:`band_table`); None leaves the block without it."""
    number = signature.invc_no if style is CuNumberStyle.INVOICE else signature.cur_rcpt_no
    at = signature.sdc_date_time
    credit = signature.rcpt_ty_cd == "R"
    label = counter_label(signature.rcpt_ty_cd, training=training, copy=copy)
    bands, total = band_table(request)
    return ScuBlock(
        title=("CREDIT NOTE" if credit else "TAX INVOICE") + (" (COPY)" if copy else ""),
        date=at.strftime("%d/%m/%Y"),
        time=at.strftime("%H:%M:%S"),
        scu_id=device.sdc_id,
        cu_invoice_number=f"{device.sdc_id}/{number}",
        original_cu_invoice_number=(
            f"{device.sdc_id}/{org_invc_no}" if credit and org_invc_no else None
        ),
        receipt_counter=f"{signature.cur_rcpt_no}/{signature.tot_rcpt_no} {label}",
        internal_data=groups_of_four(signature.intrl_data),
        receipt_signature=groups_of_four(signature.rcpt_sign),
        qr_url=verification_url(verify_host, device.tin, device.bhf_id, signature.rcpt_sign),
        bands=bands,
        total=total,
    )
