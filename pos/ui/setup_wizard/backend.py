"""What the wizard needs from the composition root, which alone may open the live
database, build the payment methods and write the config file (``pos.first_run``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pos.services.terminal import Terminal
from pos.ui.setup_wizard.model import ShopDetails


@dataclass(frozen=True, slots=True)
class LiveSession:
    """The live till the wizard sets up: its database (users, catalog), the payment
    methods installed (code, label; cash first) and where the demo catalog is."""

    terminal: Terminal
    methods: tuple[tuple[str, str], ...]
    demo_catalog: Path


class SetupBackend(Protocol):
    """Every call but ``config_path`` does I/O: the wizard runs them on its worker."""

    @property
    def config_path(self) -> Path: ...

    def check(self, details: ShopDetails) -> str | None:
        """None when the config ``details`` make is one Kaunta starts with; else the
        config loader's message, which names the key."""

    def open_live(self, details: ShopDetails) -> LiveSession:
        """Open (create, migrate) the live database for ``details`` and build the payment
        methods and settings; idempotent (the same session again)."""

    def finish(self, details: ShopDetails) -> Path:
        """Write the live config atomically (a temporary file renamed over), return it."""

    def close(self) -> None:
        """Close the live session (the app opens the till again from the written file)."""
