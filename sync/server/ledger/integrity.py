"""The sale ledger's integrity, kept by triggers: every reference checked, nothing rewritten.

A pushed sale writes seven references: its event's store and terminal, the sale's event and
store, and each line's, VAT row's and payment's sale. As foreign keys, PostgreSQL checked
each one per row at ``COMMIT`` (a look-up and a ``FOR KEY SHARE`` row lock on the parent):
about nine checks an event, 28 - 34 µs of the database's CPU (docs/headoffice.md, sessions
14 - 16). Here the same references are checked **once per statement**: a trigger after
each ``COPY`` or ``INSERT`` looks up, in one query over the statement's new rows, whether
any row names a parent that does not exist, and refuses the whole statement if one does.

Foreign keys also stop a parent from being deleted while rows point at it. The five sale
tables (``LedgerEvent``, ``Sale``, ``SaleLine``, ``SaleVat``, ``SalePayment``) are
**append-only** instead: an ``UPDATE``, ``DELETE`` or ``TRUNCATE`` of them is refused (the
application never changes evidence; the admin shows them read only), so a sale or an event
can never disappear from under its lines. A store or terminal can still be deleted when no
ledger row names it; deleting one that is named (or changing its id) is refused, and a push
takes a ``FOR KEY SHARE`` lock on its (one) store and terminal, as the foreign keys did, so
a delete racing a push waits for it and then sees its rows.

On SQLite (one writer at a time) the same rules are row triggers. Django's SQLite schema
editor rebuilds a table to alter it, which drops its triggers, so :func:`install` is
idempotent and runs after every ``migrate`` (``apps.Config``), and :func:`missing` names any
trigger that is not there (the tests check it is empty), as ``sync.server.etims.immutable``
does for KRA's signatures.
"""

from __future__ import annotations

from typing import Any, NamedTuple

#: the migration that installs the triggers (the ``post_migrate`` hook re-installs them
#: only while it is applied)
MIGRATION = ("hq_ledger", "0005_statement_level_integrity")

#: what both backends say when a statement would break the ledger; tests look for it
REFUSED = "the sale ledger is append-only"
ORPHAN = "names a row that does not exist"
IN_USE = "is named by the sale ledger"


class Reference(NamedTuple):
    """``child.column`` names ``parent.key``; ``lock``: take the parent's row lock (a
    parent that may be deleted, unlike the append-only ledger's own rows); ``shared``:
    many new rows of one statement name the same parent (a push's 200 events one store
    and terminal, a sale's lines one sale), so the check looks each parent up once."""

    child: str
    column: str
    parent: str
    key: str
    lock: bool
    shared: bool = True


_EVENT, _SALE = "hq_ledger_ledgerevent", "hq_ledger_sale"
_STORE, _TERMINAL = "hq_terminals_store", "hq_terminals_terminal"

REFERENCES = (
    Reference(_EVENT, "store_id", _STORE, "id", True),
    Reference(_EVENT, "terminal_id", _TERMINAL, "id", True),
    Reference(_SALE, "event_id", _EVENT, "event_id", False, shared=False),
    Reference(_SALE, "store_id", _STORE, "id", True),
    Reference("hq_ledger_saleline", "sale_id", _SALE, "id", False),
    Reference("hq_ledger_salevat", "sale_id", _SALE, "id", False),
    Reference("hq_ledger_salepayment", "sale_id", _SALE, "id", False),
)

#: the tables nothing may update, delete or truncate
APPEND_ONLY = tuple(dict.fromkeys(r.child for r in REFERENCES))
#: the parents that may be deleted while nothing in the ledger names them
GUARDED_PARENTS = tuple(dict.fromkeys(r.parent for r in REFERENCES if r.lock))


def _children(parent: str) -> list[Reference]:
    return [r for r in REFERENCES if r.parent == parent]


def _short(table: str) -> str:
    return table.removeprefix("hq_ledger_").removeprefix("hq_terminals_")


# -- PostgreSQL ---------------------------------------------------------------------------


def _pg_check_function(child: str) -> str:
    """The statement trigger's function for ``child``: lock the parents that may be
    deleted, then refuse the statement if any new row names a missing parent."""
    body = []
    for ref in (r for r in REFERENCES if r.child == child):
        if ref.lock:
            body.append(
                f"PERFORM 1 FROM {ref.parent} p WHERE p.{ref.key} IN "
                f"(SELECT DISTINCT n.{ref.column} FROM new_rows n) FOR KEY SHARE;"
            )
        # a shared parent is looked up once per distinct value rather than once per row:
        # a push's events made 200 index probes of the one store and the one terminal
        rows = f"(SELECT DISTINCT {ref.column} FROM new_rows)" if ref.shared else "new_rows"
        body.append(
            f"IF EXISTS (SELECT 1 FROM {rows} n WHERE NOT EXISTS "
            f"(SELECT 1 FROM {ref.parent} p WHERE p.{ref.key} = n.{ref.column})) THEN "
            f"RAISE EXCEPTION '{child}.{ref.column} {ORPHAN} in {ref.parent}' "
            "USING ERRCODE = 'foreign_key_violation'; END IF;"
        )
    return (
        f"CREATE OR REPLACE FUNCTION hq_ledger_check_{_short(child)}() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN {' '.join(body)} RETURN NULL; END $$"
    )


def _pg_parent_function(parent: str) -> str:
    """Before a store or terminal is deleted or given another id: refuse it while the
    ledger names the row (a row trigger: such changes are rare, and its row lock waits
    for a push holding the row, whose rows the check then sees)."""
    named = " OR ".join(
        f"EXISTS (SELECT 1 FROM {r.child} c WHERE c.{r.column} = OLD.{r.key})"
        for r in _children(parent)
    )
    return (
        f"CREATE OR REPLACE FUNCTION hq_ledger_keep_{_short(parent)}() RETURNS trigger "
        f"LANGUAGE plpgsql AS $$ BEGIN IF {named} THEN "
        f"RAISE EXCEPTION '{parent} row {IN_USE}' USING ERRCODE = 'restrict_violation'; "
        "END IF; IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
    )


def pg_triggers() -> list[tuple[str, str]]:
    """(trigger name, table) of every PostgreSQL trigger :func:`install` makes."""
    out = []
    for table in APPEND_ONLY:
        out.append((f"hq_ledger_{_short(table)}_checked", table))
        out.append((f"hq_ledger_{_short(table)}_kept", table))
        out.append((f"hq_ledger_{_short(table)}_no_truncate", table))
    for parent in GUARDED_PARENTS:
        out.append((f"hq_ledger_{_short(parent)}_deleted", parent))
        out.append((f"hq_ledger_{_short(parent)}_rekeyed", parent))
    return out


def pg_statements() -> list[str]:
    """The functions and triggers (replaced in place when run again).

    The refusals carry SQLSTATE 23503 (``foreign_key_violation``) or 23001
    (``restrict_violation``), so Django raises ``IntegrityError`` for both, as it did for
    the foreign keys."""
    refuse = (
        f"RAISE EXCEPTION '{REFUSED} (% on %)', TG_OP, TG_TABLE_NAME "
        "USING ERRCODE = 'restrict_violation';"
    )
    out = [
        "CREATE OR REPLACE FUNCTION hq_ledger_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {refuse} END $$"
    ]
    for table in APPEND_ONLY:
        name = _short(table)
        out += [
            _pg_check_function(table),
            f"DROP TRIGGER IF EXISTS hq_ledger_{name}_checked ON {table}",
            f"CREATE TRIGGER hq_ledger_{name}_checked AFTER INSERT ON {table} "
            "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION hq_ledger_check_{name}()",
            f"DROP TRIGGER IF EXISTS hq_ledger_{name}_kept ON {table}",
            f"CREATE TRIGGER hq_ledger_{name}_kept BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION hq_ledger_refuse()",
            f"DROP TRIGGER IF EXISTS hq_ledger_{name}_no_truncate ON {table}",
            f"CREATE TRIGGER hq_ledger_{name}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hq_ledger_refuse()",
        ]
    for parent in GUARDED_PARENTS:
        name = _short(parent)
        out += [
            _pg_parent_function(parent),
            f"DROP TRIGGER IF EXISTS hq_ledger_{name}_deleted ON {parent}",
            f"CREATE TRIGGER hq_ledger_{name}_deleted BEFORE DELETE ON {parent} "
            f"FOR EACH ROW EXECUTE FUNCTION hq_ledger_keep_{name}()",
            f"DROP TRIGGER IF EXISTS hq_ledger_{name}_rekeyed ON {parent}",
            f"CREATE TRIGGER hq_ledger_{name}_rekeyed BEFORE UPDATE OF id ON {parent} "
            "FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id) "
            f"EXECUTE FUNCTION hq_ledger_keep_{name}()",
        ]
    return out


def _pg_drop() -> list[str]:
    out = [f"DROP TRIGGER IF EXISTS {name} ON {table}" for name, table in pg_triggers()]
    out += [f"DROP FUNCTION IF EXISTS hq_ledger_check_{_short(t)}()" for t in APPEND_ONLY]
    out += [f"DROP FUNCTION IF EXISTS hq_ledger_keep_{_short(t)}()" for t in GUARDED_PARENTS]
    return [*out, "DROP FUNCTION IF EXISTS hq_ledger_refuse()"]


# -- SQLite -------------------------------------------------------------------------------


def _sqlite_triggers() -> list[tuple[str, str]]:
    """(name, statement) of every SQLite trigger (``IF NOT EXISTS``: idempotent)."""
    out = []
    for ref in REFERENCES:
        name = f"hq_ledger_{_short(ref.child)}_{ref.column}_checked"
        out.append(
            (
                name,
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE INSERT ON {ref.child} "
                f"WHEN NOT EXISTS (SELECT 1 FROM {ref.parent} WHERE {ref.key} = "
                f"NEW.{ref.column}) BEGIN SELECT RAISE(ABORT, "
                f"'{ref.child}.{ref.column} {ORPHAN} in {ref.parent}'); END",
            )
        )
    refused = f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
    for table in APPEND_ONLY:
        for op in ("UPDATE", "DELETE"):
            name = f"hq_ledger_{_short(table)}_no_{op.lower()}"
            out.append(
                (name, f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {op} ON {table} {refused}")
            )
    for parent in GUARDED_PARENTS:
        named = " OR ".join(
            f"EXISTS (SELECT 1 FROM {r.child} WHERE {r.column} = OLD.{r.key})"
            for r in _children(parent)
        )
        in_use = f"BEGIN SELECT RAISE(ABORT, '{parent} row {IN_USE}'); END"
        name = f"hq_ledger_{_short(parent)}_deleted"
        out.append(
            (
                name,
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE DELETE ON {parent} "
                f"WHEN {named} {in_use}",
            )
        )
        name = f"hq_ledger_{_short(parent)}_rekeyed"
        out.append(
            (
                name,
                f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE OF id ON {parent} "
                f"WHEN NEW.id IS NOT OLD.id AND ({named}) {in_use}",
            )
        )
    return out


# -- both ---------------------------------------------------------------------------------


def wanted(connection: Any) -> list[str]:
    if connection.vendor == "sqlite":
        return [name for name, _ in _sqlite_triggers()]
    return [name for name, _ in pg_triggers()]


def install(connection: Any) -> None:
    """Create (or re-create) the triggers on ``connection``'s database."""
    if connection.vendor == "sqlite":
        statements = [sql for _, sql in _sqlite_triggers()]
    elif connection.vendor == "postgresql":
        statements = pg_statements()
    else:  # pragma: no cover - head office runs on these two only
        raise RuntimeError(f"no ledger integrity triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def drop(connection: Any) -> None:
    """Drop the triggers (the migration going back, which restores the foreign keys)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, _ in _sqlite_triggers():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            for sql in _pg_drop():
                cursor.execute(sql)


def missing(connection: Any) -> list[str]:
    """The triggers that should exist and do not (empty when all is well)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        have = {str(row[0]) for row in cursor.fetchall()}
    return [name for name in wanted(connection) if name not in have]


__all__ = [
    "APPEND_ONLY",
    "GUARDED_PARENTS",
    "IN_USE",
    "MIGRATION",
    "ORPHAN",
    "REFERENCES",
    "REFUSED",
    "Reference",
    "drop",
    "install",
    "missing",
    "pg_statements",
    "pg_triggers",
    "wanted",
]
