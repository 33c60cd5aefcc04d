"""The till in Kiswahili: a user's language at login, the screens switching in place, and
back to English (real window, real translator loaded from the compiled ``kaunta_sw.qm``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt, QTranslator

import dev
from pos.domain.errors import DomainError, InvalidQuantity
from pos.domain.messages import Message
from pos.services.errors import ServiceError, UnknownBarcode
from pos.ui import i18n
from pos.ui.dialogs import NumberDialog
from tests.ui.conftest import CASHIER_NAME, CASHIER_PIN, MakeTill, Till

_LEFT = Qt.MouseButton.LeftButton


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """The translator is process-wide: every test here leaves the till in English."""
    dev.build_translations()  # the .qm from the current .ts (a no-op when up to date)
    yield
    i18n.set_language("en")
    i18n.set_receipt_language("en")


def _log_in_kiswahili(till: Till) -> None:
    till.choose_user(CASHIER_NAME)
    till.qtbot.mouseClick(till.window.login.language_buttons["sw"], _LEFT)
    till.type_pin(CASHIER_PIN)
    till.until(lambda: till.window.stack.currentWidget() is till.window.sale)
    till.idle()


def test_a_kiswahili_user_sees_the_sale_screen_in_kiswahili(till: Till) -> None:
    _log_in_kiswahili(till)
    sale = till.window.sale
    assert i18n.language() == "sw"
    assert sale.btn_pay.text() == "Lipa pesa taslimu\nF12"
    assert sale.buttons["Quantity"].text() == "Idadi\nF2"
    assert sale.buttons["Void sale"].text() == "Futa mauzo\nF8"
    assert sale.scan.placeholderText().startswith("Skani barcode")
    assert sale.lbl_big_caption.text() == "YA KULIPA"
    header = sale.table.horizontalHeaderItem(0)
    assert header is not None
    assert header.text() == "Bidhaa"
    # a service error, rendered from its code and values in the user's language
    till.scan("4000000000006")
    assert "Hakuna bidhaa yenye barcode 4000000000006" in sale.message.text()
    # the button's tool tip keeps its key
    assert sale.buttons["Quantity"].toolTip() == "Idadi (F2)"


def test_a_domain_error_reads_in_kiswahili_in_a_dialog(till: Till) -> None:
    _log_in_kiswahili(till)
    till.scan(till.products()[0]["barcode"])
    till.window.sale.change_quantity()
    dialog = till.window.sale.dialog
    assert isinstance(dialog, NumberDialog)
    assert dialog.windowTitle() == "Idadi"  # built after the switch: through self.tr()
    dialog.field.setText("0")
    dialog._ok()
    till.idle()
    assert dialog.message.text() == (
        "Idadi lazima iwe angalau 1. Kuondoa bidhaa, ondoa mstari wake."
    )


def test_the_chosen_language_is_kept_for_the_user_and_english_comes_back(till: Till) -> None:
    _log_in_kiswahili(till)
    user_id = till.user_id(CASHIER_NAME)
    till.until(lambda: till.terminal.auth.current is not None)
    till.idle()
    stored = {u.user_id: u.language for u in till.terminal.auth.users()}
    assert stored[user_id] == "sw"

    till.qtbot.keyClick(till.window.sale, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    till.idle()
    login = till.window.login
    # back on the login screen: still Kiswahili; choosing the name keeps it (it is theirs)
    assert login.subtitle.text() == "Chagua jina lako na uweke PIN yako"
    till.choose_user(CASHIER_NAME)
    assert i18n.language() == "sw"
    till.qtbot.mouseClick(login.language_buttons["en"], _LEFT)
    assert login.subtitle.text() == "Choose your name and enter your PIN"
    till.type_pin(CASHIER_PIN)
    till.until(lambda: till.window.stack.currentWidget() is till.window.sale)
    till.idle()
    sale = till.window.sale
    assert sale.btn_pay.text() == "Pay cash\nF12"
    assert sale.buttons["Quantity"].toolTip() == "Quantity (F2)"
    header = sale.table.horizontalHeaderItem(0)
    assert header is not None
    assert header.text() == "Item"
    stored = {u.user_id: u.language for u in till.terminal.auth.users()}
    assert stored[user_id] == "en"


def test_choosing_a_name_shows_that_users_language(till: Till) -> None:
    cashier = till.user_id(CASHIER_NAME)
    till.terminal.auth.login(cashier, CASHIER_PIN)
    till.terminal.auth.set_language("sw")
    till.terminal.auth.logout()
    till.window.actions_.refresh_users(till.window.login.set_users)
    till.idle()
    till.choose_user(CASHIER_NAME)
    assert i18n.language() == "sw"
    assert till.window.login.subtitle.text() == "Chagua jina lako na uweke PIN yako"
    assert till.window.login.language_buttons["sw"].isChecked()


def test_messages_render_per_language_with_money_and_counts() -> None:
    i18n.set_language("sw")
    error = UnknownBarcode("123")
    assert str(error).startswith("No product has barcode 123.")  # logs stay English
    assert i18n.describe(error).startswith("Hakuna bidhaa yenye barcode 123.")
    plain = InvalidQuantity("Quantity must be a whole number.")
    assert i18n.describe(plain) == "Idadi lazima iwe namba kamili."
    assert i18n.count_items(1) == "bidhaa 1"
    assert i18n.count_items(1250) == "bidhaa 1,250"
    assert i18n.render(Message.plain("Paid with M-Pesa."), "en") == "Paid with M-Pesa."
    # an outcome joined from two marked sentences is translated sentence by sentence
    joined = (
        "M-Pesa refused the request as invalid. Call the manager to check the shop's M-Pesa "
        "settings; take the payment another way."
    )
    assert i18n.text(joined) == (
        "M-Pesa imekataa ombi kwa kuwa si sahihi. Mwite meneja aangalie mipangilio ya M-Pesa "
        "ya duka; pokea malipo kwa njia nyingine."
    )
    i18n.set_language("en")
    assert i18n.describe(error).startswith("No product has barcode 123.")


@pytest.mark.parametrize(("width", "height"), [(1024, 768), (1366, 768), (1920, 1080)])
def test_the_kiswahili_sale_screen_fits_with_every_label_whole(
    make_paying_till: MakeTill, width: int, height: int
) -> None:
    """Kiswahili labels are longer ("Badilisha mtumiaji"): the right column widens instead
    of cutting off the totals and the right-hand buttons, and no button's text is clipped."""
    from tests.ui.test_layout import _controls, _inside, _sized

    till = make_paying_till()
    _log_in_kiswahili(till)
    till.scan(till.products()[0]["barcode"])
    _sized(till, width, height)
    window = till.window
    area = window.centralWidget().geometry()
    for name, widget in _controls(till).items():
        box = _inside(widget, window)
        assert area.contains(box), f"{name} at {box} is outside {area} ({width}x{height})"
    sale = window.sale
    for name, button in [*sale.buttons.items(), *sale.gateway_buttons.items()]:
        metrics = button.fontMetrics()
        widest = max(metrics.horizontalAdvance(line) for line in button.text().split("\n"))
        assert button.width() >= widest, f"{name}: {button.text()!r} is clipped"
    big = sale.lbl_total
    assert big.width() >= big.sizeHint().width(), "the amount due is clipped"


def test_a_wrong_check_digit_reads_in_kiswahili_on_the_sale_screen(till: Till) -> None:
    """A barcode error from the domain (once an English f-string) is a code plus values."""
    _log_in_kiswahili(till)
    till.scan("6168232712620")  # the milk's code with a wrong last digit
    assert till.window.sale.message.text() == (
        "Barcode 6168232712620 ina tarakimu ya kuhakiki isiyo sahihi (ilitarajiwa 8): "
        "skani tena au iandike upya."
    )


def test_errors_from_the_domain_services_and_m_pesa_render_in_kiswahili() -> None:
    """Each kind of message that was English only: the English stays for the logs, the
    Kiswahili has the same values, written per locale (money, thousands)."""
    from pos.domain.money import Money
    from pos.domain.sale import check_quantity
    from pos.payments.mpesa.amounts import mpesa_amount, whole_shillings
    from pos.services.payments import NO_RATE
    from pos.store.backup import DOING_COPY, NOT_MADE
    from pos.store.errors import BackupFailed

    i18n.set_language("sw")
    with pytest.raises(InvalidQuantity) as too_many:
        check_quantity(1_000_000)
    assert str(too_many.value) == "Quantity 1,000,000 is too large (at most 9,999)."
    assert i18n.describe(too_many.value) == "Idadi 1,000,000 ni kubwa mno (isizidi 9,999)."
    with pytest.raises(DomainError) as cents:
        whole_shillings(Money(9950, "KES"))
    assert "KES 99.50" in str(cents.value)
    assert i18n.describe(cents.value).startswith("M-Pesa inapokea shilingi kamili tu; KES 99.50")
    with pytest.raises(DomainError) as big:
        mpesa_amount(Money(30_000_000, "KES"), max_kes=250_000)
    assert i18n.describe(big.value).startswith(
        "KES 300,000.00 ni zaidi ya kiasi ambacho M-Pesa inapokea kwa malipo moja (KES 250,000.00)."
    )
    assert i18n.describe(ServiceError(NO_RATE(currency="USD"))) == (
        "Hakuna kiwango cha kubadilisha fedha cha USD kilichowekwa."
    )
    failed = BackupFailed(NOT_MADE(path="/d/kaunta.sqlite", doing=DOING_COPY(), reason="I/O"))
    assert str(failed).startswith("No backup of /d/kaunta.sqlite was made (copying: I/O).")
    assert i18n.describe(failed).startswith(
        "Nakala ya akiba ya /d/kaunta.sqlite haikutengenezwa (inanakili: I/O)."
    )


def test_the_compiled_translation_loads_with_a_plain_qtranslator() -> None:
    translator = QTranslator()
    assert translator.load(str(i18n.qm_path("sw")))
    assert translator.translate("SaleScreen", "Pay cash") == "Lipa pesa taslimu"
    assert translator.translate("messages", "Change", "receipt.change") == "Chenji"
    assert QCoreApplication.translate("SaleScreen", "Pay cash") == "Pay cash"  # not installed


def test_receipts_follow_the_receipt_language_setting() -> None:
    """The receipt's own setting, whatever the screens speak: Kiswahili, or both."""
    from pos.domain.receipt import render_text
    from tests.domain.test_receipt import paid_sale, receipt_of

    receipt = receipt_of(paid_sale(), training=True)
    english = render_text(receipt, 42, i18n.receipt_say("en"))
    assert english == render_text(receipt, 42)  # English: the lines as they always were
    kiswahili = "\n".join(render_text(receipt, 42, i18n.receipt_say("sw")))
    assert "Risiti" in kiswahili
    assert "Chenji" in kiswahili
    assert "Jumla ndogo (bidhaa 6)" in kiswahili
    assert "*** MAFUNZO - SI RISITI HALALI ***" in kiswahili
    assert "01/05/2024" in kiswahili  # dd/mm/yyyy
    i18n.set_receipt_language("both")
    both = render_text(receipt, 42, i18n.receipt_say())
    assert any(line.startswith("Change / Chenji") for line in both)
    assert all(len(line) <= 42 for line in both)  # longer labels still fit the paper
    with pytest.raises(ValueError, match="receipt language"):
        i18n.set_receipt_language("fr")


def test_the_printed_receipt_follows_the_receipt_language_setting() -> None:
    """The paper says what the screen says: the printer's layout takes the same labels,
    through the real encoder, a socket and the printer emulator's decoding."""
    from drivers.emulator_link import EmulatorServer, TcpLink
    from drivers.escpos.device import PrintOutcome, ReceiptPrinter
    from drivers.escpos.emulator import PrinterEmulator
    from drivers.escpos.profiles import profile
    from drivers.transport import PortSettings
    from pos.device_link import _receipt_say
    from pos.services.devices import ReceiptPrinting
    from tests.domain.test_receipt import paid_sale, receipt_of

    receipt = receipt_of(paid_sale(), training=True)
    emu = PrinterEmulator(drawer_closes_after=None)
    server = EmulatorServer(TcpLink(), emu, name="printer-emulator").start()
    device = ReceiptPrinter(PortSettings(server.url, timeout=0.3), poll_interval=60)
    try:
        printing = ReceiptPrinting(device, profile("80mm-42"), say=_receipt_say)
        pictures = []
        for language in ("en", "sw", "both"):
            i18n.set_receipt_language(language)
            assert printing.reprint(receipt).result(5) is PrintOutcome.PRINTED
            pictures.append("\n".join(emu.wait_receipts(len(pictures) + 1)[-1].text_lines()))
        english, kiswahili, both = pictures
        assert "Change" in english
        assert "Chenji" not in english
        assert "Risiti" in kiswahili
        assert "Chenji" in kiswahili
        assert "Jumla ndogo (bidhaa 6)" in kiswahili
        assert "MAFUNZO - SI RISITI HALALI" in kiswahili
        assert "01/05/2024" in kiswahili  # dd/mm/yyyy, as on screen
        assert "Change / Chenji" in both
    finally:
        device.close()
        server.stop()
