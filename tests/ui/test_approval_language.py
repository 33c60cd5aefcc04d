"""A price change read in Kiswahili on the real till window: a cashier who logs in in
Kiswahili changes a price, and the approval dialog's title (what the supervisor approves:
the item and both prices) and its approvers' roles, the basket row's "(price changed)"
and the VAT tool tip are all in Kiswahili, through the real translator (the compiled
``kaunta_sw.qm``).

Each of these was English on a Kiswahili screen before: the approval's action was an
English f-string, the roles were their codes, the row suffix and the tool tip were
literals around the translation system. ``tools/i18n_check.py`` now reports such texts;
this proves the screens.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

import dev
from pos.demo import DEMO_USERS
from pos.ui import i18n
from pos.ui.dialogs import NumberDialog
from tests.ui.conftest import MakeTill, Till

_LEFT = Qt.MouseButton.LeftButton
DEMO = {role: (name, pin) for name, role, pin in DEMO_USERS}
SUPERVISOR_NAME, SUPERVISOR_PIN = DEMO["supervisor"]
MANAGER_NAME, _ = DEMO["manager"]
MILK = {"barcode": "6168232712628", "name": "Brookside Fresh Milk 500ml"}  # KES 65.00, VAT Z


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """The translator is process-wide: every test here leaves the till in English."""
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")


@pytest.fixture
def kiswahili_till(make_till: MakeTill) -> Till:
    """A training till, the cashier logged in in Kiswahili at the sale screen."""
    till = make_till()
    till.login_in("sw")
    assert i18n.language() == "sw"
    return till


def test_a_price_change_reads_in_kiswahili(kiswahili_till: Till) -> None:
    till = kiswahili_till
    sale = till.window.sale
    till.scan(MILK["barcode"])
    cell = sale.table.item(0, 0)
    assert cell is not None
    till.qtbot.mouseClick(  # tap the line, as a cashier does on the touch screen
        sale.table.viewport(), _LEFT, pos=sale.table.visualItemRect(cell).center()
    )

    till.press(Qt.Key.Key_F5)
    dialog = till.dialog()
    assert isinstance(dialog, NumberDialog)
    till.qtbot.keyClicks(dialog.field, "50")
    till.qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    till.idle()

    approval = till.approval()
    title = till.approval_title(approval)
    # "Idhini ya msimamizi au meneja inahitajika kwa: Kubadilisha bei ya …"
    assert f"Kubadilisha bei ya {MILK['name']} (KES 65.00 → KES 50.00)" in title, title
    assert "msimamizi au meneja" in title, title
    assert "Changing" not in title, title
    assert "needs approval" not in title, title
    # the approvers' buttons say their role in Kiswahili too
    roles = {b.text() for b in approval.findChildren(QPushButton) if b.isCheckable()}
    assert f"{SUPERVISOR_NAME}\nmsimamizi" in roles, roles
    assert f"{MANAGER_NAME}\nmeneja" in roles, roles

    till.approve(SUPERVISOR_NAME, SUPERVISOR_PIN)
    till.until(lambda: not approval.isVisible())
    till.until(lambda: till.rows()[0][2] == "50.00")
    assert till.rows()[0][0] == f"{MILK['name']}  (bei imebadilishwa)"
    # the VAT tool tip: the zero-rated class in Kiswahili, "of" too
    assert sale.lbl_vat.toolTip() == "Kiwango cha sifuri: 0.00 kati ya 50.00"
