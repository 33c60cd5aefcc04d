"""A quick check for the common event: a plain ``sale.completed`` exactly as tills write it.

The head office reads every pushed event with :func:`sync.protocol.parse_event`, which
walks the document through :class:`~sync.protocol.fields.Fields`, builds a frozen value for
every line, amount and tender, and walks the body once more to prove it is plain JSON
before hashing it. Measured on 3 Dec 2026, that was about 0.6 ms of a push's ~3 ms per
event. Almost every event is a sale of a few lines without discounts; :func:`quick_sale`
checks exactly such a document in straight-line code over the decoded JSON, with the same
rules, the same regular expressions and the same arithmetic as the full parser, and builds
nothing but the header.

It only ever answers "this is a good plain sale" or "not sure": whenever anything is
unusual (another event type or version, a key more or less than tills write at any level,
a value of an unexpected type, a discount, a foreign-currency tender, a rule broken) it
returns ``None`` and the caller runs the full parser, which accepts or refuses with the
field and reason as always. So the combination accepts and refuses exactly what the full
parser does (``tests/sync/protocol/test_quick_sale.py`` holds the two to it on generated
and mutated documents) and only the time differs.

A quick-checked event's body is :class:`CheckedSale`: the document's own body (checked),
parsed into :class:`~sync.protocol.sales.SaleCompleted` only if someone asks for it. Its
raw fields are what the full parser's ``to_json()`` would write for the fields the ledger
projects (rates are in their shortest form, as tills write them; times and dates are read
as values), so the ledger may project from the raw body.

The same check is also written in C (``_quickc.c``, built by setup.py where a compiler is
installed): :func:`quick_sale` asks it first, and it may only be stricter than the Python
below (anything it is unsure of, this module checks as before). On the benchmark's sales
(8 Dec 2026, one process) the check fell from about 19 to 2.5 µs an event, and
:func:`quick_sale` with the hash and the header from 24 to 8. Without the built module (no
compiler at install), or with ``KAUNTA_NATIVE=0`` in the environment, :data:`NATIVE`
is False and only the Python check runs.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

import orjson

from sync.protocol.canonical import HASH_PREFIX
from sync.protocol.envelope import _HASH_RE, ENVELOPE_KEYS, PROTOCOL_VERSION, EventType, Header
from sync.protocol.events import Event
from sync.protocol.fields import (
    _CANONICAL_UUID_RE,
    CODE_RE,
    CURRENCY_RE,
    DATE_RE,
    DECIMAL_RE,
    DIGIT_RUN_RE,
    ID_RE,
    MAX_ITEMS,
    MAX_MINOR,
    TIMESTAMP_RE,
    Fields,
    decimal_text,
)
from sync.protocol.sales import (
    _RECEIPT_TAIL_RE,
    MAX_QUANTITY,
    PAYMENT_ID_RE,
    TAX_PIN_RE,
    VAT_CODE_RE,
    SaleCompleted,
)

try:
    from sync.protocol import _quickc  # type: ignore[attr-defined]
except ImportError:  # not built (no C compiler where it was installed): Python alone
    _quickc = None
else:
    _quickc.init(DIGIT_RUN_RE.search)
if os.environ.get("KAUNTA_NATIVE", "1") == "0":  # the Python check alone, by choice
    _quickc = None

#: Is the C check built and in use? (``kaunta bench sync`` reports it)
NATIVE = _quickc is not None
#: the C check (None: the Python check alone; tests switch it off to test the Python one)
_native: Callable[..., tuple[Any, ...] | None] | None = _quickc.check if _quickc else None

_ENVELOPE = len(ENVELOPE_KEYS)
_SALE_TYPE = EventType.SALE_COMPLETED.value
_SALE_KEYS = 15
_LINE_KEYS = 16
_TOTALS_KEYS = 7
_VAT_ROW_KEYS = 6
_TENDER_KEYS = 10
_MAX_SEQ = 2**62
_HUNDRED = Decimal(100)


class _Unsure(Exception):
    """Raised inside the check: not a plain sale, let the full parser decide."""


class CheckedSale:
    """The body of a quick-checked ``sale.completed``: ``raw`` is the body as sent (every
    known field checked, no others); :meth:`parsed` is the full parser's value of it."""

    __slots__ = ("_header", "_parsed", "raw")

    def __init__(self, raw: dict[str, Any], header: Header) -> None:
        self.raw = raw
        self._header = header
        self._parsed: SaleCompleted | None = None

    def parsed(self) -> SaleCompleted:
        if self._parsed is None:
            self._parsed = SaleCompleted.parse(Fields(self.raw, "body"), self._header)
        return self._parsed

    def to_json(self) -> dict[str, Any]:
        return self.parsed().to_json()


def _text(value: Any, max_len: int, min_len: int = 0) -> str:
    if type(value) is not str or not min_len <= len(value) <= max_len:
        raise _Unsure
    return value


def _match(value: Any, max_len: int, pattern: Any) -> str:
    if type(value) is not str or len(value) > max_len or not pattern.fullmatch(value):
        raise _Unsure
    return value


def _free(value: Any, max_len: int) -> str:
    if type(value) is not str or len(value) > max_len or DIGIT_RUN_RE.search(value):
        raise _Unsure
    return value


def _uuid(value: Any, *, v7: bool = False) -> str:
    if (
        type(value) is not str
        or not _CANONICAL_UUID_RE.fullmatch(value)
        or (v7 and (value[14] != "7" or value[19] not in "89ab"))
    ):
        raise _Unsure
    return value


def _int(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _Unsure
    return value


def _time(value: Any) -> datetime:
    _valid_time(value)
    return datetime.fromisoformat(value).astimezone(UTC)


def _valid_time(value: Any) -> None:
    """A timestamp the full parser reads (its offset is UTC, as the pattern demands: no
    conversion can fail), for the body's times, which the ledger does not read here."""
    if type(value) is not str or len(value) > 40 or not TIMESTAMP_RE.fullmatch(value):
        raise _Unsure
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise _Unsure from None


def _money(value: Any, currency: str, low: int = 0) -> int:
    """Minor units of ``{"minor": int, "currency": currency}`` (nothing else in it)."""
    if type(value) is not dict or len(value) != 2 or value.get("currency") != currency:
        raise _Unsure
    minor = value.get("minor")
    if type(minor) is not int or not low <= minor <= MAX_MINOR:
        raise _Unsure
    return minor


class _Rate(NamedTuple):
    """A checked VAT rate: its value, and as the fraction ``numerator / denominator``."""

    value: Decimal
    numerator: int
    denominator: int


#: VAT classes already checked, by their wire form: (code, rate, exempt) -> the rate
_CLASSES: dict[tuple[str, str, bool], _Rate] = {}


def _vat_class(row: dict[str, Any]) -> tuple[str, _Rate, bool]:
    """A VAT class's code, rate and exemption from ``row`` (a line's class or a VAT row)."""
    code, rate, exempt = row.get("code"), row.get("rate"), row.get("exempt")
    if type(code) is not str or type(rate) is not str or type(exempt) is not bool:
        raise _Unsure
    key = (code, rate, exempt)
    known = _CLASSES.get(key)
    if known is not None:
        return code, known, exempt
    _match(code, 8, VAT_CODE_RE)
    _match(rate, 20, DECIMAL_RE)
    number = Decimal(rate)
    if number > _HUNDRED or (exempt and number != 0) or decimal_text(number) != rate:
        raise _Unsure  # (a rate not in its shortest form, "16.0", takes the full parser)
    checked = _Rate(number, *number.as_integer_ratio())
    if len(_CLASSES) < 256:  # bounded: a chain has a handful of classes
        _CLASSES[key] = checked
    return code, checked, exempt


def vat_in(gross_minor: int, rate: _Rate, exempt: bool) -> int:
    """:func:`~sync.protocol.sales.vat_of` in integers: half up (away from zero) of
    ``gross * p / (100 q + p)`` for the rate ``p / q``, about a quarter of its time.

    The same answer for every amount the protocol takes: ``vat_of`` multiplies exactly
    (at most 23 digits) and divides to 28 significant digits, so its quotient (below
    10^13) keeps 14 decimals, an error under 10^-14; a quotient that is not exactly
    halfway lies at least ``1 / (2 (100 q + p))`` from it, over 2.5 x 10^-9 for a rate of
    at most 100 with at most six decimals (``DECIMAL_RE``), so both round the same way
    (``tests/sync/protocol/test_quick_sale.py`` compares them)."""
    if exempt or not rate.numerator:
        return 0
    divisor = 100 * rate.denominator + rate.numerator
    magnitude = (2 * abs(gross_minor) * rate.numerator + divisor) // (2 * divisor)
    return magnitude if gross_minor >= 0 else -magnitude


def _line(ln: Any, currency: str) -> tuple[str, tuple[str, _Rate, bool], int, int, int]:
    """One line without a discount: (line id, class, gross, total, vat)."""
    if type(ln) is not dict or len(ln) != _LINE_KEYS:
        raise _Unsure
    quantity = _int(ln["quantity"], 1, MAX_QUANTITY)
    gross = _money(ln["gross"], currency)
    if gross != _money(ln["unit_price"], currency) * quantity or ln["discount"] is not None:
        raise _Unsure
    if _money(ln["line_discount"], currency) or _money(ln["order_discount"], currency):
        raise _Unsure
    total = _money(ln["total"], currency)
    vat_row = ln["vat_class"]
    if total != gross or type(vat_row) is not dict or len(vat_row) != 3:
        raise _Unsure
    vat_class = _vat_class(vat_row)
    net = _money(ln["net"], currency)
    vat = _money(ln["vat"], currency)
    if net + vat != total or (vat and (vat_class[2] or not vat_class[1].numerator)):
        raise _Unsure
    line_id = _uuid(ln["line_id"])
    product_id = ln["product_id"]
    if product_id is not None:
        _int(product_id, 1, _MAX_SEQ)
    _text(ln["sku"], 64, 1)
    if ln["barcode"] is not None:
        _text(ln["barcode"], 32, 1)
    _text(ln["name"], 200, 1)
    _money(ln["list_price"], currency)
    return line_id, vat_class, gross, total, vat


def _tender(p: Any, currency: str) -> tuple[str, int, int]:
    """One tender in the sale's currency: (payment id, tendered, change)."""
    if type(p) is not dict or len(p) != _TENDER_KEYS or p["foreign"] is not None:
        raise _Unsure
    amount = _money(p["amount"], currency)
    tendered = _money(p["tendered"], currency)
    change = _money(p["change"], currency)
    if tendered != amount + change:
        raise _Unsure
    payment_id = _match(p["payment_id"], 64, PAYMENT_ID_RE)
    _match(p["method"], 40, CODE_RE)
    _valid_time(p["at"])
    _text(p["reference"], 80)
    if p["payer_masked"] is not None:
        _free(p["payer_masked"], 80)
    details = p["details"]
    if type(details) is not dict or len(details) > 50:
        raise _Unsure
    for key, value in details.items():
        if type(key) is not str or not CODE_RE.fullmatch(key):
            raise _Unsure
        _free(value, 200)
    return payment_id, tendered, change


def _totals(t: Any, currency: str) -> tuple[int, int, int, list[dict[str, Any]]]:
    """The totals without discounts: (gross, total, vat_total, VAT rows)."""
    if type(t) is not dict or len(t) != _TOTALS_KEYS:
        raise _Unsure
    gross = _money(t["gross"], currency)
    total = _money(t["total"], currency)
    vat_total = _money(t["vat_total"], currency)
    rows = t["vat"]
    if (
        _money(t["line_discounts"], currency)
        or _money(t["order_discounts"], currency)
        or _money(t["discounts"], currency)
        or total != gross
        or type(rows) is not list
        or len(rows) > 50
    ):
        raise _Unsure
    return gross, total, vat_total, rows


def _body(b: Any, header: Header) -> None:
    """The checks of ``SaleBody.parse`` and ``SaleCompleted.parse`` for a sale without
    discounts or foreign tenders; raises :class:`_Unsure` at the first doubt."""
    if type(b) is not dict or len(b) != _SALE_KEYS:
        raise _Unsure
    currency = _match(b["currency"], 3, CURRENCY_RE)
    raw_lines = b["lines"]
    if type(raw_lines) is not list or not 1 <= len(raw_lines) <= MAX_ITEMS:
        raise _Unsure
    if b["order_discounts"] != [] or type(b["order_discounts"]) is not list:
        raise _Unsure
    lines = [_line(ln, currency) for ln in raw_lines]
    if len({ln[0] for ln in lines}) != len(lines):
        raise _Unsure
    gross, total, vat_total, rows = _totals(b["totals"], currency)
    if gross != sum(ln[2] for ln in lines) or total != sum(ln[3] for ln in lines):
        raise _Unsure
    # VAT per class: one row per class of the lines, each the sum of its lines
    by_code: dict[str, tuple[tuple[str, _Rate, bool], int, int]] = {}
    for _, vat_class, _, line_total, line_vat in lines:
        known = by_code.get(vat_class[0])
        if known is None:
            by_code[vat_class[0]] = (vat_class, line_total, line_vat)
        elif known[0][1:] != vat_class[1:]:
            raise _Unsure  # one code with two rates
        else:
            by_code[vat_class[0]] = (known[0], known[1] + line_total, known[2] + line_vat)
    if len(rows) != len(by_code):
        raise _Unsure
    seen: set[str] = set()
    vat_sum = 0
    for row in rows:
        if type(row) is not dict or len(row) != _VAT_ROW_KEYS:
            raise _Unsure
        code, rate, exempt = _vat_class(row)
        row_gross = _money(row["gross"], currency, -MAX_MINOR)
        row_net = _money(row["net"], currency, -MAX_MINOR)
        row_vat = _money(row["vat"], currency, -MAX_MINOR)
        if row_net + row_vat != row_gross or row_vat != vat_in(row_gross, rate, exempt):
            raise _Unsure
        lines_class = by_code.get(code)
        if (
            code in seen
            or lines_class is None
            or lines_class[0][1:] != (rate, exempt)
            or lines_class[1] != row_gross
            or lines_class[2] != row_vat
        ):
            raise _Unsure
        seen.add(code)
        vat_sum += row_vat
    if vat_total != vat_sum:
        raise _Unsure
    raw_payments = b["payments"]
    if type(raw_payments) is not list or len(raw_payments) > 100:
        raise _Unsure
    tenders = [_tender(p, currency) for p in raw_payments]
    if len({t[0] for t in tenders}) != len(tenders):
        raise _Unsure
    change = _money(b["change"], currency)
    if change != sum(t[2] for t in tenders):
        raise _Unsure
    customer = b["customer"]
    if customer is not None:
        if type(customer) is not dict or len(customer) != 2:
            raise _Unsure
        if customer["tax_pin"] is not None:
            _match(customer["tax_pin"], 20, TAX_PIN_RE)
        if customer["name"] is not None:
            _free(customer["name"], 60)
    _uuid(b["sale_id"], v7=True)
    number = _text(b["receipt_number"], 100)
    prefix = f"{header.store_id}-{header.terminal_id}-"
    if not number.startswith(prefix) or not _RECEIPT_TAIL_RE.fullmatch(number[len(prefix) :]):
        raise _Unsure
    day = _match(b["business_date"], 10, DATE_RE)
    try:
        date.fromisoformat(day)
    except ValueError:
        raise _Unsure from None
    _valid_time(b["opened_at"])
    _valid_time(b["closed_at"])
    _uuid(b["cashier_id"])
    _uuid(b["opened_by"])
    rounding = _money(b["rounding"], currency, -MAX_MINOR)
    if sum(t[1] for t in tenders) - change != total + rounding:
        raise _Unsure  # a completed sale is paid exactly


def _header(d: dict[str, Any]) -> Header:
    if d["version"] != PROTOCOL_VERSION or d["type"] != EventType.SALE_COMPLETED.value:
        raise _Unsure
    training = d["training"]
    if type(training) is not bool:
        raise _Unsure
    return Header(
        version=PROTOCOL_VERSION,
        type=EventType.SALE_COMPLETED,
        event_id=_uuid(d["event_id"], v7=True),
        store_id=_match(d["store_id"], 40, ID_RE),
        terminal_id=_match(d["terminal_id"], 40, ID_RE),
        seq=_int(d["seq"], 1, _MAX_SEQ),
        created_at=_time(d["created_at"]),
        training=training,
        content_hash=_match(d["hash"], 80, _HASH_RE),
    )


_dumps: Callable[..., bytes] = orjson.dumps
_SORTED = orjson.OPT_SORT_KEYS


def _digest(body: dict[str, Any]) -> str:
    """The content hash of a body whose every value was checked to be a str, int, bool,
    None, dict or list: its canonical JSON is orjson's with sorted keys
    (canonical.canonical_json)."""
    return HASH_PREFIX + hashlib.sha256(_dumps(body, option=_SORTED)).hexdigest()


def quick_sale(document: Any) -> Event | None:
    """The event, when ``document`` is a good plain ``sale.completed`` as tills write it;
    None when it is anything else or in any doubt (then the full parser decides)."""
    if type(document) is not dict or len(document) != _ENVELOPE:
        return None
    native = _native
    if native is not None:
        found = native(document, _ENVELOPE, PROTOCOL_VERSION, _SALE_TYPE)
        if found is not None:
            return _checked(*found)
    try:
        header = _header(document)
        body = document["body"]
        _body(body, header)
        digest = _digest(body)
    except (_Unsure, KeyError, orjson.JSONEncodeError):
        return None
    if digest != header.content_hash:
        return None
    return Event(header, CheckedSale(body, header))


def _checked(
    event_id: str,
    store_id: str,
    terminal_id: str,
    seq: int,
    created_at: datetime,
    training: bool,
    content_hash: str,
    body: dict[str, Any],
) -> Event | None:
    """The event the C check passed (every value of it checked), once its hash is right."""
    if _digest(body) != content_hash:
        return None
    header = Header(
        PROTOCOL_VERSION,
        EventType.SALE_COMPLETED,
        event_id,
        store_id,
        terminal_id,
        seq,
        created_at,
        training,
        content_hash,
    )
    return Event(header, CheckedSale(body, header))


__all__ = ["NATIVE", "CheckedSale", "quick_sale"]
