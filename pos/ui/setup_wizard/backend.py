"""What the wizard needs from the composition root, which alone may open the live
database, build the payment methods and write the config file (``pos.first_run``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pos.services.terminal import Terminal
from pos.ui.setup_wizard.model import ShopDetails


@dataclass(frozen=True, slots=True)
class LiveSession:
    """The live till the wizard sets up: its database (users, catalog), the payment
    methods installed (code, label; cash first) and where the demo catalog is."""

    terminal: Terminal
    methods: tuple[tuple[str, str], ...]
    demo_catalog: Path


@dataclass(frozen=True, slots=True)
class DeviceCheck:
    """How a device test went: ``code`` is stable (``printed``, ``drawer_opened``,
    ``shown``, ``scanned``; ``settings``, ``offline``, ``timeout``, ``no_scan``,
    ``no_drawer``, or the printer's own status code such as ``paper_out``), the page
    words it in the screens' language; ``detail`` is the driver's English (or the code
    scanned)."""

    ok: bool
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class EtimsCheck:
    """How the eTIMS test went: ``code`` is ``initialised`` or ``key_works`` (``detail``
    the control unit's id), or ``settings`` (``detail`` names the ``etims.`` key),
    ``unreachable``, ``refused`` (KRA's reason) or ``installed`` (902: the key from the
    first initialisation is needed)."""

    ok: bool
    code: str
    detail: str


class EtimsChecks(Protocol):
    """What the shop's pages ask of the composition root (the wizard's backend, or the
    shop details screen's :class:`pos.shop_link.ShopChecks`); I/O: run on a worker."""

    def check(self, details: ShopDetails) -> str | None:
        """None when the config ``details`` make is one Kaunta starts with; else the
        config loader's message, which names the key."""

    def test_etims(self, details: ShopDetails, key: str = "") -> EtimsCheck:
        """Initialise ``details``' eTIMS device (the key to the keyring), or check the
        ``key`` kept from an earlier initialisation."""


class SetupBackend(EtimsChecks, Protocol):
    """Every call but ``config_path`` does I/O: the wizard runs them on its worker."""

    @property
    def config_path(self) -> Path: ...

    def open_live(self, details: ShopDetails) -> LiveSession:
        """Open (create, migrate) the live database for ``details`` and build the payment
        methods and settings; idempotent (the same session again)."""

    def finish(self, details: ShopDetails) -> Path:
        """Write the live config atomically (a temporary file renamed over), return it."""

    def close(self) -> None:
        """Close the live session (the app opens the till again from the written file)."""

    def ports(self) -> list[Any]:
        """The serial ports found on this computer (``FoundPort``: url, description)."""

    def test_device(self, table: str, values: dict[str, Any], action: str) -> DeviceCheck:
        """Test the ``table`` device with these settings (``print``, ``drawer``,
        ``display`` or ``scan``) through its real driver; the port is let go after."""
