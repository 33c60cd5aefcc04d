"""Head office's queue and refunds whose sale was not a KRA invoice: a return without a
receipt (``original`` null) and a refund of a sale the branch's queue never held (made
before the till pushed to head office, so not in the ledger either: a sale pushed before
the device was set up is queued when it is, tests/server/test_etims_hq_backfill.py)
settle as "no credit note" in a round against the OSCU simulator (real HTTP on
127.0.0.1): nothing is sent to KRA, no number is taken, nothing is parked, the 24 h
alert stays off two days later and the dashboard's eTIMS page lists them apart. A
refund whose sale waits is sent after it. On SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from sync.etims.queue import EntryState, _Header
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.words import NO_CREDIT_NOTE
from sync.protocol.builders import refund_completed
from sync.protocol.fields import Fields
from sync.protocol.refunds import RefundCompleted
from sync.server.accounts.models import HqRole, Profile
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import applied as _applied
from tests.server.etims_hq_support import branch_fixtures, swahili_catalogue
from tests.server.etims_hq_support import hq_settings as _settings
from tests.server.factory import CASHIER, T0, Till, enroll, new_id
from tests.server.refund_docs import refund

_BRANCHES, branch, box = branch_fixtures(60)
PASSWORD = "a long enough passphrase"
SAVE = "saveTrnsSalesOsdc"


def _device(store: Any, branch: tuple[str, str]) -> BranchDevice:
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    return device


def _no_receipt(till: Till, sale: dict[str, Any]) -> dict[str, Any]:
    """A return without a receipt of one unit of ``sale``'s first line: no original, a
    manager's approval and a reason (the protocol's rule for it)."""
    doc = refund(till, sale, 1)
    body = dict(doc["body"])
    body["original"] = None
    body["approved_by"] = CASHIER
    body["lines"] = [{**ln, "original_line_id": None} for ln in body["lines"]]
    parsed = RefundCompleted.parse(Fields(body, "body"), _Header(body))
    assert parsed.original is None
    return refund_completed(
        event_id=new_id(),
        store_id=till.store_id,
        terminal_id=till.terminal_id,
        seq=till.seq,
        created_at=T0 + timedelta(hours=1),
        training=False,
        refund=parsed,
    )


def _settled_without_note(device: BranchDevice, refund_id: str) -> None:
    row = QueueEntry.objects.get(branch=device, doc_id=refund_id)
    assert row.state == EntryState.NO_CREDIT_NOTE.value
    assert row.reason == NO_CREDIT_NOTE
    assert row.invc_no is None
    assert row.request is None
    later = timezone.now() + timedelta(days=2)
    stats = DjangoQueue().stats(device.key, later, timedelta(hours=24))
    assert (stats.waiting, stats.in_doubt, stats.parked) == (0, 0, 0)
    assert stats.no_credit_note == 1
    assert stats.oldest_unsigned is None
    assert not stats.alert


def test_a_return_without_a_receipt_is_settled_without_a_credit_note(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    back = _no_receipt(till, till.sale("65", 2))
    _applied(client, till, [back])
    done = run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={}))
    assert (done.signed, done.parked, done.stopped) == (0, 0, "")
    assert box.calls[SAVE] == 0  # KRA got nothing
    _settled_without_note(device, back["body"]["refund_id"])
    device.refresh_from_db()
    assert device.last_invc_no == 0  # no number taken


def test_a_refund_of_a_sale_from_before_etims_is_settled_and_listed_apart(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store()
    till = enroll(client, store)
    sale = till.sale("65", 3)
    # the sale is not pushed (made before the till joined head office): the queue never
    # holds it (one pushed before the device was set up would be queued with the device)
    device = _device(store, branch)
    back = refund(till, sale, 1)
    _applied(client, till, [back])
    assert QueueEntry.objects.filter(branch=device).count() == 1
    secrets = EnvironmentSecrets(env={})
    run_round(device, settings=_settings(box), secrets=secrets)
    device.refresh_from_db()
    again = run_round(device, settings=_settings(box), secrets=secrets)
    assert (again.signed, again.parked) == (0, 0)
    assert box.calls[SAVE] == 0
    _settled_without_note(device, back["body"]["refund_id"])
    # the dashboard's eTIMS page: listed apart, no alert, not "rejected"
    name = "admin-" + uuid.uuid4().hex[:6]
    user = User.objects.create_user(name, password=PASSWORD)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    admin = Client()
    assert admin.login(username=name, password=PASSWORD)
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    section = page[page.index(f'id="branch-{store.code}"') :]
    section = section[: section.find("</section>")]
    assert "Refunds without a credit note" in section
    assert back["body"]["receipt_number"] in section
    assert NO_CREDIT_NOTE in section
    assert "Rejected by KRA" not in section
    assert 'class="tag bad alert"' not in page.split(f"{device.tin}-{device.bhf_id}")[1][:800]
    swahili_catalogue()
    swahili = admin.get("/dashboard/etims/?lang=sw").content.decode()
    assert "Marejesho bila hati ya marejesho" in swahili


def test_a_refund_whose_sale_waits_is_sent_after_it(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    sale = till.sale("65", 3)
    back = refund(till, sale, 2)
    _applied(client, till, [sale, back])
    secrets = EnvironmentSecrets(env={})
    box.refuse()  # KRA away: both wait
    assert run_round(device, settings=_settings(box), secrets=secrets).stopped
    assert QueueEntry.objects.get(branch=device, kind="refund").state == "waiting"
    box.accept()
    device.refresh_from_db()
    done = run_round(device, settings=_settings(box), secrets=secrets)
    assert (done.signed, done.parked) == (2, 0)
    note = QueueEntry.objects.get(branch=device, kind="refund")
    assert note.state == "signed"
    assert note.invc_no == 2
    assert note.request is not None
    assert note.request["orgInvcNo"] == 1
