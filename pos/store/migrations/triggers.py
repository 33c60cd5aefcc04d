"""Every trigger the till's schema must have, in one list, and the helpers that keep them.

The triggers are what make completed documents evidence (append-only journal, audit log,
attempt log and journal chain, with REPLACE and UPSERT refused; immutable outbox events that
are never deleted) and what keep the name search in step with the
catalog. SQLite drops a table's triggers with the table, and Alembic's batch mode
(``render_as_batch=True``) rebuilds a table by copy, drop and rename, so any batch operation
silently removes them. Hence:

- :data:`TRIGGERS` is the single source of truth: one entry per trigger, with the revision
  that created it (``since``) and, once it is dropped or replaced, the revision that did so
  (``until``).
- :func:`ensure_triggers` (re)creates what a revision must have; the migration environment
  calls it after every migration step, and the upgrade runner once more before it commits.
- :func:`missing_triggers` says what an open database lacks, for start-up to refuse to sell
  on a file whose evidence rules are gone.

Why migrations read this list instead of keeping frozen copies of the DDL: Alembic's rule is
that a migration must do the same thing forever, which is why migrations usually copy the
DDL rather than import it from models that keep changing. This list does not change in
place; it is a history. An entry that a released migration created is never edited (a test
pins their text): to change a trigger, set ``until`` on its entry to the new revision and
add a new entry with ``since`` set to it (it may keep the name). So
``created_in("0001")`` returns the same statements today and in ten years, which is what a
frozen copy would give, without a second copy that can drift from the one start-up checks.

To add a trigger in a new migration, add its entry here with ``since`` = that revision;
the migration does not need to create it itself (the step hook does), though it may.

This module does not import Alembic, so start-up can use it without loading the migrations.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass(frozen=True, slots=True)
class Trigger:
    """One trigger: its name, its table, its DDL, and the revisions it lives between."""

    name: str
    table: str
    since: str
    sql: str
    until: str | None = None


def _append_only(table: str, since: str) -> tuple[Trigger, ...]:
    """A table whose rows can never change or go: corrections are new documents."""
    return tuple(
        Trigger(
            f"{table}_no_{verb.lower()}",
            table,
            since,
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{table} is append-only: write a correcting document'); END",
        )
        for verb in ("UPDATE", "DELETE")
    )


def _no_replace(table: str, since: str, *keys: tuple[str, ...]) -> Trigger:
    """Refuse an insert whose key exists already, before SQLite resolves the conflict.

    ``INSERT OR REPLACE`` (and ``REPLACE``) deletes the old row without firing DELETE
    triggers unless the connection turned ``recursive_triggers`` on, which an attacker's
    connection will not; an UPSERT or ``OR IGNORE`` resolves the conflict its own way. A
    BEFORE INSERT trigger runs before any of that, on every connection, so it is what
    stops them all (the price: one index probe per key and insert).
    """
    exists = " OR ".join(
        f"EXISTS (SELECT 1 FROM {table} WHERE "
        + " AND ".join(f"{column} = NEW.{column}" for column in key)
        + ")"
        for key in keys
    )
    return Trigger(
        f"{table}_no_replace",
        table,
        since,
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} WHEN {exists} BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: a row with this key exists "
        "(REPLACE and UPSERT are refused)'); END",
    )


def _sealed_child(table: str, since: str) -> Trigger:
    """No line, VAT row or payment may be added to a sale once it is sealed in the journal."""
    return Trigger(
        f"{table}_sealed",
        table,
        since,
        f"CREATE TRIGGER {table}_sealed BEFORE INSERT ON {table} WHEN EXISTS (SELECT 1 FROM "
        "journal_chain WHERE kind = 'sale' AND doc_id = NEW.sale_id) BEGIN "
        f"SELECT RAISE(ABORT, '{table} is append-only: the sale is sealed in the journal; "
        "write a correcting document'); END",
    )


#: Every trigger ever created by a migration, oldest first. Append; never edit an entry
#: that a released migration created (see the module docstring).
TRIGGERS: tuple[Trigger, ...] = (
    # -- 0001: FTS5 name search kept in step with ``products`` ---------------------------
    Trigger(
        "products_fts_ai",
        "products",
        "0001",
        "CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN "
        "INSERT INTO products_fts(rowid, name) VALUES (new.id, new.name); "
        "END",
    ),
    Trigger(
        "products_fts_ad",
        "products",
        "0001",
        "CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN "
        "INSERT INTO products_fts(products_fts, rowid, name) VALUES ('delete', old.id, old.name); "
        "END",
    ),
    Trigger(
        "products_fts_au",
        "products",
        "0001",
        "CREATE TRIGGER products_fts_au AFTER UPDATE OF name ON products BEGIN "
        "INSERT INTO products_fts(products_fts, rowid, name) VALUES ('delete', old.id, old.name); "
        "INSERT INTO products_fts(rowid, name) VALUES (new.id, new.name); "
        "END",
    ),
    # -- 0001: completed documents and the audit log are append-only --------------------
    *_append_only("sales", "0001"),
    *_append_only("sale_lines", "0001"),
    *_append_only("sale_taxes", "0001"),
    *_append_only("payments", "0001"),
    *_append_only("audit_log", "0001"),
    # -- 0001: an outbox event may only have its delivery columns changed ----------------
    Trigger(
        "outbox_immutable",
        "outbox",
        "0001",
        "CREATE TRIGGER outbox_immutable BEFORE UPDATE OF id, kind, aggregate_id, payload, "
        "created_at ON outbox BEGIN SELECT RAISE(ABORT, 'outbox events are immutable'); END",
        until="0003",  # replaced: it let seq be renumbered
    ),
    # -- 0002: the state log of payment attempts is append-only --------------------------
    *_append_only("payment_attempt_events", "0002"),
    # -- 0003: the keyed journal chain; no REPLACE/UPSERT on journal tables; the outbox
    #    keeps its rows, and only their delivery columns (sent_at, attempts) change ---------
    *_append_only("journal_chain", "0003"),
    *_append_only("journal_checkpoints", "0003"),
    _no_replace("sales", "0003", ("id",), ("number",)),
    _no_replace("sale_lines", "0003", ("sale_id", "line_no")),
    _no_replace("sale_taxes", "0003", ("sale_id", "vat_class")),
    _no_replace("payments", "0003", ("id",)),
    _no_replace("audit_log", "0003", ("seq",), ("id",)),
    _no_replace("outbox", "0003", ("seq",), ("id",)),
    _no_replace("payment_attempt_events", "0003", ("seq",)),
    _no_replace("journal_chain", "0003", ("seq",), ("kind", "doc_id")),
    _no_replace("journal_checkpoints", "0003", ("seq",)),
    _sealed_child("sale_lines", "0003"),
    _sealed_child("sale_taxes", "0003"),
    _sealed_child("payments", "0003"),
    Trigger(
        "outbox_immutable",
        "outbox",
        "0003",
        "CREATE TRIGGER outbox_immutable BEFORE UPDATE OF seq, id, kind, aggregate_id, "
        "payload, created_at ON outbox BEGIN "
        "SELECT RAISE(ABORT, 'outbox events are immutable'); END",
    ),
    Trigger(
        "outbox_no_delete",
        "outbox",
        "0003",
        "CREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox BEGIN "
        "SELECT RAISE(ABORT, 'outbox events are immutable: they are never deleted'); END",
    ),
    # -- 0006: refunds are documents like sales (append-only, no REPLACE/UPSERT). No
    #    trigger on products or product_barcodes names the other table: a batch rebuild
    #    of one would fail on the other's trigger (the product service keeps a barcode
    #    to one product instead) ------------------------------------------------------
    *_append_only("refunds", "0006"),
    *_append_only("refund_lines", "0006"),
    *_append_only("refund_tenders", "0006"),
    _no_replace("refunds", "0006", ("id",), ("number",)),
    _no_replace("refund_lines", "0006", ("refund_id", "line_no")),
    _no_replace("refund_tenders", "0006", ("refund_id", "tender_no")),
    # -- 0007: shifts, their closes, cash movements and Z reports are documents ----------
    *_append_only("shifts", "0007"),
    *_append_only("shift_closes", "0007"),
    *_append_only("cash_movements", "0007"),
    *_append_only("z_reports", "0007"),
    _no_replace("shifts", "0007", ("id",), ("terminal_id", "number")),
    _no_replace("shift_closes", "0007", ("shift_id",)),
    _no_replace("cash_movements", "0007", ("id",)),
    _no_replace("z_reports", "0007", ("id",), ("terminal_id", "number")),
)


def created_in(revision: str) -> tuple[Trigger, ...]:
    """The triggers ``revision`` creates, in creation order (for that migration to run)."""
    return tuple(t for t in TRIGGERS if t.since == revision)


def dropped_in(revision: str) -> tuple[Trigger, ...]:
    """The triggers ``revision`` drops or replaces (its downgrade re-creates them)."""
    return tuple(t for t in TRIGGERS if t.until == revision)


def triggers_at(applied: Collection[str]) -> tuple[Trigger, ...]:
    """The triggers a schema must have once exactly the revisions in ``applied`` ran."""
    return tuple(
        t for t in TRIGGERS if t.since in applied and (t.until is None or t.until not in applied)
    )


def required_triggers() -> tuple[Trigger, ...]:
    """The triggers the newest schema must have (what start-up checks)."""
    return tuple(t for t in TRIGGERS if t.until is None)


def _normal(sql: str | None) -> str:
    """SQLite keeps the DDL as written, give or take whitespace: compare without it."""
    return " ".join((sql or "").split())


def _present(conn: Connection) -> dict[str, str]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    return {str(name): _normal(sql) for name, sql in rows}


def missing_triggers(conn: Connection, required: Iterable[Trigger] | None = None) -> list[str]:
    """Names of the required triggers that are absent or no longer say what they must.

    A trigger of the right name whose body was changed (say, to one that allows updates)
    counts as missing: what matters is the rule, not the name. ``required`` defaults to
    the newest schema's triggers.
    """
    present = _present(conn)
    wanted = required_triggers() if required is None else required
    return sorted(t.name for t in wanted if present.get(t.name) != _normal(t.sql))


def ensure_triggers(conn: Connection, required: Iterable[Trigger]) -> list[str]:
    """Make the schema's triggers exactly ``required`` (as far as this list knows them).

    Creates the absent ones, replaces any whose DDL differs, and drops those this list
    knows but ``required`` does not include (created by a revision not applied, or
    dropped by a later one). Triggers this list has never heard of are left alone.
    Returns the names created or replaced. Run it inside the migration's transaction.
    """
    present = _present(conn)
    wanted = {t.name: t for t in required}
    for name in sorted({t.name for t in TRIGGERS} - wanted.keys()):
        if name in present:
            conn.exec_driver_sql(f"DROP TRIGGER {name}")
    changed: list[str] = []
    for trigger in wanted.values():
        have = present.get(trigger.name)
        if have == _normal(trigger.sql):
            continue
        if have is not None:
            conn.exec_driver_sql(f"DROP TRIGGER {trigger.name}")
        conn.exec_driver_sql(trigger.sql)
        changed.append(trigger.name)
    return changed
