"""The receipt's SCU block from KRA's signature (reference 4.3): what the till shows on
screen, prints, and stores with the sale. Pure text; the UI and the printer lay it out."""

from __future__ import annotations

from dataclasses import dataclass

from sync.etims.models import DeviceInfo, Signature
from sync.etims.settings import VERIFY_PATH, CuNumberStyle

#: The provisional receipt's mark while KRA has not signed the sale.
PROVISIONAL_MARK = "NOT YET A TAX INVOICE: KRA has not signed this sale yet"


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


def scu_block(
    signature: Signature,
    device: DeviceInfo,
    *,
    verify_host: str,
    style: CuNumberStyle = CuNumberStyle.INVOICE,
    org_invc_no: int | None = None,
    training: bool = False,
    copy: bool = False,
) -> ScuBlock:
    """The block for one signed invoice; date and time are KRA's (``sdcDateTime``)."""
    number = signature.invc_no if style is CuNumberStyle.INVOICE else signature.cur_rcpt_no
    at = signature.sdc_date_time
    credit = signature.rcpt_ty_cd == "R"
    label = counter_label(signature.rcpt_ty_cd, training=training, copy=copy)
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
    )
