"""Training on a shop's computer reads the shop's live kaunta.toml: its receipts carry the
shop's name (a training mode of the same shop, as Square's and Odoo's are), marked
TRAINING, but never the shop's real KRA PIN, which would make a practice receipt look
like the shop's tax invoice. The demo store's PIN stands in; the live till keeps its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.config import Config, load_config
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import render_text, training_mark
from pos.services.auth import Role
from pos.services.terminal import DemoUser, Terminal
from tests.conftest import FakeClock

REAL_PIN = "A123456789Z"
DEMO_PIN = "P000000000X"
MILK = "6168232712628"  # Brookside Fresh Milk 500ml, 65.00
LIVE_TOML = f"""
[terminal]
store_id = "MAMA"
store_name = "Mama Njeri Shop"
address = ["Tom Mboya Street, Nairobi"]
tax_pin = "{REAL_PIN}"
training = false

[policy]
pin_kdf_log2_n = 10
"""


def _config(tmp_path: Path, *, training: bool) -> Config:
    path = tmp_path / "kaunta.toml"
    path.write_text(LIVE_TOML, encoding="utf-8")
    return load_config(config_path=path, data_dir=tmp_path / "data", training=training, env={})


def test_training_keeps_the_shops_name_but_not_its_kra_pin(tmp_path: Path) -> None:
    training = _config(tmp_path, training=True)
    assert training.training
    assert training.store.name == "Mama Njeri Shop"
    assert training.store.address[0] == "Tom Mboya Street, Nairobi"
    assert training.store.tax_pin == DEMO_PIN
    assert training.terminal_context().store.tax_pin == DEMO_PIN
    live = _config(tmp_path, training=False)
    assert not live.training
    assert live.store.tax_pin == REAL_PIN  # the shop's own receipts keep it


@pytest.fixture
def trainee(tmp_path: Path, clock: FakeClock) -> Iterator[Terminal]:
    """The training till as the app opens it from the shop's live file: its own training
    database, the demo users and products, the demo cashier logged in."""
    config = _config(tmp_path, training=True)
    config.database_path.parent.mkdir(parents=True)
    terminal = Terminal.open(config.database_path, config.terminal_context(), clock)
    try:
        terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
        terminal.auth.login(cashier.user_id, "1111")
        yield terminal
    finally:
        terminal.close()


def test_a_training_receipt_names_the_shop_and_never_its_real_pin(trainee: Terminal) -> None:
    view = trainee.checkout.scan(MILK)
    result = trainee.checkout.pay_cash(view.cash_due)
    assert result.receipt is not None
    lines = render_text(result.receipt, 42)
    text = "\n".join(lines)
    assert lines[0].strip() == lines[-1].strip() == training_mark(42)
    assert lines[1].strip() == "MAMA NJERI SHOP"
    assert REAL_PIN not in text
    assert f"PIN {DEMO_PIN}" in [line.strip() for line in lines]
    # the receipt kept in the journal (reprints) carries the same
    kept = trainee.receipts.receipt(result.receipt.sale_id)
    assert kept.store.tax_pin == DEMO_PIN
