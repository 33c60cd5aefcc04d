"""KRA's signatures at head office cannot be changed or deleted, even by SQL that goes
around the application: the migration's triggers refuse it on SQLite and PostgreSQL,
while the bookkeeping the results pull needs on a signed entry stays writable, and an
unsigned entry stays free to be numbered, released and parked."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from sync.server.etims import immutable
from sync.server.etims.models import BranchDevice, QueueEntry, SignedInvoice
from tests.server.conftest import new_store

NOW = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
_BRANCHES = itertools.count(20)


def _signed(state: str = "signed") -> tuple[QueueEntry, SignedInvoice | None]:
    bhf = f"{next(_BRANCHES):02d}"
    device = BranchDevice.objects.create(
        store=new_store(), tin="P051234567X", bhf_id=bhf, device_serial=f"S/{bhf}"
    )
    entry = QueueEntry.objects.create(
        branch=device,
        doc_id=f"sale-{bhf}",
        kind="sale",
        body={"sale_id": f"sale-{bhf}"},
        state=state,
        invc_no=1,
        request={"invcNo": 1},
        enqueued_at=NOW,
        updated_at=NOW,
    )
    if state != "signed":
        return entry, None
    signed = SignedInvoice.objects.create(
        branch=device,
        entry=entry,
        invc_no=1,
        signature={"rcptSign": "ABCD1234EFGH5678"},
        prev_hash="0" * 64,
        hash="1" * 64,
    )
    return entry, signed


def _refused(sql: str, *params: object) -> None:
    with (
        pytest.raises(IntegrityError, match=immutable.REFUSED),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, params)


def test_the_migration_installs_every_trigger(hq_db: str) -> None:
    assert immutable.missing(connection) == []


def test_a_signature_cannot_be_updated_or_deleted(hq_db: str) -> None:
    _, signed = _signed()
    assert signed is not None
    _refused(
        "UPDATE hq_etims_signedinvoice SET signature = %s WHERE id = %s",
        '{"rcptSign": "FORGED"}',
        signed.id,
    )
    _refused("UPDATE hq_etims_signedinvoice SET invc_no = 2 WHERE id = %s", signed.id)
    _refused("DELETE FROM hq_etims_signedinvoice WHERE id = %s", signed.id)
    with pytest.raises(IntegrityError, match=immutable.REFUSED), transaction.atomic():
        SignedInvoice.objects.filter(id=signed.id).update(hash="2" * 64)
    kept = SignedInvoice.objects.get(id=signed.id)
    assert (kept.signature, kept.invc_no, kept.hash) == (
        {"rcptSign": "ABCD1234EFGH5678"},
        1,
        "1" * 64,
    )


def test_truncating_the_signatures_is_refused_on_postgresql(hq_db: str) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE is refused above)")
    _signed()
    _refused("TRUNCATE hq_etims_signedinvoice CASCADE")
    assert SignedInvoice.objects.exists()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("state", "waiting"),
        ("invc_no", 7),
        ("request", '{"invcNo": 7}'),
        ("body", '{"sale_id": "other"}'),
        ("doc_id", "other"),
        ("kind", "refund"),
    ],
)
def test_what_a_signed_entry_holds_cannot_change(hq_db: str, column: str, value: object) -> None:
    entry, _ = _signed()
    _refused(f"UPDATE hq_etims_queueentry SET {column} = %s WHERE id = %s", value, entry.id)
    kept = QueueEntry.objects.get(id=entry.id)
    assert (kept.state, kept.invc_no, kept.doc_id, kept.kind) == ("signed", 1, entry.doc_id, "sale")


def test_a_signed_entry_cannot_be_deleted(hq_db: str) -> None:
    entry, signed = _signed()
    assert signed is not None
    # the signature's own row protects nothing by itself here: the entry's trigger refuses
    _refused("DELETE FROM hq_etims_queueentry WHERE id = %s", entry.id)
    assert QueueEntry.objects.filter(id=entry.id, state="signed").exists()


def test_a_signed_entry_keeps_its_bookkeeping_writable(hq_db: str) -> None:
    entry, _ = _signed()
    QueueEntry.objects.filter(id=entry.id).update(
        result_seq=5, public_token=f"tok-{entry.id}", reason="", attempts=2, updated_at=NOW
    )
    entry.refresh_from_db()
    assert (entry.result_seq, entry.attempts) == (5, 2)
    # a full-row save (what Django's save() sends) with the same signed values passes too
    entry.save()


def test_an_unsigned_entry_is_still_numbered_released_parked_and_deleted(hq_db: str) -> None:
    entry, _ = _signed(state="in_doubt")
    QueueEntry.objects.filter(id=entry.id).update(state="waiting", invc_no=None, request=None)
    QueueEntry.objects.filter(id=entry.id).update(state="parked", reason="910 itemClsCd")
    QueueEntry.objects.filter(id=entry.id).update(state="in_doubt", invc_no=3, request={"n": 3})
    QueueEntry.objects.filter(id=entry.id).update(state="signed")
    # once signed it is kept
    _refused("UPDATE hq_etims_queueentry SET state = 'waiting' WHERE id = %s", entry.id)
    other, _ = _signed(state="waiting")
    QueueEntry.objects.filter(id=other.id).delete()
    assert not QueueEntry.objects.filter(id=other.id).exists()


def test_a_dropped_trigger_comes_back_with_the_next_migrate(hq_db: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER hq_etims_signed_no_update")
            gone = "hq_etims_signed_no_update"
        else:
            cursor.execute("DROP TRIGGER hq_etims_signed_kept ON hq_etims_signedinvoice")
            gone = "hq_etims_signed_kept"
    assert immutable.missing(connection) == [gone]
    call_command("migrate", verbosity=0, interactive=False)
    assert immutable.missing(connection) == []
    _, signed = _signed()
    assert signed is not None
    _refused("UPDATE hq_etims_signedinvoice SET hash = 'x' WHERE id = %s", signed.id)


def test_migrating_back_drops_the_triggers_and_forward_puts_them_back(hq_db: str) -> None:
    _, signed = _signed()  # made with today's columns, before going back
    assert signed is not None
    call_command("migrate", "hq_etims", "0004", verbosity=0, interactive=False)
    try:
        assert set(immutable.missing(connection)) == set(
            immutable.SQLITE_TRIGGERS if connection.vendor == "sqlite" else immutable.PG_TRIGGERS
        )  # not put back by the post-migrate hook either
        SignedInvoice.objects.filter(id=signed.id).update(hash="3" * 64)  # no trigger now
    finally:
        call_command("migrate", verbosity=0, interactive=False)
    assert immutable.missing(connection) == []
