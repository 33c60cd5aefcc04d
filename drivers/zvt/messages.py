"""The ZVT messages Kaunta sends (as the ECR) and reads (from the PT), typed.

Builders answer :class:`~drivers.zvt.apdu.Apdu` values; :func:`parse` turns a PT's APDU
into one of the message classes below. Nothing parsed here holds card-holder data: track
and chip fields are dropped by :mod:`drivers.zvt.bmp`, and the PAN is kept masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from drivers.zvt.apdu import Apdu
from drivers.zvt.bmp import (
    BmpError,
    bcd,
    bcd_digits,
    decode_fields,
    encode_fields,
    from_bcd,
    iter_tlv,
    masked_pan,
)

#: ISO 4217 numeric codes of the currencies a Kenyan till may meet
CURRENCY_NUMBERS: dict[str, int] = {
    "KES": 404,
    "UGX": 800,
    "TZS": 834,
    "RWF": 646,
    "USD": 840,
    "EUR": 978,
    "GBP": 826,
}
CURRENCY_CODES = {n: code for code, n in CURRENCY_NUMBERS.items()}

# -- ECR -> PT ------------------------------------------------------------------------------
REGISTRATION = (0x06, 0x00)
AUTHORIZATION = (0x06, 0x01)
LOG_OFF = (0x06, 0x02)
REPEAT_RECEIPT = (0x06, 0x20)
REVERSAL = (0x06, 0x30)
REFUND = (0x06, 0x31)
END_OF_DAY = (0x06, 0x50)
ABORT = (0x06, 0xB0)
STATUS_ENQUIRY = (0x05, 0x01)
# -- PT -> ECR ------------------------------------------------------------------------------
STATUS_INFORMATION = (0x04, 0x0F)
INTERMEDIATE_STATUS = (0x04, 0xFF)
COMPLETION = (0x06, 0x0F)
PT_ABORT = (0x06, 0x1E)
PRINT_LINE = (0x06, 0xD1)
PRINT_TEXT_BLOCK = (0x06, 0xD3)

#: registration config byte: ECR prints the receipts (bits 1+2 off), ECR controls payment
#: and admin functions, intermediate status wanted (bit 3), no ECR display (bit 7 off)
DEFAULT_CONFIG = 0xBA


def currency_number(code: str) -> int:
    try:
        return CURRENCY_NUMBERS[code]
    except KeyError:
        raise ValueError(f"the terminal link does not know the currency {code}") from None


def _password(password: int) -> bytes:
    return bcd(password, 3)


def registration(password: int, currency: str, config: int = DEFAULT_CONFIG) -> Apdu:
    """``06 00``: log on to the PT (``06 00 06 12 34 56 BA 09 78`` for EUR)."""
    return Apdu(
        0x06, 0x00, _password(password) + bytes([config]) + bcd(currency_number(currency), 2)
    )


def authorization(amount_minor: int, currency: str) -> Apdu:
    """``06 01``: take ``amount_minor`` (``06 01 0A 04 00 00 00 00 12 34 49 09 78``)."""
    return Apdu(
        0x06,
        0x01,
        encode_fields([(0x04, bcd(amount_minor, 6)), (0x49, bcd(currency_number(currency), 2))]),
    )


def reversal(password: int, receipt_no: int) -> Apdu:
    """``06 30``: cancel a payment of today's batch by its receipt number."""
    return Apdu(0x06, 0x30, _password(password) + encode_fields([(0x87, bcd(receipt_no, 2))]))


def refund(password: int, amount_minor: int, currency: str) -> Apdu:
    """``06 31``: pay ``amount_minor`` back to the card presented."""
    return Apdu(
        0x06,
        0x31,
        _password(password)
        + encode_fields([(0x04, bcd(amount_minor, 6)), (0x49, bcd(currency_number(currency), 2))]),
    )


def end_of_day(password: int) -> Apdu:
    """``06 50``: close the terminal's batch (its totals go to the bank)."""
    return Apdu(0x06, 0x50, _password(password))


def status_enquiry(password: int) -> Apdu:
    """``05 01``: is the PT ready, and what does it know (used after a crash)."""
    return Apdu(0x05, 0x01, _password(password))


def repeat_receipt(password: int) -> Apdu:
    """``06 20``: the PT repeats the status information of its last transaction."""
    return Apdu(0x06, 0x20, _password(password))


def abort() -> Apdu:
    """``06 B0``: the ECR asks the PT to stop the running transaction."""
    return Apdu(0x06, 0xB0)


def log_off() -> Apdu:
    return Apdu(0x06, 0x02)


# -- PT -> ECR, parsed ----------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Ack:
    """``80 00 00``: the PT took the command."""


@dataclass(frozen=True, slots=True)
class Nack:
    """``84 xx``: the PT refused the command (``code`` = xx)."""

    code: int


@dataclass(frozen=True, slots=True)
class Intermediate:
    """``04 FF``: what the PT is doing now (insert card, PIN, waiting for the bank)."""

    code: int
    text: str  # the PT's own display text if it sent one, else ""


@dataclass(frozen=True, slots=True)
class StatusInfo:
    """``04 0F``: the result of a transaction, with only what may be stored.

    ``masked_pan`` shows at most the first 6 and last 4 digits; track data, expiry and
    chip data are never part of it.
    """

    result_code: int
    amount_minor: int | None = None
    currency: str = ""
    trace: int | None = None
    receipt_no: int | None = None
    terminal_id: str = ""
    masked_pan: str = ""
    card_name: str = ""
    approval_code: str = ""
    date: str = ""  # MMDD
    time: str = ""  # HHMMSS

    @property
    def approved(self) -> bool:
        return self.result_code == 0


@dataclass(frozen=True, slots=True)
class Completion:
    """``06 0F``: the PT is done and gives control back to the ECR."""

    status_byte: int | None = None


@dataclass(frozen=True, slots=True)
class PtAbort:
    """``06 1E``: the PT ended the transaction without success (``code``: why)."""

    code: int


@dataclass(frozen=True, slots=True)
class PrintLine:
    """``06 D1`` / ``06 D3``: receipt text the PT wants the ECR to print."""

    text: str


@dataclass(frozen=True, slots=True)
class Other:
    """Any other APDU (kept by its command only)."""

    command: tuple[int, int]


Message = Ack | Nack | Intermediate | StatusInfo | Completion | PtAbort | PrintLine | Other


def _text(raw: bytes) -> str:
    return raw.decode("latin-1", errors="replace").rstrip("\x00 ").strip()


def parse(apdu: Apdu) -> Message:
    """What a PT's APDU says. Raises ``ValueError`` (BmpError) for damaged fields."""
    if apdu.cls == 0x80 and apdu.ins == 0x00:
        return Ack()
    if apdu.cls == 0x84:
        return Nack(apdu.ins)
    command = apdu.command
    if command == INTERMEDIATE_STATUS:
        if not apdu.data:
            raise BmpError("intermediate status without its code")
        text = ""
        fields = decode_fields(apdu.data, 1)
        if 0x06 in fields:
            lines = [_text(v) for tag, v in iter_tlv(fields[0x06]) if tag in (0x07, 0x24)]
            text = " ".join(line for line in lines if line)
        return Intermediate(apdu.data[0], text)
    if command == STATUS_INFORMATION:
        return status_info(apdu.data)
    if command == COMPLETION:
        fields = decode_fields(apdu.data) if apdu.data else {}
        status = fields.get(0x19)
        return Completion(status[0] if status else None)
    if command == PT_ABORT:
        return PtAbort(apdu.data[0] if apdu.data else 0xFF)
    if command == PRINT_LINE:
        return PrintLine(_text(apdu.data[1:]))
    if command == PRINT_TEXT_BLOCK:
        lines = []
        for tag, value in iter_tlv(apdu.data[1:] if apdu.data[:1] == b"\x06" else apdu.data):
            if tag == 0x25:  # a print-text block holds lines (07)
                lines += [_text(v) for t, v in iter_tlv(value) if t == 0x07]
            elif tag == 0x07:
                lines.append(_text(value))
        return PrintLine("\n".join(lines))
    return Other(command)


def status_info(data: bytes) -> StatusInfo:
    """The fields of a ``04 0F`` that may be kept."""
    f = decode_fields(data)
    currency = ""
    if 0x49 in f:
        currency = CURRENCY_CODES.get(from_bcd(f[0x49]), str(from_bcd(f[0x49])))
    return StatusInfo(
        result_code=f[0x27][0] if 0x27 in f else 0x00,
        amount_minor=from_bcd(f[0x04]) if 0x04 in f else None,
        currency=currency,
        trace=from_bcd(f[0x0B]) if 0x0B in f else None,
        receipt_no=from_bcd(f[0x87]) if 0x87 in f else None,
        terminal_id=bcd_digits(f[0x29]) if 0x29 in f else "",
        masked_pan=masked_pan(f[0x22]) if 0x22 in f else "",
        card_name=_text(f[0x8B]) if 0x8B in f else "",
        approval_code=_text(f[0x3B]) if 0x3B in f else "",
        date=bcd_digits(f[0x0D]) if 0x0D in f else "",
        time=bcd_digits(f[0x0C]) if 0x0C in f else "",
    )


def encode_status_info(info: StatusInfo, pan_bcd: bytes = b"") -> Apdu:
    """A ``04 0F`` for ``info`` (the emulator's side; ``pan_bcd``: BMP 22 as sent)."""
    fields: list[tuple[int, bytes]] = [(0x27, bytes([info.result_code]))]
    if info.amount_minor is not None:
        fields.append((0x04, bcd(info.amount_minor, 6)))
    if info.currency:
        fields.append((0x49, bcd(currency_number(info.currency), 2)))
    if info.trace is not None:
        fields.append((0x0B, bcd(info.trace, 3)))
    if info.time:
        fields.append((0x0C, bytes.fromhex(info.time)))
    if info.date:
        fields.append((0x0D, bytes.fromhex(info.date)))
    if info.terminal_id:
        fields.append((0x29, bytes.fromhex(info.terminal_id)))
    if info.receipt_no is not None:
        fields.append((0x87, bcd(info.receipt_no, 2)))
    if pan_bcd:
        fields.append((0x22, pan_bcd))
    if info.card_name:
        fields.append((0x8B, info.card_name.encode("latin-1")))
    if info.approval_code:
        fields.append((0x3B, info.approval_code.encode("ascii").ljust(8, b"\x00")[:8]))
    return Apdu(0x04, 0x0F, encode_fields(fields))
