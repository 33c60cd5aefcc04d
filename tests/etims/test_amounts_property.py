"""Property: for any sale the till can make, under either amount convention and either
line-tax rule, the A-E band fields are exactly the sums of the lines, the invoice total
is what the customer paid for the goods, and the simulator's own checks accept it
(band sums within its 0.01 tolerance)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pos.domain.errors import DomainError
from sync.etims.amounts import BANDS
from sync.etims.mapping import Registrar, sale_invoice
from sync.etims.sandbox.api import Api
from sync.etims.sandbox.checks import SaleRules, check_sale
from sync.etims.settings import AmountConvention, EtimsSettings, LineTax, RateStyle
from tests.etims.docs import PRODUCTS, items, sale_body
from tests.etims.test_client_sandbox import parsed

RATES = {"A": Decimal(0), "B": Decimal(16), "C": Decimal(0), "D": Decimal(0), "E": Decimal(8)}
LATER = datetime(2030, 1, 1, tzinfo=UTC)


class _Box:
    from sync.etims.sandbox.state import Settings

    settings = Settings()


SIM_CODES = Api(_Box()).codes(LATER)  # type: ignore[arg-type]

sales = st.fixed_dictionaries(
    {
        "lines": st.lists(
            st.tuples(st.sampled_from(sorted(PRODUCTS)), st.integers(1, 40)),
            min_size=1,
            max_size=8,
        ),
        "line_discount": st.sampled_from([None, "5", "12.5", "33", "100"]),
        "order_discount": st.sampled_from([None, "1", "7.77"]),
        "tender": st.sampled_from(["cash", "mpesa", "card", "paypal"]),
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
