"""The manager's VAT rates view: the rates in force, and which came from head office
(version, when) and which from this till's configuration."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from pos.store import vat_classes
from pos.ui.vat_rates_dialog import VatRatesDialog
from tests.ui.conftest import Till


def test_the_rates_in_force_say_where_they_come_from(selling: Till) -> None:
    at = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    with selling.terminal.db.session() as s:
        vat_classes.apply_vat_classes(
            s,
            [
                vat_classes.VatClassChange("S", "VAT 10%", Decimal(10), False, True, 41),
                vat_classes.VatClassChange("R8", "Reduced 8%", Decimal(8), False, False, 42),
            ],
            at,
        )
    dialog = VatRatesDialog(selling.window, selling.window.actions_)
    selling.until(lambda: dialog.table.rowCount() == 4)
    rows = [
        tuple(dialog.table.item(r, c).text() for c in range(4))
        for r in range(dialog.table.rowCount())
    ]
    by_code = {row[0]: row for row in rows}
    assert by_code["S"][1:3] == ("VAT 10%", "10 %")
    assert "Head office, version 41" in by_code["S"][3]
    # received 09:30 UTC: shown in the shop's time, as the status bar's clock
    local = at.astimezone(selling.terminal.ctx.zone).strftime("%d/%m/%Y %H:%M")
    assert by_code["S"][3] == f"Head office, version 41, received {local}"
    assert selling.terminal.ctx.zone.utcoffset(at)  # the demo shop is not on UTC
    assert by_code["R8"][3].endswith("(retired)")
    assert by_code["Z"][3] == "This till's configuration"
    assert by_code["E"][2] == "Exempt"
    dialog.close()
