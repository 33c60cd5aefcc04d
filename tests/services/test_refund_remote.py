"""The refund service's side of a refund of another till's sale, with head office's answer
given by hand (the real endpoint is tested in tests/server/test_refund_lookup.py and end to
end in tests/e2e/test_cross_till_refund_e2e.py): each refund is counted once whether head
office or this till knows it; a non-cash tender goes back by hand or as cash; an unreadable
answer, a refusal or no head office at all is said and changes nothing."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from pos.domain.ids import uuid7
from pos.domain.refund import TenderHow
from pos.services.auth import Role, UserSummary
from pos.services.errors import NotFound, ServiceError
from pos.services.refund_remote import LookupRefused, LookupUnavailable
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from tests.services.test_refunds_card import rows

NUMBER = "DEMO-T2-000042"
_ids = itertools.count(1)


def new_id() -> str:
    """A UUIDv7 as a till makes them (the protocol refuses other ids)."""
    n = next(_ids)
    return str(uuid7(1_772_436_600_000 + n, n.to_bytes(10, "big")))


def _sale(refunds: list[dict[str, Any]] | None = None, currency: str = "KES") -> dict[str, Any]:
    """A sale of till T2 as head office answers it: two milk at 65.00, paid 100.00 by
    M-Pesa and 30.00 in cash."""
    return {
        "sale_id": SALE_ID,
        "receipt_number": NUMBER,
        "terminal_id": "T2",
        "status": "completed",
        "business_date": "2026-03-02",
        "closed_at": "2026-03-02T07:33:00Z",
        "currency": currency,
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
        "payments": [
            {
                "payment_id": MPESA_ID,
                "method": "mpesa",
                "amount_minor": 10000,
                "reference": "SGR7ABC123",
                "details": {"label": "M-Pesa"},
                "refunded_minor": 0,
            },
            {
                "payment_id": CASH_ID,
                "method": "cash",
                "amount_minor": 3000,
                "reference": "",
                "details": {},
                "refunded_minor": 0,
            },
        ],
        "refunds": refunds or [],
    }


SALE_ID, LINE_ID, MPESA_ID, CASH_ID = (new_id() for _ in range(4))


class HeadOffice:
    """Head office's answers, one per question (what the endpoint would say)."""

    def __init__(self) -> None:
        self.answers: list[Any] = []
        self.asked: list[str] = []

    def __call__(self, query: str) -> list[dict[str, Any]]:
        self.asked.append(query)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return list(answer)


@pytest.fixture
def manager(cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return cashier


def test_each_refund_is_counted_once_whether_head_office_or_this_till_knows_it(
    manager: Terminal,
) -> None:
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([_sale()])
    [found] = manager.refunds.find_at_head_office(" demo-t2-000042 ")
    assert hq.asked == ["demo-t2-000042"]
    assert (found.sale_id, found.number, found.total.minor) == (SALE_ID, NUMBER, 13000)
    assert found.methods == ("M-Pesa", "Cash")
    view = manager.refunds.refundable(SALE_ID)
    assert view.sold_at == "T2"
    # M-Pesa goes back by hand (its reversal) or as cash: its records are at till T2
    assert [(t.method, t.ways) for t in view.tenders] == [
        ("mpesa", (TenderHow.BY_HAND, TenderHow.CASH)),
        ("cash", (TenderHow.CASH,)),
    ]
    done = manager.refunds.refund(
        RefundRequest(SALE_ID, {1: 1}, "damaged", references={MPESA_ID: "SGR7REV001"})
    )
    assert rows(
        manager,
        "SELECT method, amount_minor, original_payment_id, by_hand, reference "
        "FROM refund_tenders ORDER BY tender_no",
    ) == [("mpesa", 6500, MPESA_ID, 1, "SGR7REV001")]
    assert rows(manager, "SELECT original_line_no, quantity FROM refund_lines") == [(1, 1)]
    assert [ln.refunded_quantity for ln in manager.refunds.refundable(SALE_ID).lines] == [1]

    # head office now has this refund, and one of another till: each counted once
    ours = {
        "refund_id": done.refund_id,
        "receipt_number": done.number,
        "terminal_id": "T1",
        "total_minor": 6500,
        "lines": [{"line_id": LINE_ID, "quantity": 1, "total_minor": 6500}],
        "tenders": [{"payment_id": MPESA_ID, "amount_minor": 6500}],
    }
    theirs = {
        "refund_id": new_id(),
        "receipt_number": "DEMO-T3-900000000001",
        "terminal_id": "T3",
        "total_minor": 6500,
        "lines": [{"line_id": LINE_ID, "quantity": 1, "total_minor": 6500}],
        "tenders": [{"payment_id": MPESA_ID, "amount_minor": 3500}],
    }
    hq.answers.append([_sale([ours, theirs])])
    manager.refunds.find_at_head_office(NUMBER)
    view = manager.refunds.refundable(SALE_ID)
    assert [(ln.refunded_quantity, ln.refunded.minor, ln.left) for ln in view.lines] == [
        (2, 13000, 0)
    ]
    assert [t.refunded.minor for t in view.tenders] == [10000, 0]
    assert sorted(view.refunds) == sorted([done.number, "DEMO-T3-900000000001"])
    assert view.fully_refunded
    with pytest.raises(Exception, match="Only 0 of the 2 sold"):
        manager.refunds.quote(RefundRequest(SALE_ID, {1: 1}, "damaged"))


def test_head_office_unreachable_refusing_or_unreadable_is_said_and_changes_nothing(
    manager: Terminal,
) -> None:
    with pytest.raises(ServiceError) as alone:  # not enrolled: nobody to ask
        manager.refunds.find_at_head_office(NUMBER)
    assert alone.value.msg.code == "refund_remote_not_enrolled"
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers += [
        LookupUnavailable("The head office cannot be reached (ConnectionError)."),
        LookupRefused("The head office refused this till."),
        [{"sale_id": SALE_ID, "lines": "nonsense"}],
        [_sale(currency="UGX")],
    ]
    codes = []
    for _ in range(3):
        with pytest.raises(ServiceError) as said:
            manager.refunds.find_at_head_office(NUMBER)
        codes.append(said.value.msg.code)
    assert codes == [
        "refund_remote_unreachable",
        "refund_remote_refused",
        "refund_remote_unreadable",
    ]
    assert manager.refunds.find_at_head_office(NUMBER) == []  # another currency: not offered
    with pytest.raises(NotFound):
        manager.refunds.refundable(SALE_ID)
    assert rows(manager, "SELECT count(*) FROM refunds") == [(0,)]
    assert rows(manager, "SELECT count(*) FROM outbox WHERE kind = 'refund.completed'") == [(0,)]


def test_a_refund_of_another_tills_sale_names_the_buyer_head_office_gave(
    manager: Terminal,
) -> None:
    """The sale (made at till T2) named a buyer's KRA PIN; head office's answer carries it
    and this till's refund document names the same buyer, so the credit note does (eTIMS
    refuses a credit note with another PIN). A sale naming none gives a refund naming none."""
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([{**_sale(), "buyer": {"tax_pin": "P051234567X", "name": "Duka Ltd"}}])
    manager.refunds.find_at_head_office(NUMBER)
    manager.refunds.refund(
        RefundRequest(SALE_ID, {1: 1}, "damaged", references={MPESA_ID: "SGR7REV002"})
    )
    [(payload,)] = rows(manager, "SELECT payload FROM outbox WHERE kind = 'refund.completed'")
    body = json.loads(payload)["body"]
    assert body["customer"] == {"tax_pin": "P051234567X", "name": "Duka Ltd"}
