"""Head office's VAT classes over the configured table (``TaxTable.overlaid``)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from pos.domain.tax import KENYA_VAT, TaxClass, TaxTable


def test_a_class_of_the_same_code_is_replaced_and_a_new_one_added() -> None:
    table = KENYA_VAT.overlaid(
        [TaxClass("S", "VAT 10%", Decimal(10)), TaxClass("R8", "Reduced", Decimal(8))]
    )
    assert table.codes() == ("S", "Z", "E", "R8")
    assert (table.get("S").rate, table.get("S").label) == (Decimal(10), "VAT 10%")
    assert table.get("Z") == KENYA_VAT.get("Z")


def test_an_unchanged_rate_keeps_the_configured_label() -> None:
    table = KENYA_VAT.overlaid([TaxClass("S", "Standard", Decimal("16.00"))])
    assert table.get("S").label == KENYA_VAT.get("S").label


@pytest.mark.parametrize("rate", [Decimal(-1), Decimal(101), Decimal("NaN")])
def test_a_rate_outside_0_to_100_is_refused(rate: Decimal) -> None:
    with pytest.raises(ValueError, match="bad VAT class"):
        TaxTable((TaxClass("X", "X", rate),))
