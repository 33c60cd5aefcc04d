"""Another till's sale refunded here by its original tender where the method can do it
without that till: a PayPal capture refunded by its capture id against the PayPal sandbox
over real HTTP, in the USD it took and in proportion, the last part giving back exactly
what is left; a card refunded to the card at this till's own terminal (the ZVT emulator on
a real socket: a refund, never a reversal of the other terminal's receipt). The sale
found at head office is kept on this till: a refund whose answer was lost is resolved
after a restart from the kept copy (PayPal asked again with the same request id: one
refund), and the refund screen shows the sale again while head office is unreachable.
M-Pesa, a method this till lacks, or an answer from a head office that does not say what
the method took stay by hand or cash. Head office's answer is given by hand here (the
endpoint is tested in tests/server/test_refund_lookup_taken.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.zvt import messages as m
from drivers.zvt.emulator import Settings, ZvtEmulator
from pos.domain.money import Money
from pos.domain.refund import RefundError, TenderHow
from pos.payments.card.device import CardTerminalDevice
from pos.payments.card.zvt_method import ZvtCardMethod
from pos.payments.paypal.method import PayPalMethod
from pos.payments.paypal.method import create as create_paypal
from pos.payments.paypal.sandbox import PayPalSandbox
from pos.payments.registry import MethodContext
from pos.services.auth import Role, UserSummary
from pos.services.errors import ServiceError
from pos.services.refund_remote import LookupUnavailable
from pos.services.refunds import RefundRequest, RefundWaiting
from pos.services.terminal import Terminal
from tests.conftest import FakeClock, make_ctx
from tests.payments.card.conftest import terminal_settings
from tests.services.test_refund_remote import LINE_ID, NUMBER, SALE_ID, HeadOffice, new_id
from tests.services.test_refunds_card import PAN, rows

PAYPAL_ID, CARD_ID = new_id(), new_id()


def kes(text: str) -> Money:
    return Money.parse(text, "KES")


def t2_sale(payment: dict[str, Any]) -> dict[str, Any]:
    """Till T2's sale of two milk at 65.00 (KES 130.00), paid whole by ``payment``, as
    head office answers it."""
    return {
        "sale_id": SALE_ID,
        "receipt_number": NUMBER,
        "terminal_id": "T2",
        "status": "completed",
        "business_date": "2026-03-02",
        "closed_at": "2026-03-02T07:33:00Z",
        "currency": "KES",
        "total_minor": 13000,
        "lines": [
            {
                "line_id": LINE_ID,
                "product_id": 1,
                "sku": "DAI-0001",
                "barcode": "6168232712628",
                "name": "Brookside Fresh Milk 500ml",
                "quantity": 2,
                "unit_price_minor": 6500,
                "total_minor": 13000,
                "vat_code": "Z",
                "vat_rate": "0",
                "vat_exempt": False,
                "refunded_quantity": 0,
                "refunded_minor": 0,
            }
        ],
        "payments": [{"amount_minor": 13000, "refunded_minor": 0, **payment}],
        "refunds": [],
    }


@pytest.fixture
def box() -> Iterator[PayPalSandbox]:
    sandbox = PayPalSandbox().start()
    yield sandbox
    sandbox.stop()


def paypal(box: PayPalSandbox) -> PayPalMethod:
    method = create_paypal(
        MethodContext(training=True, currency="KES", settings={"base_url": box.base_url})
    )
    assert isinstance(method, PayPalMethod)
    return method


def captured_at_t2(box: PayPalSandbox, usd_minor: int) -> str:
    """Till T2 took ``usd_minor`` cents by PayPal (an order approved and captured in the
    sandbox with the shop's credentials): the capture id."""
    client = paypal(box).client
    order = client.create_order(Money(usd_minor, "USD"), new_id(), "DEMO")
    box.decide(order.id, "approve")
    done = client.capture_order(order.id, new_id())
    [capture] = done.captures
    return capture.id


def paypal_payment(capture: str, usd_minor: int | None) -> dict[str, Any]:
    taken = {} if usd_minor is None else {"taken_minor": usd_minor, "taken_currency": "USD"}
    return {
        "payment_id": PAYPAL_ID,
        "method": "paypal",
        "reference": capture,
        "details": {"label": "PayPal", "gateway_ref": "ORDER-X"},
        **taken,
    }


@pytest.fixture
def manager(cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return cashier


def test_a_paypal_tender_of_another_till_goes_back_through_paypal_by_its_capture_in_usd(
    manager: Terminal, box: PayPalSandbox
) -> None:
    capture = captured_at_t2(box, 101)  # USD 1.01 for KES 130.00: the parts do not split evenly
    manager.enable_payments({"paypal": paypal(box)})
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([t2_sale(paypal_payment(capture, 101))])
    [found] = manager.refunds.find_at_head_office(capture)
    assert found.number == NUMBER
    [tender] = manager.refunds.refundable(SALE_ID).tenders
    assert tender.ways == (TenderHow.METHOD, TenderHow.CASH)
    [planned] = manager.refunds.quote(RefundRequest(SALE_ID, {1: 1}, "damaged")).tenders
    assert (planned.how, planned.amount, planned.foreign) == (
        TenderHow.METHOD,
        kes("65"),
        Money(50, "USD"),
    )
    first = manager.refunds.refund(RefundRequest(SALE_ID, {1: 1}, "damaged"))
    assert first.cash_out == kes("0")
    [refund] = box.ledger()["refunds"]
    assert refund["amount"] == {"currency_code": "USD", "value": "0.50"}
    assert capture in str(refund["links"])  # the capture of till T2's sale, by its id
    assert rows(
        manager,
        "SELECT method, amount_minor, original_payment_id, by_hand, reference, "
        "foreign_minor, foreign_currency FROM refund_tenders",
    ) == [("paypal", 6500, PAYPAL_ID, 0, refund["id"], 50, "USD")]
    # the second unit gives back exactly what PayPal has left of the capture
    manager.refunds.refund(RefundRequest(SALE_ID, {1: 1}, "damaged"))
    values = sorted(r["amount"]["value"] for r in box.ledger()["refunds"])
    assert values == ["0.50", "0.51"]
    assert manager.refunds.refundable(SALE_ID).fully_refunded


def test_mpesa_or_a_method_not_here_or_an_answer_without_what_was_taken_stays_by_hand(
    manager: Terminal, box: PayPalSandbox
) -> None:
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    answers = [
        ({"payment_id": PAYPAL_ID, "method": "mpesa", "reference": "SGR7ABC123"}, True),
        (paypal_payment("3C679366HH908993F", 101), False),  # PayPal not set up here
        (paypal_payment("3C679366HH908993F", None), True),  # an older head office
    ]
    for payment, with_paypal in answers:
        manager.enable_payments({"paypal": paypal(box)} if with_paypal else {})
        hq.answers.append([t2_sale({"details": {}, **payment})])
        manager.refunds.find_at_head_office(NUMBER)
        [tender] = manager.refunds.refundable(SALE_ID).tenders
        assert tender.ways == (TenderHow.BY_HAND, TenderHow.CASH), payment
        with pytest.raises(RefundError, match="reversal"):
            manager.refunds.refund(RefundRequest(SALE_ID, {1: 1}, "damaged"))
    assert box.ledger()["refunds"] == []


def restarted(db_path: Path, clock: FakeClock, box: PayPalSandbox) -> Terminal:
    """The till started again on the same file (nothing of the last run in memory)."""
    till = Terminal.open(db_path, make_ctx(), clock)
    till.enable_payments({"paypal": paypal(box)})
    return till


def test_a_paypal_refund_of_another_tills_sale_whose_answer_was_lost_completes_after_a_restart(
    manager: Terminal,
    box: PayPalSandbox,
    db_path: Path,
    clock: FakeClock,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    capture = captured_at_t2(box, 100)
    manager.enable_payments({"paypal": paypal(box)})
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([t2_sale(paypal_payment(capture, 100))])
    manager.refunds.find_at_head_office(NUMBER)
    # PayPal refunds, and every answer (the client's retries too) is lost
    box.fail_next(3, 503, after=True, path="/v2/payments/captures/")
    with pytest.raises(RefundWaiting):
        manager.refunds.refund(RefundRequest(SALE_ID, {1: 2}, "damaged"))
    assert len(box.ledger()["refunds"]) == 1
    assert rows(manager, "SELECT state, sale_id, amount_minor, currency FROM refund_attempts") == [
        ("pending", SALE_ID, 100, "USD")
    ]
    assert rows(manager, "SELECT count(*) FROM refunds") == [(0,)]
    manager.close()

    till = restarted(db_path, clock, box)  # no head office either: the kept copy serves
    till.refunds.use_lookup(HeadOffice())
    till.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    [waiting] = till.refunds.pending()  # named by its receipt number, from the kept copy
    assert (waiting.sale_number, waiting.amount) == (NUMBER, Money(100, "USD"))
    [resolved] = till.refunds.resolve_pending()  # as at start-up and on Check again
    assert resolved.outcome == "completed", resolved
    [refund] = box.ledger()["refunds"]  # asked again with the same request id: one refund
    assert rows(
        till,
        "SELECT reference, total_minor FROM refund_tenders JOIN refunds "
        "ON refunds.id = refund_tenders.refund_id",
    ) == [(refund["id"], 13000)]
    assert rows(till, "SELECT state FROM refund_attempts") == [("completed",)]
    assert till.refunds.refundable(SALE_ID).fully_refunded
    till.close()


def test_a_found_sale_is_kept_so_the_refund_screen_shows_it_again_while_head_office_is_away(
    manager: Terminal,
    box: PayPalSandbox,
    db_path: Path,
    clock: FakeClock,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([t2_sale(paypal_payment("3C679366HH908993F", 100))])
    found_at = clock.now()
    manager.refunds.find_at_head_office(NUMBER)
    manager.close()
    clock.advance(minutes=30)
    till = restarted(db_path, clock, box)
    till.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    away = HeadOffice()
    till.refunds.use_lookup(away)
    away.answers += [LookupUnavailable("connection refused")] * 3
    # by number or by the payment's reference, as head office had it
    for text in (NUMBER.lower(), "3c679366hh908993f"):
        [found] = till.refunds.find_at_head_office(text)
        assert (found.sale_id, found.number, found.methods) == (SALE_ID, NUMBER, ("PayPal",))
    with pytest.raises(ServiceError, match="head office cannot be reached"):
        till.refunds.find_at_head_office("DEMO-T2-000099")  # never found: said as before
    view = till.refunds.refundable(SALE_ID)
    assert view.lines[0].left == 2
    assert (view.sold_at, view.found_at) == ("T2", found_at)  # head office's count of then
    till.close()


@pytest.fixture
def card(emulator_url: str) -> Iterator[ZvtCardMethod]:
    device = CardTerminalDevice(terminal_settings(emulator_url, "tcp"))
    yield ZvtCardMethod(device, "KES")
    device.close()


@pytest.fixture
def emulator() -> Iterator[ZvtEmulator]:
    emu = ZvtEmulator(Settings(step_delay=0.01))
    yield emu
    emu.stop()


@pytest.fixture
def emulator_url(emulator: ZvtEmulator) -> str:
    return f"socket://127.0.0.1:{emulator.start_tcp()}"


def test_a_card_tender_of_another_till_is_refunded_to_the_card_at_this_tills_terminal(
    manager: Terminal, emulator: ZvtEmulator, card: ZvtCardMethod
) -> None:
    manager.enable_payments({"card_zvt": card})
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    payment = {
        "payment_id": CARD_ID,
        "method": "card_zvt",
        # T2's terminal, its receipt 0007: nothing this till's terminal could reverse
        "reference": f"123456 · {PAN} · TID 52500099 · receipt 0007",
        "details": {"label": "Card"},
        "taken_minor": 13000,
        "taken_currency": "KES",
    }
    hq.answers.append([t2_sale(payment)])
    manager.refunds.find_at_head_office(NUMBER)
    [tender] = manager.refunds.refundable(SALE_ID).tenders
    assert tender.ways == (TenderHow.METHOD, TenderHow.CASH)
    done = manager.refunds.refund(RefundRequest(SALE_ID, {1: 2}, "damaged"))  # the whole sale
    assert m.REFUND in emulator.commands
    assert m.REVERSAL not in emulator.commands
    last = emulator.last_transaction()
    assert last is not None
    assert last.amount_minor == 13000
    [(reference, by_hand)] = rows(manager, "SELECT reference, by_hand FROM refund_tenders")
    assert (reference, by_hand) == (
        f"{last.approval_code} · {PAN} · TID 52500038 · receipt {last.receipt_no:04d}",
        0,
    )
    assert done.cash_out == kes("0")
    assert manager.refunds.refundable(SALE_ID).fully_refunded
