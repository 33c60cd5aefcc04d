"""Demo data for training mode: the shipped catalog CSV and demo users."""

from __future__ import annotations

from pathlib import Path

CATALOG_CSV = Path(__file__).with_name("catalog.csv")

#: (name, role, PIN). Shown on the login screen in training mode only.
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("Amina Wanjiru", "cashier", "1111"),
    ("Brian Otieno", "supervisor", "2222"),
    ("Carol Njeri", "manager", "3333"),
)
