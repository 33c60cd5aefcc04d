"""VAT on VAT-inclusive prices: the extraction rule, the breakdown and the tax table."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.errors import DomainError
from pos.domain.money import MAX_MINOR, Money
from pos.domain.tax import KENYA_VAT, TaxClass, TaxTable, vat_breakdown, vat_from_gross

STANDARD = KENYA_VAT.get("S")
ZERO = KENYA_VAT.get("Z")
EXEMPT = KENYA_VAT.get("E")


@pytest.mark.parametrize(
    ("gross", "vat"),
    [
        (11_600, 1_600),  # 116.00 gross at 16 % -> 16.00 VAT
        (100, 14),  # 1.00 -> 0.1379 -> 0.14
        (7, 1),  # 0.07 -> 0.00966 -> 0.01
        (3, 0),  # 0.03 -> 0.0041 -> 0.00
        (4, 1),  # 0.04 -> 0.0055 -> 0.01
        (0, 0),
        (29_778, 4_107),
        (100_000_000, 13_793_103),
        (-11_600, -1_600),  # refunds mirror sales
    ],
)
def test_vat_from_gross_standard_rate(gross: int, vat: int) -> None:
    """VAT = round_half_up(gross * 16 / 116), in minor units."""
    assert vat_from_gross(Money(gross), STANDARD) == Money(vat)


@pytest.mark.parametrize("tax_class", [ZERO, EXEMPT])
@pytest.mark.parametrize("gross", [0, 1, 11_600, MAX_MINOR])
def test_zero_rated_and_exempt_carry_no_vat(tax_class: TaxClass, gross: int) -> None:
    """Zero-rated and exempt classes always extract 0 VAT, in the gross's currency."""
    assert vat_from_gross(Money(gross), tax_class) == Money(0)
    assert vat_from_gross(Money(gross, "UGX"), tax_class) == Money(0, "UGX")


def test_vat_from_gross_other_rate_and_currency() -> None:
    """Non-Kenyan rates work the same way and keep the currency (UGX, 18 %)."""
    ug = TaxClass("S", "VAT 18%", Decimal(18))
    assert vat_from_gross(Money(11_800, "UGX"), ug) == Money(1_800, "UGX")
    assert vat_from_gross(Money(1_000, "UGX"), ug) == Money(153, "UGX")  # 152.54 -> 153


def test_kenya_table() -> None:
    """The Kenyan table has S 16 %, Z 0 % and E exempt, in that order."""
    assert KENYA_VAT.codes() == ("S", "Z", "E")
    assert (STANDARD.rate, STANDARD.exempt, STANDARD.label) == (Decimal(16), False, "VAT 16%")
    assert (ZERO.rate, ZERO.exempt) == (Decimal(0), False)
    assert (EXEMPT.rate, EXEMPT.exempt) == (Decimal(0), True)
    assert [c.rate_text for c in KENYA_VAT.classes] == ["16%", "0%", "Exempt"]
    assert [c.rate_basis_points for c in KENYA_VAT.classes] == [1600, 0, 0]


def test_rate_text_of_fractional_and_round_rates() -> None:
    """Rates print without exponent notation or trailing zeros."""
    assert TaxClass("A", "a", Decimal("10")).rate_text == "10%"
    assert TaxClass("B", "b", Decimal("8.50")).rate_text == "8.5%"
    assert TaxClass("B", "b", Decimal("8.50")).rate_basis_points == 850


def test_tax_table_to_list_and_back() -> None:
    """The table stored with a sale is JSON-safe and restores the same classes."""
    data = KENYA_VAT.to_list()
    assert data == [
        {"code": "S", "label": "VAT 16%", "rate": "16", "exempt": False},
        {"code": "Z", "label": "Zero-rated", "rate": "0", "exempt": False},
        {"code": "E", "label": "Exempt", "rate": "0", "exempt": True},
    ]
    assert json.loads(json.dumps(data)) == data
    assert TaxTable.from_list(data) == KENYA_VAT
    odd = TaxTable((TaxClass("R", "Reduced", Decimal("8.5")),))
    assert TaxTable.from_list(odd.to_list()) == odd
    assert TaxTable.from_list(odd.to_list()).get("R").rate == Decimal("8.5")


def test_unknown_code_is_a_domain_error() -> None:
    """Looking up a code that is not in the table names the known codes."""
    with pytest.raises(DomainError, match=r"Unknown VAT class 'X' \(known: S, Z, E\)") as info:
        KENYA_VAT.get("X")
    assert info.value.code == "unknown_vat"


@pytest.mark.parametrize(
    "classes",
    [
        (TaxClass("S", "a", Decimal(16)), TaxClass("S", "b", Decimal(8))),
        (TaxClass("N", "negative", Decimal(-1)),),
        (TaxClass("E", "exempt with a rate", Decimal(5), exempt=True),),
    ],
)
def test_bad_tables_are_refused(classes: tuple[TaxClass, ...]) -> None:
    """Duplicate codes, negative rates and exempt classes with a rate are configuration bugs."""
    with pytest.raises(ValueError, match=r"duplicate VAT class codes|bad VAT class"):
        TaxTable(classes)


def test_vat_breakdown_groups_and_orders_by_table() -> None:
    """Amounts are summed per class, VAT extracted once per class, rows in table order."""
    rows = vat_breakdown(
        [
            ("E", Money(19_851)),
            ("S", Money(10_000)),
            ("Z", Money(17_420)),
            ("S", Money(19_778)),
        ],
        KENYA_VAT,
        "KES",
    )
    assert [r.tax_class.code for r in rows] == ["S", "Z", "E"]
    assert [r.gross for r in rows] == [Money(29_778), Money(17_420), Money(19_851)]
    assert [r.vat for r in rows] == [Money(4_107), Money(0), Money(0)]
    assert [r.net for r in rows] == [Money(25_671), Money(17_420), Money(19_851)]


def test_vat_breakdown_extracts_per_class_not_per_line() -> None:
    """Three 0.07 lines give 0.03 VAT (from 0.21), not 3 x 0.01."""
    rows = vat_breakdown([("S", Money(7))] * 3, KENYA_VAT, "KES")
    assert len(rows) == 1
    assert rows[0].gross == Money(21)
    assert rows[0].vat == Money(3)


def test_vat_breakdown_accepts_a_mapping_and_skips_absent_classes() -> None:
    """A mapping works too; classes with no amount get no row."""
    rows = vat_breakdown({"Z": Money(500), "S": Money(11_600)}, KENYA_VAT, "KES")
    assert [(r.tax_class.code, r.gross, r.vat) for r in rows] == [
        ("S", Money(11_600), Money(1_600)),
        ("Z", Money(500), Money(0)),
    ]
    assert vat_breakdown([], KENYA_VAT, "KES") == ()


def test_vat_breakdown_unknown_code() -> None:
    """An unknown code in the basket is a DomainError, not a silently untaxed line."""
    with pytest.raises(DomainError, match=r"Unknown VAT class 'V'") as info:
        vat_breakdown([("S", Money(100)), ("V", Money(100))], KENYA_VAT, "KES")
    assert info.value.code == "unknown_vat"


@settings(max_examples=300, deadline=None)
@given(gross=st.integers(min_value=0, max_value=MAX_MINOR))
def test_vat_is_bounded_and_adds_up(gross: int) -> None:
    """0 <= vat <= gross, net + vat == gross, and vat is within half a cent of exact."""
    money = Money(gross)
    vat = vat_from_gross(money, STANDARD)
    assert 0 <= vat.minor <= gross
    assert vat + (money - vat) == money
    # |vat - gross * 16 / 116| <= 0.5, multiplied through by 2 * 116.
    assert abs(vat.minor * 116 - gross * 16) * 2 <= 116
    row = vat_breakdown([("S", money)], KENYA_VAT, "KES")[0]
    assert row.net + row.vat == row.gross == money


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(
        st.tuples(st.sampled_from(["S", "Z", "E"]), st.integers(min_value=0, max_value=10**9)),
        max_size=30,
    )
)
def test_vat_breakdown_preserves_the_total(amounts: list[tuple[str, int]]) -> None:
    """The breakdown's gross column sums to the input, class by class."""
    rows = vat_breakdown([(c, Money(m)) for c, m in amounts], KENYA_VAT, "KES")
    assert sum(r.gross.minor for r in rows) == sum(m for _, m in amounts)
    for r in rows:
        assert r.gross.minor == sum(m for c, m in amounts if c == r.tax_class.code)
        assert r.net + r.vat == r.gross
    codes = [r.tax_class.code for r in rows]
    assert codes == [c for c in ("S", "Z", "E") if c in codes]
