"""Database triggers that keep KRA's signatures as KRA gave them, at head office.

A signed invoice is evidence for the tax authority: the SCU block printed on the
customer's receipt must match what head office keeps. The application never changes a
:class:`~sync.server.etims.models.SignedInvoice` nor the numbering fields of a signed
:class:`~sync.server.etims.models.QueueEntry`; these triggers make the database refuse it
too (a stray ``UPDATE`` in a shell, a bad migration, an admin action), on PostgreSQL and
SQLite alike:

* ``hq_etims_signedinvoice``: every ``UPDATE`` and ``DELETE`` (and, on PostgreSQL,
  ``TRUNCATE``) is refused.
* ``hq_etims_queueentry`` rows in state ``signed``: ``DELETE`` is refused, and so is an
  ``UPDATE`` that changes what was signed (``state``, ``invc_no``, ``request``, ``body``,
  ``doc_id``, ``kind``, ``branch_id``). The bookkeeping columns (``terminal``,
  ``public_token``, ``result_seq``, ``reason``, ``attempts``, ``updated_at``) stay
  writable: the results pull and the customer page attach to a signed entry later.

Django's SQLite schema editor rebuilds a table to alter it, which drops its triggers; so
:func:`install` is idempotent and runs after every ``migrate`` (``apps.EtimsConfig``), and
:func:`missing` names any trigger that is not there (the tests check it is empty).
"""

from __future__ import annotations

from typing import Any

#: the migration that installs the triggers (the ``post_migrate`` hook re-installs them
#: only while it is applied)
MIGRATION = ("hq_etims", "0005_signed_immutable")

#: the message both backends give; tests and operators look for it
REFUSED = "KRA eTIMS signatures are kept as signed"

#: the queue columns that make up what KRA signed
SIGNED_COLUMNS = ("state", "invc_no", "request", "body", "doc_id", "kind", "branch_id")

SQLITE_TRIGGERS = (
    "hq_etims_signed_no_update",
    "hq_etims_signed_no_delete",
    "hq_etims_signed_entry_no_update",
    "hq_etims_signed_entry_no_delete",
)
PG_TRIGGERS = ("hq_etims_signed_kept", "hq_etims_signed_no_truncate", "hq_etims_signed_entry_kept")


def _sqlite_changed() -> str:
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in SIGNED_COLUMNS)


def _pg_changed() -> str:
    return " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in SIGNED_COLUMNS)


def sqlite_statements() -> list[str]:
    """The SQLite triggers (``IF NOT EXISTS``: running them again changes nothing)."""
    raise_ = f"SELECT RAISE(ABORT, '{REFUSED}');"
    return [
        "CREATE TRIGGER IF NOT EXISTS hq_etims_signed_no_update BEFORE UPDATE "
        f"ON hq_etims_signedinvoice BEGIN {raise_} END",
        "CREATE TRIGGER IF NOT EXISTS hq_etims_signed_no_delete BEFORE DELETE "
        f"ON hq_etims_signedinvoice BEGIN {raise_} END",
        "CREATE TRIGGER IF NOT EXISTS hq_etims_signed_entry_no_update BEFORE UPDATE "
        f"ON hq_etims_queueentry WHEN OLD.state = 'signed' AND ({_sqlite_changed()}) "
        f"BEGIN {raise_} END",
        "CREATE TRIGGER IF NOT EXISTS hq_etims_signed_entry_no_delete BEFORE DELETE "
        f"ON hq_etims_queueentry WHEN OLD.state = 'signed' BEGIN {raise_} END",
    ]


def pg_statements() -> list[str]:
    """The PostgreSQL functions and triggers (replaced in place when run again).

    ``restrict_violation`` (SQLSTATE 23001) makes Django raise ``IntegrityError``, as
    SQLite's ``RAISE(ABORT)`` does.
    """
    refuse = (
        f"RAISE EXCEPTION '{REFUSED} (% on %)', TG_OP, TG_TABLE_NAME "
        "USING ERRCODE = 'restrict_violation';"
    )
    return [
        "CREATE OR REPLACE FUNCTION hq_etims_refuse() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN {refuse} END $$",
        "CREATE OR REPLACE FUNCTION hq_etims_signed_entry_kept() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN "
        "IF OLD.state = 'signed' AND "
        f"(TG_OP = 'DELETE' OR {_pg_changed()}) THEN {refuse} END IF; "
        "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$",
        "DROP TRIGGER IF EXISTS hq_etims_signed_kept ON hq_etims_signedinvoice",
        "CREATE TRIGGER hq_etims_signed_kept BEFORE UPDATE OR DELETE "
        "ON hq_etims_signedinvoice FOR EACH ROW EXECUTE FUNCTION hq_etims_refuse()",
        "DROP TRIGGER IF EXISTS hq_etims_signed_no_truncate ON hq_etims_signedinvoice",
        "CREATE TRIGGER hq_etims_signed_no_truncate BEFORE TRUNCATE "
        "ON hq_etims_signedinvoice FOR EACH STATEMENT EXECUTE FUNCTION hq_etims_refuse()",
        "DROP TRIGGER IF EXISTS hq_etims_signed_entry_kept ON hq_etims_queueentry",
        "CREATE TRIGGER hq_etims_signed_entry_kept BEFORE UPDATE OR DELETE "
        "ON hq_etims_queueentry FOR EACH ROW EXECUTE FUNCTION hq_etims_signed_entry_kept()",
    ]


def install(connection: Any) -> None:
    """Create (or re-create) the triggers on ``connection``'s database."""
    if connection.vendor == "sqlite":
        statements = sqlite_statements()
    elif connection.vendor == "postgresql":
        statements = pg_statements()
    else:  # pragma: no cover - head office runs on these two only
        raise RuntimeError(f"no eTIMS immutability triggers for {connection.vendor}")
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def drop(connection: Any) -> None:
    """Drop the triggers (only inside the one-time chain upgrade's transaction, which
    re-installs them with :func:`install` before it commits)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        else:
            tables = ("hq_etims_signedinvoice", "hq_etims_signedinvoice", "hq_etims_queueentry")
            for name, table in zip(PG_TRIGGERS, tables, strict=True):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def present(connection: Any) -> set[str]:
    """The names of this module's triggers that exist in ``connection``'s database."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        names = {str(row[0]) for row in cursor.fetchall()}
    wanted = SQLITE_TRIGGERS if connection.vendor == "sqlite" else PG_TRIGGERS
    return names & set(wanted)


def missing(connection: Any) -> list[str]:
    """The triggers that should exist and do not (empty when all is well)."""
    wanted = SQLITE_TRIGGERS if connection.vendor == "sqlite" else PG_TRIGGERS
    have = present(connection)
    return [name for name in wanted if name not in have]
