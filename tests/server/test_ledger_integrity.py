"""The sale ledger's references and its append-only rule hold without foreign keys: the
triggers of ``sync.server.ledger.integrity`` refuse, on SQLite and PostgreSQL alike, a row
naming a parent that does not exist (by INSERT or by COPY), any change or removal of a
ledger row, and deleting a store or terminal the ledger names; and pushes still apply."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client

from sync.server.ledger import integrity
from sync.server.ledger.bulk import _LINE_COLUMNS
from sync.server.ledger.models import LedgerEvent, Sale, SaleLine
from sync.server.terminals.models import Store, Terminal
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)


def _pushed(client: Client) -> tuple[Till, Sale]:
    till = enroll(client, new_store())
    answer = till.push(client, [till.sale("65", 2)])
    assert answer.status_code == 200, answer.content
    assert answer.json()["results"][0]["status"] == "applied"
    return till, Sale.objects.get(receipt_number=f"{till.store_id}-{till.terminal_id}-000001")


def _refused(match: str, sql: str, *params: object) -> None:
    with (
        pytest.raises(IntegrityError, match=match),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def _uuid(value: str) -> str:
    """A UUID as this backend's column holds it (SQLite: 32 hex digits)."""
    return uuid.UUID(value).hex if connection.vendor == "sqlite" else value


def test_the_migration_installs_every_trigger_and_drops_the_foreign_keys(hq_db: str) -> None:
    assert integrity.missing(connection) == []
    with connection.cursor() as cursor:
        for table in integrity.APPEND_ONLY:
            references = connection.introspection.get_relations(cursor, table)
            checked = {r.column for r in integrity.REFERENCES if r.child == table}
            assert not checked & set(references), (table, references)


def test_a_push_applies_and_its_rows_name_their_parents(client: Client) -> None:
    _, sale = _pushed(client)
    assert sale.lines.count() == 1
    assert sale.vat.count() == 1
    assert sale.payments.count() == 1
    assert sale.event.store_id == sale.store_id


def test_a_row_naming_a_missing_parent_is_refused(client: Client) -> None:
    _, sale = _pushed(client)
    line = SaleLine.objects.filter(sale=sale).values().get()
    columns = [c for c in line if c != "id"]
    values = {**line, "line_id": _uuid(str(uuid.uuid4())), "sale_id": sale.id + 10_000}
    placeholders = ", ".join(["%s"] * len(columns))
    _refused(
        integrity.ORPHAN,
        f"INSERT INTO hq_ledger_saleline ({', '.join(columns)}) VALUES ({placeholders})",
        *[str(values[c]) if isinstance(values[c], uuid.UUID) else values[c] for c in columns],
    )
    event = LedgerEvent.objects.get(pk=sale.event_id)
    _refused(
        integrity.ORPHAN,
        "INSERT INTO hq_ledger_ledgerevent (event_id, type, store_id, terminal_id, seq, "
        "created_at, received_at, training, content_hash, document) "
        "VALUES (%s, 'x', %s, %s, 1, %s, %s, false, 'h', '{}')",
        _uuid(str(uuid.uuid4())),
        event.store_id,
        event.terminal_id + 10_000,
        NOW,
        NOW,
    )
    assert SaleLine.objects.filter(sale=sale).count() == 1


def test_copy_of_a_row_naming_a_missing_sale_is_refused(client: Client) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("COPY is PostgreSQL's (SQLite's rows go by INSERT, checked above)")
    from sync.server.ledger.bulk import copy_tuples

    _, sale = _pushed(client)
    with pytest.raises(IntegrityError, match=integrity.ORPHAN), transaction.atomic():
        copy_tuples(
            SaleLine,
            _LINE_COLUMNS,
            [
                (sale.id, str(uuid.uuid4()), "A", "a", 1, 100, 100, "S", "16", 86, 14),
                (sale.id + 10_000, str(uuid.uuid4()), "B", "b", 1, 100, 100, "S", "16", 86, 14),
            ],
        )
    assert SaleLine.objects.filter(sale=sale).count() == 1


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("hq_ledger_ledgerevent", "seq"),
        ("hq_ledger_sale", "total_minor"),
        ("hq_ledger_saleline", "total_minor"),
        ("hq_ledger_salevat", "vat_minor"),
        ("hq_ledger_salepayment", "amount_minor"),
    ],
)
def test_ledger_rows_cannot_be_changed_or_removed(client: Client, table: str, column: str) -> None:
    _, sale = _pushed(client)
    _refused(integrity.REFUSED, f"UPDATE {table} SET {column} = {column} + 1")
    _refused(integrity.REFUSED, f"DELETE FROM {table}")
    if connection.vendor == "postgresql":
        _refused(integrity.REFUSED, f"TRUNCATE {table} CASCADE")
    with pytest.raises(IntegrityError, match=integrity.REFUSED), transaction.atomic():
        Sale.objects.filter(pk=sale.pk).delete()
    assert Sale.objects.get(pk=sale.pk).total_minor == sale.total_minor


def test_a_store_or_terminal_the_ledger_names_cannot_be_deleted(client: Client) -> None:
    _, sale = _pushed(client)
    terminal = LedgerEvent.objects.get(pk=sale.event_id).terminal_id
    _refused(integrity.IN_USE, "DELETE FROM hq_terminals_terminal WHERE id = %s", terminal)
    _refused(integrity.IN_USE, "DELETE FROM hq_terminals_store WHERE id = %s", sale.store_id)
    _refused(
        integrity.IN_USE,
        "UPDATE hq_terminals_store SET id = id + 10000 WHERE id = %s",
        sale.store_id,
    )
    assert Terminal.objects.filter(pk=terminal).exists()
    assert Store.objects.filter(pk=sale.store_id).exists()


def test_a_store_nothing_names_can_be_deleted_and_renamed(hq_db: str) -> None:
    store = new_store()
    Store.objects.filter(pk=store.pk).update(name="Renamed")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM hq_terminals_store WHERE id = %s", [store.pk])
    assert not Store.objects.filter(pk=store.pk).exists()


def test_migrating_back_restores_the_foreign_keys_and_forward_the_triggers(
    hq_db: str,
) -> None:
    call_command("migrate", "hq_ledger", "0004", verbosity=0, interactive=False)
    try:
        assert sorted(integrity.missing(connection)) == sorted(integrity.wanted(connection))
        with connection.cursor() as cursor:
            references = connection.introspection.get_relations(cursor, "hq_ledger_saleline")
        assert "sale_id" in references
    finally:
        call_command("migrate", verbosity=0, interactive=False)
    assert integrity.missing(connection) == []
