"""Finding a sale by its payment reference uses the index, whatever the table holds."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from pos.store import journal_queries
from pos.store.db import Database


def test_reference_lookup_is_a_range_search_on_the_index(tmp_path: Path) -> None:
    db = Database(tmp_path / "till.sqlite")
    try:
        db.upgrade("head")
        payments = journal_queries._PAYMENTS
        stmt = select(payments.c.sale_id).where(
            payments.c.reference != "",
            payments.c.reference >= "QK7",
            payments.c.reference < "QK7" + journal_queries._PREFIX_END,
        )
        compiled = stmt.compile(compile_kwargs={"literal_binds": True})
        with db.read_session() as s:
            plan = " ".join(
                str(row[-1])
                for row in s.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}")
            )
    finally:
        db.dispose()
    assert "USING INDEX ix_payments_reference (reference>? AND reference<?)" in plan, plan
