"""Reading a page of head-office changes into the store's values, strictly.

A page is ``{"changes": [...], "cursor": str, "more": bool}``; each change is
``{"kind": "product"|"user"|"vat_class", "id", "version", "data": {...}}``. The page's own
shape must be right (else the whole page is refused and the cursor stays); a single product
or user change that is wrong is left out with a problem sentence, so one bad product never
stops the catalog.

VAT classes are stricter: a rate is money on every receipt, so a class change that is
wrong (a rate that is not a number, outside 0-100, exempt with a rate) refuses the whole
page, and so does a product naming a class the till knows neither from its configuration
nor from head office (:func:`apply_catalog`). Nothing of such a page is applied, the
cursor stays, and the reason is the agent's last error, on the manager's sync screen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pos.store import sync_state, vat_classes
from pos.store.sync_state import (
    ProductChange,
    UserChange,
    valid_kra_item_class,
    valid_vat_code,
)
from pos.store.vat_classes import KENYA_VAT, Session, TaxTable, VatClassChange
from sync.agent.client import TransientError

_CURRENCY_RE = re.compile(r"[A-Z]{3}")
_BARCODE_RE = re.compile(r"[0-9A-Za-z]{1,14}")
_ROLES = frozenset({"cashier", "supervisor", "manager"})
_MAX_MINOR = 10**13
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class PageError(ValueError):
    """The page itself is not what the contract says."""


class PageRefused(TransientError):
    """A page this till must not apply as it is (a product in a VAT class it does not
    know): nothing of it is applied, the cursor stays, the pull is tried again later."""


@dataclass(frozen=True, slots=True)
class ChangePage:
    products: tuple[ProductChange, ...]
    users: tuple[UserChange, ...]
    cursor: str
    more: bool
    problems: tuple[str, ...]
    vat_classes: tuple[VatClassChange, ...] = ()


def _text(data: dict[str, Any], key: str, max_len: int, *, empty_ok: bool = False) -> str:
    value = data.get(key)
    if not isinstance(value, str) or (not value.strip() and not empty_ok) or len(value) > max_len:
        raise ValueError(f"{key} must be text of 1 to {max_len} characters")
    return value.strip()


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false")
    return value


def product_change(data: Any) -> ProductChange:
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    price = data.get("price_minor")
    if isinstance(price, bool) or not isinstance(price, int) or not 0 <= price <= _MAX_MINOR:
        raise ValueError("price_minor must be a whole number of minor units, 0 or more")
    currency = data.get("currency")
    if not isinstance(currency, str) or not _CURRENCY_RE.fullmatch(currency):
        raise ValueError("currency must be an ISO 4217 code")
    vat = data.get("vat_class")
    code = vat.get("code") if isinstance(vat, dict) else None
    if not isinstance(code, str) or not valid_vat_code(code):
        raise ValueError("vat_class.code must be 1 to 4 letters or digits")
    barcodes = data.get("barcodes")
    if not isinstance(barcodes, list) or not all(
        isinstance(b, str) and _BARCODE_RE.fullmatch(b) for b in barcodes
    ):
        raise ValueError("barcodes must be a list of codes of up to 14 letters or digits")
    category = data.get("category") or ""
    if not isinstance(category, str) or len(category) > 80:
        raise ValueError("category must be text of up to 80 characters")
    # optional: a head office from before the field sends none (the branch default)
    kra_class = data.get("kra_item_class")
    if kra_class is not None and (
        not isinstance(kra_class, str) or not valid_kra_item_class(kra_class)
    ):
        raise ValueError("kra_item_class must be null or 1 to 10 digits")
    return ProductChange(
        sku=_text(data, "sku", 64),
        name=_text(data, "name", 200),
        barcodes=tuple(barcodes),
        price_minor=price,
        currency=currency,
        vat_class=code,
        category=category,
        active=_flag(data, "active"),
        kra_item_class=kra_class,
    )


def vat_class_change(data: Any, version: Any) -> VatClassChange:
    """A ``vat_class`` change, checked as the till's tax table would check it."""
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    code = data.get("code")
    if not isinstance(code, str) or not valid_vat_code(code):
        raise ValueError("code must be 1 to 4 letters or digits")
    raw = data.get("rate")
    try:
        rate = Decimal(raw) if isinstance(raw, str) and len(raw) <= 12 else None
    except InvalidOperation:
        rate = None
    if rate is None or not rate.is_finite():
        raise ValueError(f"rate {raw!r} is not a percentage")
    if not 0 <= rate <= 100:
        raise ValueError(f"rate {raw} is not between 0 and 100 percent")
    exempt = _flag(data, "exempt")
    if exempt and rate != 0:
        raise ValueError(f"an exempt class cannot have a rate ({raw} %)")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValueError("version must be a whole number")
    return VatClassChange(
        code=code,
        name=_text(data, "name", 80),
        rate=rate,
        exempt=exempt,
        active=_flag(data, "active"),
        version=version,
    )


def user_change(data: Any) -> UserChange:
    if not isinstance(data, dict):
        raise ValueError("data must be an object")
    role = data.get("role")
    if role not in _ROLES:
        raise ValueError(f"role must be one of {', '.join(sorted(_ROLES))}")
    setup = data.get("setup_code")
    sha256, expires = "", None
    if setup is not None:  # a PIN set-up code made at head office: its hash, never the code
        if not isinstance(setup, dict) or not _SHA256_RE.fullmatch(str(setup.get("sha256"))):
            raise ValueError("setup_code.sha256 must be 64 lowercase hex digits")
        try:
            expires = datetime.fromisoformat(str(setup.get("expires_at")))
        except ValueError:
            raise ValueError("setup_code.expires_at must be an ISO 8601 time") from None
        if expires.tzinfo is None:
            raise ValueError("setup_code.expires_at must carry its UTC offset")
        sha256 = str(setup["sha256"])
    return UserChange(
        user_id=_text(data, "id", 36),
        name=_text(data, "name", 80),
        role=str(role),
        active=_flag(data, "active"),
        setup_code_sha256=sha256,
        setup_code_expires_at=expires,
    )


def parse_page(body: Any) -> ChangePage:
    if not isinstance(body, dict):
        raise PageError("the changes answer is not an object")
    raw = body.get("changes")
    cursor = body.get("cursor")
    more = body.get("more")
    if not isinstance(raw, list):
        raise PageError("changes must be a list")
    if not isinstance(cursor, str) or not cursor or len(cursor) > 500:
        raise PageError("cursor must be text of 1 to 500 characters")
    if not isinstance(more, bool):
        raise PageError("more must be true or false")
    # the newest version of each product/user in the page wins (pages are in order)
    products: dict[str, ProductChange] = {}
    users: dict[str, UserChange] = {}
    classes: dict[str, VatClassChange] = {}
    problems: list[str] = []
    for n, change in enumerate(raw):
        kind = change.get("kind") if isinstance(change, dict) else None
        ident = change.get("id") if isinstance(change, dict) else None
        if kind == "vat_class":  # a rate is on every receipt: a wrong one refuses the page
            try:
                vc = vat_class_change(change.get("data"), change.get("version"))
            except ValueError as exc:
                raise PageError(f"VAT class change {n} ({ident}): {exc}") from None
            classes.pop(vc.code, None)
            classes[vc.code] = vc
            continue
        try:
            if kind == "product":
                p = product_change(change.get("data"))
                products.pop(p.sku, None)
                products[p.sku] = p
            elif kind == "user":
                u = user_change(change.get("data"))
                users.pop(u.user_id, None)
                users[u.user_id] = u
            else:
                raise ValueError(f"kind {kind!r} is not product, user or vat_class")
        except ValueError as exc:
            problems.append(f"change {n} ({kind} {ident}): {exc}")
    return ChangePage(
        tuple(products.values()),
        tuple(users.values()),
        cursor,
        more,
        tuple(problems),
        tuple(classes.values()),
    )


def apply_catalog(
    session: Session, page: ChangePage, now: datetime, configured: TaxTable = KENYA_VAT
) -> int:
    """Apply the page's VAT classes, then its products, in the caller's transaction (the
    page's, with its cursor). Raises :class:`PageRefused` (the transaction rolls back:
    nothing applied, the cursor not moved) when a product names a class known neither
    from ``configured`` (the till's own table; Kenya's unless configured otherwise) nor
    from head office, now or in this page. Returns how many changes were written."""
    written = vat_classes.apply_vat_classes(session, page.vat_classes, now)
    named = {p.vat_class for p in page.products}
    unknown = sorted(named - set(configured.codes()) - vat_classes.known_codes(session))
    if unknown:
        skus = sorted(p.sku for p in page.products if p.vat_class in unknown)
        raise PageRefused(
            f"The head office's changes name VAT class {', '.join(unknown)}, which this till "
            f"does not know (products {', '.join(skus[:5])}"
            f"{' …' if len(skus) > 5 else ''}): nothing applied; it is tried again at the "
            "next pull, once head office sends the class."
        )
    return written + sync_state.apply_products(session, page.products, now)
