"""A store that sold before its eTIMS device was set up (or while it was disabled): once
the device is added or enabled, every earlier real sale and refund joins the branch
queue in ledger order, and the round signs them through the simulator (real HTTP on
127.0.0.1) numbered 1..n in that order, none twice; a second round adds nothing;
training sales stay out. On SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.tasks import backfill_branch
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import applied as _applied
from tests.server.etims_hq_support import branch_fixtures, swahili_catalogue
from tests.server.etims_hq_support import hq_settings as _settings
from tests.server.factory import enroll
from tests.server.refund_docs import refund

_BRANCHES, branch, box = branch_fixtures(40)


def _doc_id(doc: dict[str, Any]) -> str:
    body = doc["body"]
    return str(body.get("refund_id") or body["sale_id"])


def _tasks(device: BranchDevice) -> int:
    from django_tasks_db.models import DBTaskResult

    return int(
        DBTaskResult.objects.filter(
            task_path="sync.server.etims.tasks.submit_branch",
            args_kwargs__args=[device.pk],
            status="READY",
        ).count()
    )


def test_sales_made_before_the_device_are_queued_in_order_and_signed_once(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store()
    a, b = enroll(client, store, "Till A"), enroll(client, store, "Till B")
    first = a.sale("65", 3)
    docs_a = [first, a.sale("100")]
    _applied(client, a, docs_a)
    docs_b = [b.sale("75"), b.sale("65", training=True)]
    _applied(client, b, docs_b)
    back = refund(a, first, 1)
    last = a.sale("80")
    _applied(client, a, [back, last])
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    made = (*docs_a, docs_b[0], back, last)  # ledger order; the training sale stays out
    assert [r.doc_id for r in rows] == [_doc_id(d) for d in made]
    assert _tasks(device) == 1  # a round enqueued for the worker
    secrets = EnvironmentSecrets(env={})
    done = run_round(device, settings=_settings(box), secrets=secrets)
    assert (done.stopped, done.signed) == ("", 5)
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    assert [r.invc_no for r in rows] == [1, 2, 3, 4, 5]
    assert {r.state for r in rows} == {"signed"}
    refund_row = next(r for r in rows if r.kind == "refund")
    assert refund_row.request is not None
    assert refund_row.request["orgInvcNo"] == 1  # a credit note of the backfilled sale
    kra = box.device(branch[0])
    assert sorted(kra.invoices) == [1, 2, 3, 4, 5]
    assert kra.counters == {"S": 4, "R": 1}
    assert DjangoQueue().verify_chain(device.key)
    # a second round and a second backfill add nothing
    device.refresh_from_db()
    assert backfill_branch(device) == 0
    again = run_round(device, settings=_settings(box), secrets=secrets)
    assert again.signed == 0
    assert QueueEntry.objects.filter(branch=device).count() == 5
    assert sorted(box.device(branch[0]).invoices) == [1, 2, 3, 4, 5]


def test_enabling_a_disabled_device_queues_what_was_sold_meanwhile(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1], enabled=False
    )
    till = enroll(client, store)
    docs = [till.sale("65"), till.sale("90")]
    _applied(client, till, docs)
    assert not QueueEntry.objects.filter(branch=device).exists()
    device.enabled = True
    device.save(update_fields=["enabled"])
    _applied(client, till, [later := till.sale("70")])
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    assert [r.doc_id for r in rows] == [_doc_id(d) for d in (*docs, later)]
    done = run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={}))
    assert done.signed == 3
    assert sorted(box.device(branch[0]).invoices) == [1, 2, 3]


PASSWORD = "a long enough passphrase"


def test_the_etims_page_warns_of_live_stores_whose_sales_are_not_sent(
    client: Client, branch: tuple[str, str]
) -> None:
    import uuid

    from django.contrib.auth.models import User

    from sync.server.accounts.models import HqRole, Profile

    swahili_catalogue()

    none, off, training, sent = new_store(), new_store(), new_store(), new_store()
    BranchDevice.objects.create(
        store=off, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1], enabled=False
    )
    other = f"{next(_BRANCHES):02d}"
    BranchDevice.objects.create(
        store=sent, tin=DEMO_TIN, bhf_id=other, device_serial=f"KAUNTA/{DEMO_TIN}/{other}"
    )
    for store in (none, off, sent):
        till = enroll(client, store)
        _applied(client, till, [till.sale("65")])
    till = enroll(client, training)
    _applied(client, till, [till.sale("65", training=True)])
    name = "admin-" + uuid.uuid4().hex[:6]
    user = User.objects.create_user(name, password=PASSWORD)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    admin = Client()
    assert admin.login(username=name, password=PASSWORD)
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    assert 'id="no-device"' in page

    def row(store: Any, html: str) -> str:
        start = html.find(f'id="no-device-{store.code}"')
        return "" if start < 0 else html[start : html.index("</tr>", start)]

    assert "sales not being sent to KRA: no eTIMS device set up" in row(none, page)
    assert "sales not being sent to KRA: eTIMS device disabled" in row(off, page)
    assert row(training, page) == ""  # training only: nothing owed to KRA
    assert row(sent, page) == ""  # its device sends them
    swahili = admin.get("/dashboard/etims/?lang=sw").content.decode()
    assert "mauzo hayatumwi kwa KRA: hakuna kifaa cha eTIMS kilichowekwa" in row(none, swahili)
    assert "Maduka bila eTIMS" in swahili
    # once the device is enabled the warning goes (and the sales are queued)
    device = BranchDevice.objects.get(store=off)
    device.enabled = True
    device.save()
    assert QueueEntry.objects.filter(branch=device).count() == 1
    page = admin.get("/dashboard/etims/?lang=en").content.decode()
    assert row(off, page) == ""
    assert row(none, page) != ""
