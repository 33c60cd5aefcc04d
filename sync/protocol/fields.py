"""Values on the wire and a strict reader for them.

Every parser reads its object through :class:`Fields`, which knows the path it is at, so a
refusal always names the field (``body.payments[1].tendered.currency``). Rules shared by
every document live here: money is ``{"minor": int, "currency": "KES"}``, timestamps are
UTC ISO 8601, UUIDs are in canonical form, free text never carries a full phone number.
Unknown keys are ignored (a newer minor version may add fields); known ones must be
present, with ``null`` where a field is optional.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NoReturn, Protocol, TypeVar

from sync.protocol.errors import ProtocolError

#: Largest money value, in minor units (as in ``pos.domain.money``): 100 billion KES.
MAX_MINOR = 10**13
#: Longest list a document may hold (lines of a sale, tenders of a Z report, ...).
MAX_ITEMS = 10_000

CURRENCY_RE = re.compile(r"[A-Z]{3}")
#: a UUID as ``str(uuid.UUID(...))`` writes it (what check_uuid accepts)
_CANONICAL_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: currency codes that have passed CURRENCY_RE in an amount (Fields.money's fast path)
_GOOD_CODES: set[str] = set()
CODE_RE = re.compile(r"[a-z][a-z0-9_]{0,39}")
ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")
DECIMAL_RE = re.compile(r"\d{1,9}(?:\.\d{1,6})?")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
TIMESTAMP_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|\+00:00)")
#: Nine or more digits in a row (spaces, dots, dashes, slashes, brackets and plus signs
#: between them do not break the run): a phone number, or something as identifying.
DIGIT_RUN_RE = re.compile(r"\d(?:[\s\-.()/+]*\d){8,}")

E = TypeVar("E", bound=StrEnum)


class MoneyLike(Protocol):
    """What the builders accept as money: ``pos.domain.money.Money`` fits."""

    @property
    def minor(self) -> int: ...

    @property
    def currency(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Amount:
    """Money on the wire: integer minor units of one ISO 4217 currency."""

    minor: int
    currency: str

    @classmethod
    def of(cls, money: MoneyLike) -> Amount:
        return cls(int(money.minor), str(money.currency))

    def to_json(self) -> dict[str, Any]:
        return {"minor": self.minor, "currency": self.currency}


def amount_json(money: MoneyLike | None) -> dict[str, Any] | None:
    """Money (or None) as it goes on the wire."""
    return None if money is None else Amount.of(money).to_json()


def iso_utc(at: datetime) -> str:
    """``2026-03-02T07:30:00.000000Z``: UTC, microseconds, ``Z``; naive times refused."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ProtocolError("", f"time {at.isoformat()} has no time zone")
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def mask_digit_runs(text: str) -> str:
    """Mask every run of nine or more digits as phones are masked: ``2547******49``.

    Builders pass free text (notes, reasons, messages) through this, so a manager who
    types the customer's number into a note never sends it to the head office.
    """

    def mask(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return digits[:4] + "*" * (len(digits) - 6) + digits[-2:]

    return DIGIT_RUN_RE.sub(mask, text)


def decimal_text(value: Decimal | int | str) -> str:
    """A rate as the wire writes it: plain digits, no exponent, no trailing zeros."""
    number = Decimal(str(value))
    text = f"{number.normalize():f}"
    return text


def check_uuid(value: Any, path: str, *, v7: bool = False) -> str:
    """``value`` if it is a UUID string in canonical form (and a UUIDv7 if ``v7``)."""
    if not isinstance(value, str):
        raise ProtocolError(path, "must be a UUID string")
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise ProtocolError(path, f"{value!r} is not a UUID") from None
    if str(parsed) != value:
        raise ProtocolError(path, f"{value!r} is not in canonical UUID form (lower case, hyphens)")
    if v7 and (parsed.version != 7 or parsed.variant != uuid.RFC_4122):
        raise ProtocolError(path, f"{value!r} is not a UUIDv7 (documents get one made on the till)")
    return value


class Fields:
    """A JSON object read strictly; ``path`` is where it sits in the document."""

    __slots__ = ("_data", "_key", "_parent", "_path")

    def __init__(
        self,
        data: Any,
        path: str = "",
        *,
        parent: Fields | None = None,
        key: str | tuple[str, int] = "",
    ) -> None:
        """``parent`` and ``key`` (a field name, or a list's name and index) give the path
        lazily: it is only spelled out when something is wrong, not for every object of
        every document."""
        self._data: Mapping[str, Any] = data
        self._parent = parent
        self._key = key
        self._path: str | None = path if parent is None else None
        if type(data) is not dict and not isinstance(data, Mapping):
            raise ProtocolError(self.path, "must be an object")

    @property
    def path(self) -> str:
        """Where this object sits in the document (``lines[2].discount``)."""
        if self._path is None:
            assert self._parent is not None
            key = self._key
            if isinstance(key, tuple):
                self._path = f"{self._parent.at(key[0])}[{key[1]}]"
            else:
                self._path = self._parent.at(key)
        return self._path

    @property
    def raw(self) -> Mapping[str, Any]:
        return self._data

    def at(self, name: str) -> str:
        """The path of field ``name`` of this object."""
        return f"{self.path}.{name}" if self.path else name

    def fail(self, name: str, reason: str) -> NoReturn:
        raise ProtocolError(self.at(name), reason)

    def get(self, name: str) -> Any:
        try:
            return self._data[name]
        except KeyError:
            self.fail(name, "is missing")

    def is_null(self, name: str) -> bool:
        return self.get(name) is None

    # -- scalars -------------------------------------------------------------------------
    def text(
        self,
        name: str,
        *,
        max_len: int = 200,
        min_len: int = 0,
        pattern: re.Pattern[str] | None = None,
        free: bool = False,
    ) -> str:
        """A string; ``free`` text must not hold a full phone number (nine digits on)."""
        value = self.get(name)
        if type(value) is not str and not isinstance(value, str):
            self.fail(name, "must be a string")
        if len(value) < min_len:
            self.fail(name, "must not be empty" if min_len == 1 else f"needs {min_len}+ chars")
        if len(value) > max_len:
            self.fail(name, f"is longer than {max_len} characters")
        if pattern is not None and not pattern.fullmatch(value):
            self.fail(name, f"{value!r} is not of the form {pattern.pattern}")
        if free and DIGIT_RUN_RE.search(value):
            self.fail(name, "holds a full phone number or other long digit run; mask it")
        return value

    def opt_text(self, name: str, **kwargs: Any) -> str | None:
        return None if self.is_null(name) else self.text(name, **kwargs)

    def integer(self, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
        value = self.get(name)
        if type(value) is not int and (isinstance(value, bool) or not isinstance(value, int)):
            self.fail(name, "must be an integer")
        if minimum is not None and value < minimum:
            self.fail(name, f"must be at least {minimum}, not {value}")
        if maximum is not None and value > maximum:
            self.fail(name, f"must be at most {maximum}, not {value}")
        return value

    def opt_integer(self, name: str, **kwargs: Any) -> int | None:
        return None if self.is_null(name) else self.integer(name, **kwargs)

    def flag(self, name: str) -> bool:
        value = self.get(name)
        if not isinstance(value, bool):
            self.fail(name, "must be true or false")
        return value

    def decimal(self, name: str, *, maximum: Decimal | None = None) -> Decimal:
        """A non-negative decimal written as a string (``"16"``, ``"129.50"``)."""
        value = self.text(name, max_len=20)
        if not DECIMAL_RE.fullmatch(value):
            self.fail(name, f"{value!r} is not a decimal number such as 16 or 129.50")
        try:
            number = Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern guarantees digits
            self.fail(name, f"{value!r} is not a decimal number")
        if maximum is not None and number > maximum:
            self.fail(name, f"must be at most {maximum}, not {value}")
        return number

    def opt_decimal(self, name: str, **kwargs: Any) -> Decimal | None:
        return None if self.is_null(name) else self.decimal(name, **kwargs)

    def uuid(self, name: str, *, v7: bool = False) -> str:
        """A UUID in canonical form (lower case, hyphens); ``v7`` ones made on a till."""
        value = self.get(name)
        if (  # the common case, no path built: canonical text (and version 7, RFC variant)
            type(value) is str
            and _CANONICAL_UUID_RE.fullmatch(value)
            and (not v7 or (value[14] == "7" and value[19] in "89ab"))
        ):
            return value
        return check_uuid(value, self.at(name), v7=v7)

    def uuid_list(self, name: str, *, v7: bool = False, max_len: int = 1000) -> list[str]:
        value = self.get(name)
        if not isinstance(value, list):
            self.fail(name, "must be a list")
        if len(value) > max_len:
            self.fail(name, f"has more than {max_len} items")
        return [check_uuid(item, f"{self.at(name)}[{i}]", v7=v7) for i, item in enumerate(value)]

    def opt_uuid(self, name: str, *, v7: bool = False) -> str | None:
        return None if self.is_null(name) else self.uuid(name, v7=v7)

    def timestamp(self, name: str) -> datetime:
        value = self.text(name, max_len=40)
        if not TIMESTAMP_RE.fullmatch(value):
            self.fail(name, f"{value!r} is not a UTC ISO 8601 time such as 2026-03-02T07:30:00Z")
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError:
            self.fail(name, f"{value!r} is not a real date and time")

    def opt_timestamp(self, name: str) -> datetime | None:
        return None if self.is_null(name) else self.timestamp(name)

    def day(self, name: str) -> date:
        value = self.text(name, max_len=10)
        if not DATE_RE.fullmatch(value):
            self.fail(name, f"{value!r} is not a date such as 2026-03-02")
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(name, f"{value!r} is not a real date")

    def choice(self, name: str, enum: type[E]) -> E:
        value = self.get(name)
        if not isinstance(value, str):
            self.fail(name, "must be a string")
        try:
            return enum(value)
        except ValueError:
            known = ", ".join(e.value for e in enum)
            self.fail(name, f"{value!r} is not one of: {known}")

    def money(self, name: str, *, currency: str | None = None, positive: bool = False) -> Amount:
        """``{"minor": int, "currency": "KES"}``; ``currency`` refuses any other one."""
        # The common case first, without building paths: a dict holding a plain int in
        # range and a currency code already seen to be well formed. A document carries
        # thirty or so amounts; anything else takes the checks below, which say why.
        value = self._data.get(name)
        if type(value) is dict:
            minor, code = value.get("minor"), value.get("currency")
            if (
                type(minor) is int
                and -MAX_MINOR <= minor <= MAX_MINOR
                and type(code) is str
                and code in _GOOD_CODES
                and (currency is None or code == currency)
                and (minor > 0 or not positive)
            ):
                return Amount(minor, code)
        f = self.obj(name)
        minor = f.integer("minor", minimum=-MAX_MINOR, maximum=MAX_MINOR)
        code = f.text("currency", max_len=3, pattern=CURRENCY_RE)
        if currency is not None and code != currency:
            f.fail("currency", f"is {code} in a {currency} document (currencies never mix)")
        if positive and minor <= 0:
            f.fail("minor", f"must be more than zero, not {minor}")
        if len(_GOOD_CODES) < 64:  # remembered for the fast path (bounded: codes are few)
            _GOOD_CODES.add(code)
        return Amount(minor, code)

    def opt_money(self, name: str, **kwargs: Any) -> Amount | None:
        return None if self.is_null(name) else self.money(name, **kwargs)

    def nonneg_money(self, name: str, *, currency: str) -> Amount:
        amount = self.money(name, currency=currency)
        if amount.minor < 0:
            self.fail(name, f"must not be negative, not {amount.minor}")
        return amount

    # -- structure -------------------------------------------------------------------------
    def obj(self, name: str) -> Fields:
        return Fields(self.get(name), parent=self, key=name)

    def opt_obj(self, name: str) -> Fields | None:
        return None if self.is_null(name) else self.obj(name)

    def items(self, name: str, *, min_len: int = 0, max_len: int = MAX_ITEMS) -> list[Fields]:
        value = self.get(name)
        if not isinstance(value, list):
            self.fail(name, "must be a list")
        if len(value) < min_len:
            self.fail(name, f"needs at least {min_len} item(s)")
        if len(value) > max_len:
            self.fail(name, f"has more than {max_len} items")
        return [Fields(item, parent=self, key=(name, i)) for i, item in enumerate(value)]

    def text_map(self, name: str, *, max_items: int = 50) -> dict[str, str]:
        """A flat object of short strings (``details``); values are free text."""
        f = self.obj(name)
        if len(f.raw) > max_items:
            self.fail(name, f"has more than {max_items} entries")
        out: dict[str, str] = {}
        for key in f.raw:
            if not CODE_RE.fullmatch(key):
                f.fail(key, "is not a lower-case key")
            out[key] = f.text(key, max_len=200, free=True)
        return out

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)


def sum_minor(amounts: list[Amount]) -> int:
    return sum(a.minor for a in amounts)
