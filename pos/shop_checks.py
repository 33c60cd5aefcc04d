"""The shop details screen's config check and eTIMS test (part of the composition root).

The set-up wizard's eTIMS page, shown on the manager's Shop details screen, asks its host
for ``check(details)`` and ``test_etims(details, key)``; the wizard's backend answers them
for a fresh install, and :class:`ShopChecks` for a till set up already: the config the
answers make is the current file with them put in. Imported when the screen first opens
(``ShopDetailsService.screen_checks``), never on the way to the login screen.
"""

from __future__ import annotations

from pathlib import Path

from pos.config import Config, ConfigError
from pos.services.errors import ServiceError
from pos.services.shop_details import ShopDetailsService
from pos.setup_checks import SetupChecks
from pos.shop_link import load_text
from pos.ui.setup_wizard.model import ShopDetails, shop_settings


class ShopChecks(SetupChecks):
    """The wizard's eTIMS test for the details on the manager's screen: the config they
    make is the current file with them put in (``service.render``)."""

    def __init__(self, config: Config, service: ShopDetailsService) -> None:
        self._config = config
        self._service = service

    @property
    def config_path(self) -> Path:
        return self._config.config_path

    def _load(self, details: ShopDetails) -> Config:
        settings = shop_settings(details, self._service.current())
        return load_text(self._config, self._service.render(settings))

    def check(self, details: ShopDetails) -> str | None:
        try:
            self._load(details)
        except (ConfigError, ValueError, ServiceError) as exc:
            return str(exc)
        return None
