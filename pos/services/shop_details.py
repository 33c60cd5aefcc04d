"""The shop's details after set-up: name, address, phone, KRA PIN, receipt header and
footer, currency, time zone, languages and the branch's KRA eTIMS device.

The set-up wizard writes them into the config file once; a manager changes them later on
the manager's "Shop details" screen, which calls this service. Every call needs
``manage_settings`` (managers only), checked here whatever the screen shows, and a save
is audited with each field's old and new value.

What a save does:

* The new file is the old one with only the changed keys rewritten
  (:mod:`pos.services.config_file`: comments and hand-made layout stay) and is checked as
  start-up checks it (the composition root's ``check``) before it replaces the old one
  atomically; a value start-up would refuse is refused here, naming the key, and nothing
  is written.
* What is printed on receipts (name, address, phone, KRA PIN, header, footer, receipt
  language) applies at once: the next receipt shows it. Receipts already printed keep
  what they printed (each sale stores the details it was printed with).
* The currency, the time zone, the login screen's language, eTIMS and the payment methods
  offered are read at start:
  they apply when Kaunta starts again, and the answer says so (``SaveResult.restart``).

What a save refuses:

* Training mode: the demo shop's details are not the shop's (they live in no file).
* The store code and till number: they begin every receipt number and the journal's seal,
  and on an enrolled till head office assigned them.
* On an enrolled till, the currency and eTIMS: head office owns them (it keeps the books
  in one currency and submits the store's sales to KRA).
* The currency, once this till has recorded anything in the old one (a sale, a shift, a
  refund, a payment attempt, or products priced in it). A till keeps one currency for its
  books, as every serious till does: totals, Z reports and the journal would otherwise
  mix two currencies, and product prices kept in minor units would silently change value
  (KES 150.00 is 15000 cents; the same number is UGX 15,000). A shop changing currency
  starts a new till.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from pos.domain.messages import define
from pos.domain.money import exponent
from pos.domain.receipt import StoreInfo
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Permission
from pos.services.config_file import ConfigEditError, TomlValue, edit_config, write_atomically
from pos.services.errors import ServiceError
from pos.store.db import Database
from pos.store.models import PaymentAttempt, Product, RefundRecord, SaleRecord, ShiftRecord

log = logging.getLogger(__name__)

#: the ``[etims]`` keys the screen sets (the wizard's); any other key there is kept
ETIMS_KEYS = ("tin", "bhf_id", "device_serial", "environment", "base_url", "verify_host")

TRAINING_FIXED = define(
    "shop_details.training",
    "Training mode: the demo shop's details cannot be changed. Change your shop's details "
    "on the live till.",
)
IDENTITY_FIXED = define(
    "shop_details.identity",
    "The store code and till number cannot be changed after set-up: they begin every "
    "receipt number and seal the journal.",
)
HEAD_OFFICE_OWNS = define(
    "shop_details.head_office",
    "This till is enrolled: head office owns its {what}. Change it at head office.",
)
CURRENCY_IN_USE = define(
    "shop_details.currency_in_use",
    "Currency: this till has recorded money in {currency} already ({sales} sales, {shifts} "
    "shifts, {refunds} refunds, {attempts} payment attempts, {products} products priced in "
    "it), and a till keeps one currency for its books. To sell in {new}, set up a new till.",
)
METHODS_UNKNOWN = define(
    "shop_details.methods_unknown",
    "Payments: {codes} is not installed on this computer; choose among the methods shown.",
)
NO_CONFIG_FILE = define(
    "shop_details.no_file",
    "There is no config file at {path}: this till was not set up with the set-up wizard.",
)


@dataclass(frozen=True, slots=True)
class ShopSettings:
    """The shop's details as the config file keeps them (``header`` and ``footer`` are
    ``[receipt]``'s; the running till prints the header under the address)."""

    store_name: str
    address: tuple[str, ...] = ()
    phone: str = ""
    tax_pin: str = ""
    vat_registered: bool = True
    store_id: str = "SHOP1"
    terminal_id: str = "T1"
    currency: str = "KES"
    timezone: str = "Africa/Nairobi"
    #: ``[ui] language``: the login screen's language before anyone logs in
    screen_language: str = "en"
    receipt_language: str = "en"
    header: tuple[str, ...] = ()
    footer: tuple[str, ...] = ()
    #: the ``[etims]`` keys of :data:`ETIMS_KEYS` that are set (empty: no eTIMS here)
    etims: tuple[tuple[str, str], ...] = field(default=())
    #: ``[payments] methods``: the payment methods the till offers (codes, cash first)
    methods: tuple[str, ...] = ("cash",)

    def store_info(self) -> StoreInfo:
        """Who issues the receipt, as the config loader builds it."""
        return StoreInfo(
            store_id=self.store_id,
            name=self.store_name,
            address=self.address + self.header,
            phone=self.phone,
            tax_pin=self.tax_pin,
            footer=self.footer,
        )


#: each field's place in the config file (``etims`` is a section of its own)
KEYS: dict[str, tuple[str, str]] = {
    "store_name": ("terminal", "store_name"),
    "address": ("terminal", "address"),
    "phone": ("terminal", "phone"),
    "tax_pin": ("terminal", "tax_pin"),
    "vat_registered": ("terminal", "vat_registered"),
    "store_id": ("terminal", "store_id"),
    "terminal_id": ("terminal", "terminal_id"),
    "currency": ("terminal", "currency"),
    "timezone": ("terminal", "timezone"),
    "screen_language": ("ui", "language"),
    "receipt_language": ("receipt", "language"),
    "header": ("receipt", "header"),
    "footer": ("receipt", "footer"),
    "methods": ("payments", "methods"),
}
#: fields a running till uses from the next receipt on
APPLIES_NOW = frozenset(
    {
        "store_name",
        "address",
        "phone",
        "tax_pin",
        "vat_registered",
        "receipt_language",
        "header",
        "footer",
    }
)
#: fields read at start only (the composition root builds the till from them)
NEEDS_RESTART = frozenset({"currency", "timezone", "screen_language", "etims", "methods"})


@dataclass(frozen=True, slots=True)
class SaveResult:
    """What a save changed (field names), what of it applies now, what after a restart."""

    changed: tuple[str, ...]
    now: tuple[str, ...]
    restart: tuple[str, ...]
    path: str


def cash_rounding_increment(currency: str) -> str:
    """One whole unit of ``currency`` with exactly its decimals ("1.00" KES, "1" UGX), as
    the wizard writes ``[policy] cash_rounding_increment``."""
    digits = exponent(currency)
    return "1." + "0" * digits if digits else "1"


def _value(settings: ShopSettings, name: str) -> TomlValue:
    value = getattr(settings, name)
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True, slots=True)
class ShopScreen:
    """What the screen opens with: the details, whether head office owns part of them,
    and what this till recorded in its currency ("" when nothing: it may change)."""

    settings: ShopSettings
    enrolled: bool
    recorded: dict[str, int]
    path: str
    #: the payment methods installed on this computer (code, label; cash first)
    installed: tuple[tuple[str, str], ...] = ()

    @property
    def currency_fixed(self) -> bool:
        """The currency cannot change here (head office's, or money recorded in it)."""
        return self.enrolled or any(self.recorded.values())


class ShopDetailsService:
    """The shop details screen's use cases (run on the till worker)."""

    def __init__(
        self,
        db: Database,
        auth: AuthService,
        audit: AuditWriter,
        config_path: Path,
        current: ShopSettings,
        *,
        check: Callable[[str], str | None],
        apply: Callable[[ShopSettings], None],
        training: bool,
        enrolled: Callable[[], bool] = lambda: False,
        installed: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """``check``: the problem start-up would find in this config text (None: it
        starts); ``apply``: use these details on the running till now (the store printed
        on receipts, the receipt language)."""
        self._db = db
        self._auth = auth
        self._audit = audit
        self.config_path = config_path
        self._current = current
        self._check = check
        self._apply = apply
        self.training = training
        self._enrolled = enrolled
        self.installed = installed
        #: makes the screen's config check and eTIMS test (the composition root's, built
        #: when the screen first opens, so start-up never imports them); None: no test
        self.screen_checks: Callable[[], Any] | None = None

    def enrolled(self) -> bool:
        """Whether head office owns the store code, till number, currency and eTIMS."""
        return self._enrolled()

    def current(self) -> ShopSettings:
        """The details the screen starts from (manager only)."""
        self._auth.require(Permission.MANAGE_SETTINGS)
        return self._current

    def screen(self) -> ShopScreen:
        """Open the screen: managers only, on a live till."""
        self._auth.require(Permission.MANAGE_SETTINGS)
        if self.training:
            raise ServiceError(TRAINING_FIXED())
        return ShopScreen(
            self._current,
            self._enrolled(),
            self.money_recorded(),
            str(self.config_path),
            self.installed,
        )

    def money_recorded(self) -> dict[str, int]:
        """How many sales, shifts, refunds, payment attempts and products this till has
        in its currency (all 0: the currency may still change)."""
        currency = self._current.currency
        with self._db.read_session() as s:

            def count(model: type[Any], *where: Any) -> int:
                return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)

            return {
                "sales": count(SaleRecord),
                "shifts": count(ShiftRecord),
                "refunds": count(RefundRecord),
                "attempts": count(PaymentAttempt),
                "products": count(Product, Product.currency == currency),
            }

    def changes(self, new: ShopSettings) -> tuple[str, ...]:
        """The fields ``new`` changes, in the screen's order."""
        old = self._current
        return tuple(
            f.name for f in fields(ShopSettings) if getattr(old, f.name) != getattr(new, f.name)
        )

    def save(self, new: ShopSettings) -> SaveResult:
        """Check, write and apply ``new`` (see the module's description); a refusal
        changes nothing."""
        user = self._auth.require(Permission.MANAGE_SETTINGS)
        if self.training:
            raise ServiceError(TRAINING_FIXED())
        changed = self.changes(new)
        path = self.config_path
        if not changed:
            return SaveResult((), (), (), str(path))
        old = self._current
        if "store_id" in changed or "terminal_id" in changed:
            raise ServiceError(IDENTITY_FIXED())
        if self._enrolled():
            if "currency" in changed:
                raise ServiceError(HEAD_OFFICE_OWNS(what="currency"))
            if "etims" in changed:
                raise ServiceError(HEAD_OFFICE_OWNS(what="KRA eTIMS settings"))
        if "methods" in changed and self.installed:
            codes = {code for code, _label in self.installed}
            unknown = [m for m in new.methods if m not in codes]
            if unknown:
                raise ServiceError(METHODS_UNKNOWN(codes=", ".join(unknown)))
        if "currency" in changed:
            recorded = self.money_recorded()
            if any(recorded.values()):
                raise ServiceError(
                    CURRENCY_IN_USE(currency=old.currency, new=new.currency, **recorded)
                )
        try:
            edited = self.render(new)
        except ConfigEditError as exc:
            raise ServiceError(str(exc)) from None
        problem = self._check(edited)
        if problem is not None:
            raise ServiceError(problem)
        detail: dict[str, object] = {
            name: [_audit_value(getattr(old, name)), _audit_value(getattr(new, name))]
            for name in changed
        }
        with self._db.session() as s:
            self._audit.write(s, user_id=user.user_id, action="shop_details_saved", detail=detail)
            # written inside the audit's transaction: a file that cannot be written rolls
            # the entry back, so the log never claims a change the file does not have
            write_atomically(path, edited)
        self._current = new
        now = tuple(name for name in changed if name in APPLIES_NOW)
        restart = tuple(name for name in changed if name in NEEDS_RESTART)
        if now:
            self._apply(new)
        log.info("shop details saved to %s: %s", path, ", ".join(changed))
        return SaveResult(changed, now, restart, str(path))

    def render(self, new: ShopSettings) -> str:
        """The config file as it would be with ``new`` (nothing checked or written);
        :class:`ConfigEditError` when the file cannot be changed safely."""
        path = self.config_path
        if not path.is_file():
            raise ServiceError(NO_CONFIG_FILE(path=str(path)))
        text = path.read_text(encoding="utf-8")
        return edit_config(text, self._edits(new, self.changes(new)), name=str(path))

    def _edits(
        self, new: ShopSettings, changed: tuple[str, ...]
    ) -> dict[str, dict[str, TomlValue | None]]:
        edits: dict[str, dict[str, TomlValue | None]] = {}
        for name in changed:
            if name == "etims":
                wanted = dict(new.etims)
                edits["etims"] = {key: wanted.get(key) for key in ETIMS_KEYS}
                continue
            table, key = KEYS[name]
            edits.setdefault(table, {})[key] = _value(new, name)
        if "currency" in changed:  # cash is rounded to whole units of the new currency
            edits.setdefault("policy", {})["cash_rounding_increment"] = cash_rounding_increment(
                new.currency
            )
        return edits


def _audit_value(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value
