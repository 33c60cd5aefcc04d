"""A payment method from another package gets its button and dialog, with no change to
Kaunta: the docs' worked example (a gift voucher), installed as a distribution, pays a
sale through the real widgets."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from pos.demo import CATALOG_CSV
from pos.ui.dialogs import ReceiptDialog
from pos.ui.payment_dialogs import GatewayDialog
from tests.voucher_plugin import installed

if TYPE_CHECKING:
    from conftest import MakeTill


@pytest.fixture
def voucher_installed(tmp_path: Path) -> Iterator[None]:
    with installed(tmp_path / "site", broken_ones=False):
        yield


@pytest.mark.usefixtures("voucher_installed")
def test_an_installed_method_gets_a_button_and_pays_a_sale(make_paying_till: MakeTill) -> None:
    till = make_paying_till()
    till.login()
    sale = till.window.sale
    assert set(sale.gateway_buttons) == {"mpesa", "paypal", "card_zvt", "card_manual", "voucher"}
    button = sale.gateway_buttons["voucher"]
    assert button.text() == "Gift voucher"  # no hotkey declared: none shown
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        barcode = next(csv.DictReader(f))["barcode"]
    till.scan(barcode)
    till.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = till.dialog()
    assert isinstance(dialog, GatewayDialog)
    assert dialog.method_code == "voucher"
    assert dialog.phone is None  # the method asks for no phone...
    assert dialog.qr is None  # ...and shows no QR
    till.qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    till.until(lambda: isinstance(till.window.sale.dialog, ReceiptDialog))
    receipt = till.window.sale.dialog
    assert isinstance(receipt, ReceiptDialog)
    text = receipt.text.toPlainText()
    assert "Gift voucher" in text  # printed with the method's own name
    assert "Ref V-" in text
    with till.terminal.db.session() as s:
        rows = s.connection().exec_driver_sql("SELECT method FROM payments").all()
    assert rows == [("voucher",)]
