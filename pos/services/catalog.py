"""Importing the catalog from CSV: every bad row reported, nothing half-imported.

Columns (header required, any order): ``sku``, ``name``, ``price``, ``vat_class`` and
optionally ``barcode``, ``category``, ``active``, ``kra_item_class`` (the product's KRA
eTIMS item classification, 1 to 10 digits; empty: the branch's ``[etims] item_class``;
a file without the column leaves the classes already set as they are). Prices are
VAT-inclusive, in the store's currency, written as on a shelf label (``1,250.00``). The
file is checked completely first; if any row is bad, nothing is written unless the
caller asks to skip bad rows.

A row the CSV reader itself cannot take (a field over the reader's limit of 131,072
characters, a broken quote) is reported on its line like any other bad row; so is a
field holding a NUL byte, a line break or another control character, which would
otherwise reach the database, the screen and the receipt as it is.

Each bad line is a coded message (:data:`ROW` around one of the ``catalog.import.*``
problems, naming the column, the value and what is wrong), so the wizard and the
Products screen show it in the reader's language; ``str()`` of a :class:`RowError` (the
exported error file, logs, the command line) stays English.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pos.domain.barcode import normalize_barcode
from pos.domain.catalog import CatalogItem, valid_kra_item_class
from pos.domain.errors import DomainError
from pos.domain.messages import Message, define
from pos.domain.money import Money
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.context import Clock
from pos.services.errors import ServiceError
from pos.store import repositories as repo
from pos.store.db import Database

REQUIRED_COLUMNS = ("sku", "name", "price", "vat_class")
OPTIONAL_COLUMNS = ("barcode", "category", "active", "kra_item_class")
_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_TRUE = {"", "1", "yes", "y", "true", "active"}
_FALSE = {"0", "no", "n", "false", "inactive"}
NAME_LIMIT = 200  # characters in a product's name
WRITE_CHUNK = 5000
#: how often (rows) a long import says how far it got
PROGRESS_EVERY = 2000

#: ``progress(phase, done, total)``: phase ``"check"`` counts lines read of the file's
#: lines (header not counted), ``"write"`` counts products written of those to write.
#: Called on the thread the import runs on; a screen hops it to its own thread.
Progress = Callable[[str, int, int], None]


#: one bad line of the report: its number and what is wrong with it (a message below)
ROW = define("catalog.import.row", "line {line}: {problem}")
SKU_BAD = define(
    "catalog.import.sku_bad",
    "SKU {value} is missing or has characters other than letters, digits, . _ / -",
)
NAME_MISSING = define("catalog.import.name_missing", "name is missing")
NAME_LONG = define("catalog.import.name_long", "name is over {limit} characters")
PRICE_MISSING = define("catalog.import.price_missing", "price is missing")
#: ``problem``: Money's own message ("'abc' is not an amount…"), itself translated
PRICE_BAD = define("catalog.import.price_bad", "price: {problem}")
PRICE_NOT_POSITIVE = define(
    "catalog.import.price_not_positive", "price {value} must be more than zero"
)
VAT_BAD = define("catalog.import.vat_bad", "VAT class {value} is not one of {choices}")
ACTIVE_BAD = define("catalog.import.active_bad", "active must be yes or no, not {value}")
KRA_CLASS_BAD = define(
    "catalog.import.kra_class_bad",
    "kra_item_class {value} must be 1 to 10 digits (a code from KRA's item "
    "classification list), or empty for the branch default",
)
SKU_TWICE = define("catalog.import.sku_twice", "SKU {value} is also on line {other}")
BARCODE_TWICE = define("catalog.import.barcode_twice", "barcode {value} is also on line {other}")
BARCODE_TAKEN = define(
    "catalog.import.barcode_taken",
    "barcode {value} already belongs to SKU {owner} in the catalog",
)
#: the barcode checks of :mod:`pos.domain.barcode` without their "rescan" advice (a file
#: is not scanned), by the barcode message's code
BARCODE_BAD = {
    "barcode.not_digits": define(
        "catalog.import.barcode_not_digits",
        "Barcode {code} contains characters other than digits",
    ),
    "barcode.wrong_length": define(
        "catalog.import.barcode_wrong_length",
        "Barcode {code} has {digits} digits; a barcode has 8, 12, 13 or 14",
    ),
    "barcode.wrong_check_digit": define(
        "catalog.import.barcode_wrong_check_digit",
        "Barcode {code} has a wrong check digit (expected {expected})",
    ),
}
FIELD_TOO_LONG = define(
    "catalog.import.field_too_long", "a field is longer than {limit} characters"
)
#: ``detail``: the CSV reader's own (English) words, kept for whoever fixes the file
NOT_CSV = define("catalog.import.not_csv", "the line cannot be read as CSV ({detail})")
EXTRA_FIELDS = define("catalog.import.extra_fields", "fields beyond the header's columns: {count}")
#: ``what``: one of the three below
CONTROL = define("catalog.import.control", "{column} holds {what}; type it on one line")
LINE_BREAK = define("catalog.import.line_break", "a line break")
NUL_BYTE = define("catalog.import.nul_byte", "a NUL byte")
CONTROL_CHAR = define("catalog.import.control_char", "the control character {char}")


@dataclass(frozen=True, slots=True)
class RowError:
    """One bad line: ``reason`` in English (what the tests and the error file read),
    ``problem`` the same as a message for the reader's language."""

    line: int  # line number in the file, header = 1
    reason: str
    problem: Message | None = field(default=None, compare=False)

    @classmethod
    def of(cls, line: int, problem: Message) -> RowError:
        """The error on ``line`` saying ``problem``."""
        return cls(line, str(problem), problem)

    @property
    def message(self) -> Message:
        """The whole line of the report ("line 3: price: …") as a message to render."""
        problem = self.problem if self.problem is not None else Message.plain(self.reason)
        return ROW(line=str(self.line), problem=problem)

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    imported: int = 0
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


class CatalogImportError(ServiceError):
    """The file as a whole cannot be read (missing columns, not text, not found)."""


class _Lines:
    """The file's lines for the CSV reader, remembering how many it took and which were
    blank, so a row (or a row the reader refused) is reported on the line it starts."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.blank: list[bool] = []
        #: the file's lines after the header (an upper bound on its rows), for progress
        self.total = max(text.count("\n") + (0 if text.endswith("\n") else 1) - 1, 0)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.blank.append(not line.strip("\r\n"))
        return line

    def first_after(self, taken: int) -> int:
        """Line number (1-based) of the first non-blank line read after ``taken`` lines."""
        for index in range(taken, len(self.blank)):
            if not self.blank[index]:
                return index + 1
        return max(len(self.blank), 1)


def _control(text: str) -> Message | None:
    """Describe the first control character in ``text`` (None when there is none)."""
    for char in text:
        if char in "\r\n\u2028\u2029":
            return LINE_BREAK()
        if char == "\x00":
            return NUL_BYTE()
        if unicodedata.category(char) == "Cc":
            return CONTROL_CHAR(char=f"U+{ord(char):04X}")
    return None


#: a row's values by column, or the message saying why the line is no row
Row = dict[str, str] | Message


def _rows(path: Path, progress: Progress | None = None) -> Iterator[tuple[int, Row]]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CatalogImportError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogImportError(
            f"{path} is not UTF-8 text. Save it from the spreadsheet as 'CSV UTF-8'."
        ) from None
    lines = _Lines(text)
    reader = csv.DictReader(lines)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as exc:
        raise CatalogImportError(f"{path.name}: the first line cannot be read ({exc}).") from None
    header = [h.strip().lower() for h in (fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogImportError(
            f"{path.name} lacks these columns: {', '.join(missing)}. The first line must "
            f"name the columns: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}."
        )
    reader.fieldnames = header
    reported = 0
    while True:
        taken = len(lines.blank)
        if progress is not None and taken - reported >= PROGRESS_EVERY:
            reported = taken
            progress("check", max(taken - 1, 0), lines.total)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            limit = csv.field_size_limit()
            reason = (
                FIELD_TOO_LONG(limit=limit)
                if "field limit" in str(exc)
                else NOT_CSV(detail=str(exc))
            )
            yield lines.first_after(taken), reason
            continue
        line = lines.first_after(taken)
        extra = row.pop(None, None)
        if extra:
            yield line, EXTRA_FIELDS(count=len(extra))
            continue
        values = {k: (v or "").strip() for k, v in row.items() if k}
        bad = next(
            ((k, found) for k, v in values.items() if (found := _control(v)) is not None), None
        )
        if bad is not None:
            yield line, CONTROL(column=bad[0], what=bad[1])
            continue
        yield line, values


def parse_row(row: Row, currency: str, vat_codes: tuple[str, ...]) -> CatalogItem:
    """One CSV row → a catalog item, or a DomainError (its ``msg`` one of the
    ``catalog.import.*`` messages) naming the first problem."""
    if isinstance(row, Message):
        raise DomainError(row)
    sku = row.get("sku", "")
    if not _SKU_RE.match(sku):
        raise DomainError(SKU_BAD(value=repr(sku)))
    name = row.get("name", "")
    if not name:
        raise DomainError(NAME_MISSING())
    if len(name) > NAME_LIMIT:
        raise DomainError(NAME_LONG(limit=NAME_LIMIT))
    barcode_text = row.get("barcode", "")
    barcode: str | None = None
    if barcode_text:
        try:
            barcode = normalize_barcode(barcode_text)
        except DomainError as exc:
            template = BARCODE_BAD.get(exc.msg.code)
            raise DomainError(
                template(**exc.msg.values()) if template is not None else exc.msg
            ) from None
    price_text = row.get("price", "")
    if not price_text:
        raise DomainError(PRICE_MISSING())
    try:
        price = Money.parse(price_text, currency)
    except DomainError as exc:
        raise DomainError(PRICE_BAD(problem=exc.msg)) from None
    if price.minor <= 0:
        raise DomainError(PRICE_NOT_POSITIVE(value=price_text))
    vat = row.get("vat_class", "").upper()
    if vat not in vat_codes:
        raise DomainError(VAT_BAD(value=repr(vat), choices=", ".join(vat_codes)))
    active_text = row.get("active", "").lower()
    if active_text not in _TRUE | _FALSE:
        raise DomainError(ACTIVE_BAD(value=repr(row.get("active"))))
    kra_class = row.get("kra_item_class", "")
    if kra_class and not valid_kra_item_class(kra_class):
        raise DomainError(KRA_CLASS_BAD(value=repr(kra_class)))
    return CatalogItem(
        product_id=None,
        sku=sku,
        barcode=barcode,
        name=name,
        category=row.get("category", ""),
        price=price,
        vat_class=vat,
        active=active_text in _TRUE,
        kra_item_class=kra_class or None,
    )


class CatalogService:
    """Catalog maintenance on the terminal (head-office push comes with sync)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        currency: str,
        vat_codes: tuple[str, ...],
        auth: AuthService,
        audit: AuditWriter,
    ) -> None:
        self._db = db
        self._clock = clock
        self._currency = currency
        self._vat_codes = vat_codes
        self._auth = auth
        self._audit = audit

    def import_csv(
        self,
        path: Path,
        *,
        skip_errors: bool = False,
        operator: str | None = None,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Check the whole file, then write it in one transaction (or not at all).

        Needs a logged-in manager (IMPORT_CATALOG), or an explicit ``operator`` for runs
        outside the till's screens (``kaunta import-catalog`` names the OS user; demo
        seeding says so). Either way the import is audited with the file's SHA-256.
        ``progress`` hears how far a long file got (see :data:`Progress`).
        """
        actor = operator or self._auth.require(Permission.IMPORT_CATALOG).user_id
        report = ImportReport()
        items: list[CatalogItem] = []
        seen_sku: dict[str, int] = {}
        seen_barcode: dict[str, int] = {}
        with_class = False  # the file has the kra_item_class column
        for line, row in _rows(path, progress):
            report.rows += 1
            if not isinstance(row, Message) and "kra_item_class" in row:
                with_class = True
            try:
                item = parse_row(row, self._currency, self._vat_codes)
            except DomainError as exc:
                report.errors.append(RowError.of(line, exc.msg))
                continue
            if item.sku in seen_sku:
                other = str(seen_sku[item.sku])
                report.errors.append(RowError.of(line, SKU_TWICE(value=item.sku, other=other)))
                continue
            if item.barcode and item.barcode in seen_barcode:
                other = str(seen_barcode[item.barcode])
                report.errors.append(
                    RowError.of(line, BARCODE_TWICE(value=item.barcode, other=other))
                )
                continue
            seen_sku[item.sku] = line
            if item.barcode:
                seen_barcode[item.barcode] = line
            items.append(item)
        with self._db.session() as s:
            owners = repo.barcode_owners(s, [i.barcode for i in items if i.barcode])
        good: list[CatalogItem] = []
        for item in items:
            owner = owners.get(item.barcode or "")
            if owner is not None and owner != item.sku:
                report.errors.append(
                    RowError.of(seen_sku[item.sku], BARCODE_TAKEN(value=item.barcode, owner=owner))
                )
            else:
                good.append(item)
        report.errors.sort(key=lambda e: e.line)
        detail: dict[str, object] = {
            "file": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "rows": report.rows,
            "errors": len(report.errors),
        }
        if report.errors and not skip_errors:
            with self._db.session() as s:
                self._audit.write(
                    s, user_id=actor, action="catalog_import", result="refused", detail=detail
                )
            return report
        now = self._clock.now()
        with self._db.session() as s:
            for start in range(0, len(good), WRITE_CHUNK):
                if progress is not None:
                    progress("write", start, len(good))
                repo.upsert_products(
                    s, good[start : start + WRITE_CHUNK], now, with_class=with_class
                )
            self._audit.write(
                s,
                user_id=actor,
                action="catalog_import",
                result="ok",
                detail={**detail, "imported": len(good)},
            )
        report.imported = len(good)
        report.written = True
        return report

    def count(self) -> int:
        with self._db.session() as s:
            return repo.count_products(s)
