"""A refund settled "no credit note" takes its results number under the branch row's lock,
as signatures and refusals do: committed in order, so a till's pull (``after=N``) never
skips one. Another transaction holds the branch row (as a signing round does) and takes a
number; the settle waits for it and takes the next (review r14d: nothing tested the
lock). PostgreSQL: SQLite has one writer at a time, so there the order holds anyway."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.test import Client
from django.utils import timezone

from sync.etims.queue import EntryState
from sync.etims.words import NO_CREDIT_NOTE
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import DjangoQueue
from tests.server.etims_hq_support import applied, branch_fixtures
from tests.server.factory import enroll
from tests.server.test_etims_hq_refund_no_credit_note import _no_receipt
from tests.server.test_etims_hq_results_held import _device

_BRANCHES, branch, box = branch_fixtures(70)


def test_the_no_credit_results_number_waits_for_the_branch_lock(
    client: Client, branch: tuple[str, str]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite: one writer at a time, the order holds without the row lock")
    device = _device(branch)
    till = enroll(client, device.store)
    back = _no_receipt(till, till.sale("65"))
    applied(client, till, [back])
    entry = QueueEntry.objects.get(branch=device, doc_id=back["body"]["refund_id"])
    holding, release = threading.Event(), threading.Event()
    numbers: dict[str, int] = {}
    errors: list[BaseException] = []

    def a_signing_round() -> None:  # holds the branch row and takes the next number
        try:
            with transaction.atomic():
                row = BranchDevice.objects.select_for_update().get(pk=device.pk)
                holding.set()
                assert release.wait(30)
                row.last_result_seq += 1
                row.save(update_fields=["last_result_seq"])
                numbers["round"] = row.last_result_seq
        except BaseException as e:
            errors.append(e)
        finally:
            connections.close_all()

    def settle() -> None:
        try:
            DjangoQueue().settle_no_credit_note(
                device.key, entry.id, NO_CREDIT_NOTE, timezone.now()
            )
        except BaseException as e:
            errors.append(e)
        finally:
            connections.close_all()

    rounding = threading.Thread(target=a_signing_round)
    rounding.start()
    assert holding.wait(30)
    settling = threading.Thread(target=settle)
    settling.start()
    settling.join(2)  # with the lock it cannot finish while the round holds the row
    waited = settling.is_alive()
    release.set()
    rounding.join(30)
    settling.join(30)
    assert not errors, errors
    assert waited
    entry.refresh_from_db()
    assert entry.state == EntryState.NO_CREDIT_NOTE.value
    assert entry.result_seq == numbers["round"] + 1  # after the round's, never the same
