"""The shop details screen's side in the composition root.

:class:`pos.services.shop_details.ShopDetailsService` may not read the config file's
rules (``pos.config``) or touch the screens' languages; this module gives it both: the
details as the file has them now, a check that loads an edited file exactly as a start
loads it, and what "apply now" means on the running till (the store printed on the next
receipt, the receipt language). The manager's screen also gets the wizard's eTIMS test
(:class:`pos.shop_checks.ShopChecks`, made when the screen first opens) on the details it
shows, so "Test connection and initialise" works there as it does in the wizard.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos.config import Config, ConfigError, load_config
from pos.services.audit import AuditWriter
from pos.services.shop_details import ETIMS_KEYS, ShopDetailsService, ShopSettings
from pos.services.terminal import Terminal

if TYPE_CHECKING:
    from pos.app import Payments


def _env_without_training() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k != "KAUNTA_TRAINING"}


def _lines(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        return ()
    return tuple(str(line).strip() for line in value if str(line).strip())


def settings_of(config: Config) -> ShopSettings:
    """The shop's details as ``config`` has them (checked by ``load_config`` already);
    a key the file leaves out reads as the till uses it."""
    raw = config.raw
    receipt = raw.get("receipt", {}) if isinstance(raw.get("receipt"), dict) else {}
    etims = raw.get("etims", {}) if isinstance(raw.get("etims"), dict) else {}
    payments = raw.get("payments", {}) if isinstance(raw.get("payments"), dict) else {}
    methods = payments.get("methods", [])
    header = _lines(receipt.get("header", []))
    store = config.store
    address = store.address[: len(store.address) - len(header)] if header else store.address
    return ShopSettings(
        store_name=store.name,
        address=address,
        phone=store.phone,
        tax_pin=store.tax_pin,
        vat_registered=config.vat_registered,
        store_id=store.store_id,
        terminal_id=config.terminal_id,
        currency=config.currency,
        timezone=config.timezone,
        screen_language=config.language,
        receipt_language=config.receipt_language,
        header=header,
        footer=store.footer,
        etims=tuple((k, str(etims[k])) for k in ETIMS_KEYS if etims.get(k) not in (None, "")),
        methods=tuple(str(m) for m in methods) if isinstance(methods, list) else (),
    )


def load_text(config: Config, text: str) -> Config:
    """``text`` loaded as a live start loads the file: every key checked, every message
    naming the real file (not the temporary copy it is read from)."""
    folder = config.config_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=".kaunta-check.", suffix=".toml", dir=folder)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        try:
            loaded = load_config(
                Path(temporary), config.data_dir, False, env=_env_without_training()
            )
        except ConfigError as exc:
            raise ConfigError(str(exc).replace(temporary, str(config.config_path))) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return replace(loaded, config_path=config.config_path)


def installed_methods(payments: Payments | None) -> tuple[tuple[str, str], ...]:
    """The payment methods installed (code, label), cash first, as the wizard lists them."""
    if payments is None:
        return ()
    found = []
    for code, factory in payments.available.items():
        description = factory.description
        found.append((code, description.label if description is not None else code))
    found.sort(key=lambda m: (m[0] != "cash", m[1]))
    return tuple(found)


def start_shop_details(
    config: Config, terminal: Terminal, payments: Payments | None = None
) -> ShopDetailsService:
    """Give the till its shop details service (``terminal.shop_details``) and the
    manager's screen its eTIMS test; ``payments``: the methods it may offer."""
    from pos.ui import i18n

    def check(text: str) -> str | None:
        try:
            load_text(config, text)
        except ConfigError as exc:
            return str(exc)
        return None

    def apply(settings: ShopSettings) -> None:
        terminal.set_store(settings.store_info())
        i18n.set_receipt_language(settings.receipt_language)

    service = ShopDetailsService(
        terminal.db,
        terminal.auth,
        AuditWriter(terminal.ctx, terminal.clock, terminal.ids),
        config.config_path,
        settings_of(config),
        check=check,
        apply=apply,
        training=config.training,
        enrolled=terminal.enrolled,
        installed=installed_methods(payments),
    )
    terminal.shop_details = service
    if not config.training:

        def checks() -> Any:
            from pos.shop_checks import ShopChecks  # the wizard's pages and tests: not at start

            return ShopChecks(config, service)

        service.screen_checks = checks
    return service
