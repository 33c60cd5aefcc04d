"""Property: for any sale the till can make (paid by any installed tender), and a credit
note for part of it, under either amount convention and either line-tax rule, the A-E
band fields are exactly the sums of the lines, the invoice total is what the customer
paid for the goods (or is given back), and the simulator's own checks accept it (band
sums within its 0.01 tolerance)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from importlib.metadata import entry_points
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.errors import DomainError
from sync.etims.amounts import BANDS
from sync.etims.mapping import Registrar, credit_note, sale_invoice
from sync.etims.queue import _Header
from sync.etims.sandbox.api import Api
from sync.etims.sandbox.checks import SaleRules, check_sale
from sync.etims.settings import AmountConvention, EtimsSettings, LineTax, RateStyle
from sync.protocol.fields import Fields
from sync.protocol.refunds import RefundCompleted
from tests.etims.docs import PRODUCTS, items, refund_body, sale_body
from tests.etims.test_client_sandbox import parsed

RATES = {"A": Decimal(0), "B": Decimal(16), "C": Decimal(0), "D": Decimal(0), "E": Decimal(8)}
LATER = datetime(2030, 1, 1, tzinfo=UTC)


class _Box:
    from sync.etims.sandbox.state import Settings

    settings = Settings()


SIM_CODES = Api(_Box()).codes(LATER)  # type: ignore[arg-type]
#: every tender a till can take: the installed payment methods (card_zvt, card_manual, ...)
TENDERS = sorted(ep.name for ep in entry_points(group="kaunta.payment_methods"))

sales = st.fixed_dictionaries(
    {
        "lines": st.lists(
            st.tuples(st.sampled_from(sorted(PRODUCTS)), st.integers(1, 40)),
            min_size=1,
            max_size=8,
        ),
        "line_discount": st.sampled_from([None, "5", "12.5", "33", "100"]),
        "order_discount": st.sampled_from([None, "1", "7.77"]),
        "tender": st.sampled_from(TENDERS),
        # a credit note too: of each VAT class's first line, this share of its quantity
        "refund_share": st.sampled_from([None, 0.01, 0.5, 1.0]),
        "convention": st.sampled_from(list(AmountConvention)),
        "line_tax": st.sampled_from(list(LineTax)),
        "rate_style": st.sampled_from(list(RateStyle)),
    }
)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sales)
def test_band_fields_always_equal_the_lines_and_pass_the_simulator(case: dict) -> None:  # type: ignore[type-arg]
    try:
        body = sale_body(
            case["lines"],
            tender=case["tender"],
            line_discount=case["line_discount"],
            order_discount=case["order_discount"],
        )
    except DomainError:  # a discount larger than what is left: the till refuses it too
        return
    cfg = EtimsSettings(
        amount_convention=case["convention"],
        line_tax=case["line_tax"],
        rate_style=case["rate_style"],
    )
    invoice = sale_invoice(
        parsed(body),
        invc_no=1,
        items=items(),
        rates=RATES,
        settings=cfg,
        registrar=Registrar("t", "T"),
    )
    lines = invoice["itemList"]
    for band in BANDS:
        mine = [ln for ln in lines if ln["taxTyCd"] == band]
        assert invoice[f"taxblAmt{band}"] == sum((ln["taxblAmt"] for ln in mine), Decimal(0))
        assert invoice[f"taxAmt{band}"] == sum((ln["taxAmt"] for ln in mine), Decimal(0))
    assert invoice["totAmt"] == Decimal(body["totals"]["total"]["minor"]) / 100
    assert invoice["totTaxAmt"] == sum((invoice[f"taxAmt{b}"] for b in BANDS), Decimal(0))
    if case["line_tax"] is LineTax.RECEIPT:
        assert invoice["totTaxAmt"] == Decimal(body["totals"]["vat_total"]["minor"]) / 100
    for ln in lines:
        assert ln["taxblAmt"] >= 0
        assert ln["dcAmt"] >= 0
        assert ln["splyAmt"] == ln["taxblAmt"] + ln["dcAmt"] or case["convention"] == "inclusive"
    mode = case["convention"].value
    assert check_sale(invoice, SaleRules(SIM_CODES, RATES, mode, LATER)) == 1
    if case["refund_share"] is not None:
        _check_credit_note(body, case["refund_share"], cfg, mode)


def _check_credit_note(sale: dict[str, Any], share: float, cfg: EtimsSettings, mode: str) -> None:
    """A credit note for part of ``sale``: its bands are its lines' sums, its total what is
    given back, and the simulator accepts it as a type R invoice."""
    first: dict[str, int] = {}
    for index, line in enumerate(sale["lines"]):
        first.setdefault(line["vat_class"]["code"], index)
    take = [(i, max(1, int(sale["lines"][i]["quantity"] * share))) for i in sorted(first.values())]
    body = refund_body(sale, take)
    refund = RefundCompleted.parse(Fields(body, "body"), _Header(body))
    note = credit_note(
        refund,
        invc_no=2,
        org_invc_no=1,
        original_customer_pin=None,
        items=items(),
        rates=RATES,
        settings=cfg,
        registrar=Registrar("t", "T"),
    )
    assert note["rcptTyCd"] == "R"
    assert note["orgInvcNo"] == 1
    lines = note["itemList"]
    for band in BANDS:
        mine = [ln for ln in lines if ln["taxTyCd"] == band]
        assert note[f"taxblAmt{band}"] == sum((ln["taxblAmt"] for ln in mine), Decimal(0))
        assert note[f"taxAmt{band}"] == sum((ln["taxAmt"] for ln in mine), Decimal(0))
    assert note["totAmt"] == Decimal(body["total"]["minor"]) / 100
    assert note["totTaxAmt"] == sum((note[f"taxAmt{b}"] for b in BANDS), Decimal(0))
    assert check_sale(note, SaleRules(SIM_CODES, RATES, mode, LATER)) == 2
