"""The store bench, run small: every figure is there and the data it builds is right.

A correctness test of the benchmark, not a speed test: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import re
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

from pos.bench import run_bench
from pos.bench.catalog import barcode_of, product_items, search_prefixes
from pos.bench.stats import percentile, summary
from pos.cli import main as cli_main
from pos.domain.barcode import is_valid_gtin
from pos.domain.sale import Sale
from pos.domain.tax import TaxTable

#: Every top-level figure the bench promises, each a positive number.
NUMBERS = (
    "products",
    "sales",
    "samples",
    "scan_p50_ms",
    "scan_p99_ms",
    "search_p50_ms",
    "search_p99_ms",
    "search_hits_mean",
    "sale_commit_p50_ms",
    "sale_commit_p99_ms",
    "sale_commit_raw_p50_ms",
    "sale_commit_raw_p99_ms",
    "sale_commit_ratio",
    "daily_totals_ms",
    "daily_totals_p99_ms",
    "startup_s",
    "startup_min_s",
    "startup_max_s",
    "startup_login_s",
    "startup_app_s",
    "startup_cpu_s",
    "startup_rss_mb",
    "rss_mb",
    "rss_peak_mb",
    "fsync_p50_ms",
    "fsync_p99_ms",
    "build_catalog_s",
    "build_sales_s",
    "db_size_mb",
    "days",
    "cpu_count",
    "total_s",
)
DETAIL = (
    "scan_ms",
    "scan_cpu_ms",
    "search_ms",
    "search_cpu_ms",
    "sale_commit_ms",
    "sale_commit_cpu_ms",
    "sale_commit_raw_ms",
    "sale_commit_raw_cpu_ms",
    "daily_totals_ms",
    "startup_s",
    "startup_app_s",
    "startup_rss_mb",
    "fsync_ms",
)
PRODUCTS, SALES, SAMPLES = 3000, 3000, 50
DT_SQL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")


@pytest.fixture(scope="module")
def bench(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], Path]:
    """One small run of ``kaunta bench store --json``, keeping its database."""
    work = tmp_path_factory.mktemp("bench")
    args = argparse.Namespace(
        bench_target="store",
        products=PRODUCTS,
        sales=SALES,
        samples=SAMPLES,
        json=True,
        dir=work,
        startup_runs=1,
    )
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_bench(args)
    assert code == 0
    return json.loads(out.getvalue()), work / "bench.sqlite"


def test_every_figure_is_a_positive_number(bench: tuple[dict[str, Any], Path]) -> None:
    result, _ = bench
    for key in NUMBERS:
        value = result[key]
        assert isinstance(value, int | float), key
        assert not isinstance(value, bool), key
        assert value > 0, key
    assert (result["products"], result["sales"], result["samples"]) == (PRODUCTS, SALES, SAMPLES)
    for key in DETAIL:
        spread = result["detail"][key]
        for q in ("p50", "p90", "p99", "min", "max"):
            assert spread[q] > 0, (key, q)
        assert spread["min"] <= spread["p50"] <= spread["p90"] <= spread["p99"] <= spread["max"]
    assert result["detail"]["scan_ms"]["n"] == SAMPLES
    assert result["detail"]["scan_during_gateway_hang_ms"]["n"] == SAMPLES
    assert result["detail"]["daily_totals_ms"]["n"] == 50
    assert result["detail"]["startup_s"]["n"] == 1
    assert result["sqlite_version"] == sqlite3.sqlite_version
    assert set(result["goals_met"]) == set(result["goals"])


def test_the_managers_figures_are_there(bench: tuple[dict[str, Any], Path]) -> None:
    """``z_report_ms``, ``daily_view_ms`` and ``range_30d_ms`` (issue 12) are printed, with
    their spread and goals, and the Z timed really covered the days of the history."""
    result, _ = bench
    for key in ("z_report_ms", "daily_view_ms", "range_30d_ms"):
        value = result[key]
        assert isinstance(value, int | float), key
        assert not isinstance(value, bool), key
        assert value > 0, key
        spread = result["detail"][key]
        assert spread["n"] > 0, key
        assert spread["min"] <= spread["p50"] <= spread["max"], key
        assert spread["p50"] == value, key
        assert key in result["goals"], key
        assert key in result["goals_met"], key
    assert result["z_sales_per_day"] >= 1


def test_ratio_is_app_over_raw(bench: tuple[dict[str, Any], Path]) -> None:
    result, _ = bench
    expected = result["sale_commit_p50_ms"] / result["sale_commit_raw_p50_ms"]
    assert result["sale_commit_ratio"] == pytest.approx(expected, rel=0.01)


def test_catalog_is_unique_and_valid(bench: tuple[dict[str, Any], Path]) -> None:
    _, db = bench
    with sqlite3.connect(db) as conn:
        n, skus, codes = conn.execute(
            "SELECT count(*), count(DISTINCT sku), count(DISTINCT barcode) FROM products"
        ).fetchone()
        assert n == skus == codes == PRODUCTS
        classes = {r[0] for r in conn.execute("SELECT DISTINCT vat_class FROM products")}
        assert classes == {"S", "Z", "E"}
        (fts,) = conn.execute(
            "SELECT count(*) FROM products_fts WHERE products_fts MATCH 'bro*'"
        ).fetchone()
        assert fts > 0
    assert all(is_valid_gtin(barcode_of(i)) for i in (1, 2, 999, PRODUCTS))


def test_history_rows_have_the_apps_shape(bench: tuple[dict[str, Any], Path]) -> None:
    """Loaded sales read back through the domain to exactly their stored figures."""
    _, db = bench
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        today = conn.execute("SELECT max(business_date) FROM sales").fetchone()[0]
        live = conn.execute("SELECT * FROM sales WHERE business_date = ?", (today,)).fetchone()
        old = conn.execute(
            "SELECT * FROM sales WHERE business_date < ? ORDER BY random() LIMIT 40", (today,)
        ).fetchall()
        assert len(old) == 40
        assert (
            conn.execute("SELECT count(*) FROM sales WHERE business_date < ?", (today,)).fetchone()[
                0
            ]
            == SALES
        )
        for row in [live, *old]:
            assert DT_SQL.match(row["closed_at"]), row["closed_at"]
            assert DT_SQL.match(row["opened_at"])
            assert uuid.UUID(row["id"]).version == 7
            document = json.loads(row["document"])
            assert json.dumps(document, separators=(",", ":")) == row["document"]
            sale = Sale.from_dict(document["sale"])
            table = TaxTable.from_list(document["vat"])
            totals = sale.totals(table)
            assert sale.sale_id == row["id"]
            assert row["status"] == sale.status.value == "completed"
            assert row["total_minor"] == totals.total.minor
            assert row["subtotal_minor"] == totals.subtotal.minor
            assert row["vat_minor"] == totals.vat_total.minor
            assert row["rounding_minor"] == totals.rounding.minor
            assert row["paid_minor"] == totals.paid.minor
            assert row["item_count"] == totals.item_count
            assert sale.is_fully_paid(table)
            taxes = conn.execute(
                "SELECT vat_class, gross_minor, vat_minor, business_date, status "
                "FROM sale_taxes WHERE sale_id = ? ORDER BY rowid",
                (row["id"],),
            ).fetchall()
            assert [tuple(t) for t in taxes] == [
                (v.tax_class.code, v.gross.minor, v.vat.minor, row["business_date"], "completed")
                for v in totals.vat
            ]
            lines = conn.execute(
                "SELECT line_no, product_id, quantity, total_minor FROM sale_lines "
                "WHERE sale_id = ? ORDER BY line_no",
                (row["id"],),
            ).fetchall()
            assert len(lines) >= 1
            assert [tuple(x) for x in lines] == [
                (n, ln.product.product_id, ln.quantity, lt.total.minor)
                for n, (ln, lt) in enumerate(zip(sale.lines, totals.lines, strict=True), 1)
            ]
            pays = conn.execute(
                "SELECT id, method, amount_minor, change_minor, created_at, business_date, status "
                "FROM payments WHERE sale_id = ?",
                (row["id"],),
            ).fetchall()
            assert [(p["id"], p["method"], p["amount_minor"], p["change_minor"]) for p in pays] == [
                (p.payment_id, p.method, p.amount.minor, p.change.minor) for p in sale.payments
            ]
            for p in pays:
                assert DT_SQL.match(p["created_at"])
                assert (p["business_date"], p["status"]) == (row["business_date"], "completed")
    finally:
        conn.close()


def test_names_make_useful_prefixes() -> None:
    items = list(product_items(2000, seed=3))
    assert len({i.sku for i in items}) == len({i.barcode for i in items}) == 2000
    prefixes = search_prefixes()
    assert len(prefixes) > 100
    words = {w[:3].lower() for i in items for w in i.name.split()}
    assert sum(p in words for p in prefixes) > len(prefixes) * 0.8


def test_percentiles() -> None:
    xs = [float(x) for x in range(1, 101)]
    assert percentile(xs, 0.5) == pytest.approx(50.5)
    assert percentile(xs, 0.99) == pytest.approx(99.01)
    s = summary(xs)
    assert (s["min"], s["max"], s["n"]) == (1.0, 100.0, 100)


def test_cli_refuses_a_tiny_catalog(tmp_path: Path) -> None:
    code = cli_main(["--data-dir", str(tmp_path), "bench", "store", "--products", "10"])
    assert code == 2
