"""The products screen's KRA item class: a manager sees and edits each product's class
(checked: digits only), the list shows the class KRA registered it with (the branch
default where the product has none) and which products KRA refused, with the reason,
while the till's eTIMS worker talks to the simulator on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from pos.etims_link import EtimsLink
from pos.ui.manager.products_dialog import ProductsDialog
from sync.etims.items import DEFAULT_CLASS
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings

if TYPE_CHECKING:
    from conftest import MakeTill, Till

MANAGER, MANAGER_PIN = "Carol Njeri", "3333"
WAIT_MS = 20_000
MILK_CLASS = "5022110500"


class _Secrets:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


@pytest.fixture
def screen(
    make_till: MakeTill, tmp_path: Path
) -> Iterator[tuple[Till, EtimsLink, EtimsSandbox, ProductsDialog]]:
    till = make_till()
    with EtimsSandbox() as box:
        link = EtimsLink(
            till.terminal.db,
            till.terminal.etims,
            queue_path=tmp_path / "etims-classes.sqlite",
            branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
            settings=EtimsSettings(
                base_url=box.base_url, verify_host=box.verify_host, timeout_s=2.0
            ),
            secrets=_Secrets(),
            registrar=Registrar("T1", "Till T1"),
            training=True,
            poll_s=0.2,
            catalog_every_s=0.0,
        ).start()
        try:
            till.login(MANAGER, MANAGER_PIN)
            till.press(Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
            till.until(lambda: till.window.manager_menu is not None)
            menu = till.window.manager_menu
            assert menu is not None
            till.until(menu.isVisible)
            till.click(menu.buttons["products"])
            till.until(lambda: isinstance(menu.dialog, ProductsDialog))
            products = menu.dialog
            assert isinstance(products, ProductsDialog)
            yield till, link, box, products
        finally:
            link.stop()


def _row(products: ProductsDialog, sku: str) -> int:
    for r in range(products.table.rowCount()):
        item = products.table.item(r, 1)
        if item is not None and item.text() == sku:
            return r
    return -1


def _cells(products: ProductsDialog, sku: str) -> tuple[str, str, str]:
    r = _row(products, sku)
    if r < 0 or products.table.item(r, 3) is None:
        return "", "", ""
    status, code = products.table.item(r, 3), products.table.item(r, 4)
    return status.text(), code.text(), code.toolTip()


def test_a_manager_sets_a_products_class_and_the_list_shows_what_kra_registered(
    screen: tuple[Till, EtimsLink, EtimsSandbox, ProductsDialog],
) -> None:
    till, link, box, products = screen
    products.search.setText("DAI-000")
    till.until(lambda: _row(products, "DAI-0001") >= 0, WAIT_MS)

    def refreshed_until(test: object) -> None:
        assert callable(test)

        def again() -> bool:
            products.refresh()
            till.idle()
            return bool(test())

        till.until(again, WAIT_MS)

    # no class of its own: registered with the branch default, shown as such
    refreshed_until(lambda: _cells(products, "DAI-0001")[:2] == ("registered", DEFAULT_CLASS))
    assert not products.table.isColumnHidden(4)

    products.table.selectRow(_row(products, "DAI-0001"))
    till.until(lambda: products.sku.text() == "DAI-0001")
    assert products.kra_class.text() == ""
    products.kra_class.setText("50221105AB")  # letters: refused, nothing saved
    till.click(products.ok_button)
    till.until(lambda: "1 to 10 digits" in products.message.text(), WAIT_MS)
    assert link.kra_items()["DAI-0001"].item_class == DEFAULT_CLASS

    products.kra_class.setText(MILK_CLASS)
    till.click(products.ok_button)
    till.until(lambda: "Saved" in products.message.text(), WAIT_MS)
    assert till.terminal.products.find("DAI-0001")[0].kra_item_class == MILK_CLASS
    # KRA is told (same itemCd, new class) and the list says so
    refreshed_until(lambda: _cells(products, "DAI-0001")[:2] == ("registered", MILK_CLASS))
    milk = [
        i for i in box.device("00").items.values() if i["itemNm"] == "Brookside Fresh Milk 500ml"
    ]
    assert [i["itemClsCd"] for i in milk] == [MILK_CLASS]

    # a class KRA does not list: the product is refused, the reason under the pointer
    products.table.selectRow(_row(products, "DAI-0003"))
    till.until(lambda: products.sku.text() == "DAI-0003")
    products.kra_class.setText("1234567890")
    till.click(products.ok_button)
    till.until(lambda: "Saved" in products.message.text(), WAIT_MS)
    # registered earlier under the default, so KRA still has that; the re-registration
    # under the unlisted class is refused: the row says refused (never "registered"),
    # the class cell its own class, the reason and what KRA still has under the pointer
    refreshed_until(lambda: _cells(products, "DAI-0003")[0] == "refused")
    status, code, tip = _cells(products, "DAI-0003")
    assert status == "refused"
    assert code == "1234567890"
    assert f"KRA still has it as {DEFAULT_CLASS}." in tip
    assert "DAI-0003" in tip
    assert "not in KRA's list" in tip
    r = _row(products, "DAI-0003")
    assert products.table.item(r, 3).toolTip() == tip
    assert "register 1 listed product again" in products.kra_note.text()
    assert products.kra_note.isVisible()
    _readable_at_1024(till, products)

    # a listed class again: KRA takes it and the refusal no longer stands
    products.kra_class.setText(MILK_CLASS)
    till.click(products.ok_button)
    till.until(lambda: "Saved" in products.message.text(), WAIT_MS)
    refreshed_until(lambda: _cells(products, "DAI-0003") == ("registered", MILK_CLASS, ""))
    assert link.kra_items()["DAI-0003"].refused == ""


def _readable_at_1024(till: Till, products: ProductsDialog) -> None:
    """At the till's 1024x768 the KRA columns show their whole text (the class column
    was cut to a few digits, "5059690..."); the picture goes to
    ``KAUNTA_SHOTS_DIR`` when set."""
    products.window().resize(1024, 768)
    products.resize(1024, 768)
    till.idle()
    shots = os.environ.get("KAUNTA_SHOTS_DIR")
    if shots:
        Path(shots).mkdir(parents=True, exist_ok=True)
        products.grab().save(str(Path(shots) / "products-kra-refused-1024.png"))
    table = products.table
    metrics = table.fontMetrics()
    for r in range(table.rowCount()):
        for c in (3, 4):
            item = table.item(r, c)
            assert item is not None
            need = metrics.horizontalAdvance(item.text())
            assert table.columnWidth(c) >= need, (item.text(), table.columnWidth(c), need)
    assert table.columnWidth(0) >= metrics.horizontalAdvance("Brookside Fresh Milk")
