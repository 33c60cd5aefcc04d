"""Head office's eTIMS for an enrolled store (one branch = one OSCU device shared by all
its tills): sales pushed by two tills of one store join the branch queue in the ledger's
own transaction; a round during an outage submits nothing and loses nothing; once the
simulator (real HTTP on 127.0.0.1) is back the queue is signed in order with one
gap-free ``invcNo`` sequence across both tills, none twice, chained; training sales and
stores without a device are never queued. On SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import EtimsSettings
from sync.server.etims.models import BranchDevice, QueueEntry, SignedInvoice
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll

_BRANCHES = itertools.count(10)


@pytest.fixture
def branch() -> tuple[str, str]:
    """A branch id and serial of its own (the module's database keeps earlier devices)."""
    bhf = f"{next(_BRANCHES):02d}"
    return bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"


@pytest.fixture
def box(branch: tuple[str, str]) -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, branch[0], branch[1])]) as sandbox:
        yield sandbox


def _device(store: Any, branch: tuple[str, str]) -> BranchDevice:
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    return device


def _settings(box: EtimsSandbox) -> EtimsSettings:
    return EtimsSettings(
        base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0, init_timeout_s=3.0
    )


def _applied(client: Client, till: Till, docs: list[dict[str, Any]]) -> None:
    got = till.push(client, docs)
    assert got.status_code == 200, got.content
    assert [r["status"] for r in got.json()["results"]] == ["applied"] * len(docs)


def test_two_tills_of_a_branch_through_an_outage_get_one_gap_free_sequence(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store()
    device = _device(store, branch)
    a, b = enroll(client, store, "Till A"), enroll(client, store, "Till B")
    secrets = EnvironmentSecrets(env={})
    box.refuse()  # KRA away while both tills sell
    first = [a.sale("65"), a.sale("100", 2)]
    _applied(client, a, first)
    _applied(client, b, [b.sale("65")])
    _applied(client, a, [a.sale("75")])
    _applied(client, b, [b.sale("120"), b.sale("65", 3)])
    assert QueueEntry.objects.filter(branch=device).count() == 6
    away = run_round(device, settings=_settings(box), secrets=secrets)
    assert away.stopped  # KRA away: said, nothing lost, nothing numbered
    assert away.signed == 0
    assert QueueEntry.objects.filter(branch=device, invc_no__isnull=False).count() == 0
    box.accept()
    device.refresh_from_db()
    done = run_round(device, settings=_settings(box), secrets=secrets)
    assert done.stopped == ""
    assert done.signed == 6
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    assert [r.invc_no for r in rows] == [1, 2, 3, 4, 5, 6]  # in ledger order, both tills
    assert {r.state for r in rows} == {"signed"}
    tills = {r.body["receipt_number"].split("-")[1] for r in rows}
    assert tills == {a.terminal_id, b.terminal_id}
    kra = box.device(branch[0])
    assert sorted(kra.invoices) == [1, 2, 3, 4, 5, 6]
    assert kra.counters["S"] == 6
    assert SignedInvoice.objects.filter(branch=device).count() == 6
    assert DjangoQueue().verify_chain(device.key)
    # the same events pushed again are duplicates: nothing queued twice
    again = a.push(client, first)
    assert [r["status"] for r in again.json()["results"]] == ["duplicate", "duplicate"]
    assert QueueEntry.objects.filter(branch=device).count() == 6
    # the key KRA gave is kept (sealed, tested below), never with the device's facts
    key = kra.cmc_key
    assert key is not None
    assert secrets.get(f"etims.cmc_key.{DEMO_TIN}.{branch[0]}") == key
    device.refresh_from_db()
    assert key not in str(device.device)


def test_training_sales_and_stores_without_a_device_are_not_queued(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    with_device = new_store()
    _device(with_device, branch)
    without = new_store()
    a, b = enroll(client, with_device), enroll(client, without)
    before = QueueEntry.objects.count()
    _applied(client, a, [a.sale("65", training=True)])
    _applied(client, b, [b.sale("65")])
    assert QueueEntry.objects.count() == before


def test_a_clean_refusal_parks_the_sale_and_gives_its_number_back(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    from sync.etims.sandbox import Fault

    store = new_store()
    device = _device(store, branch)
    till = enroll(client, store)
    _applied(client, till, [till.sale("65"), till.sale("80")])
    box.inject(Fault("code", path="saveTrnsSalesOsdc", code="910"))
    result = run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={}))
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    assert result.parked == 1
    assert rows[0].state == "parked"
    assert rows[0].invc_no is None  # given back: KRA did not record it
    assert "910" in rows[0].reason or "Simulated" in rows[0].reason
    assert rows[1].state == "signed"
    assert rows[1].invc_no == 1  # the next sale took the number: no gap


def _tasks(device: BranchDevice) -> int:
    from django_tasks_db.models import DBTaskResult

    return int(
        DBTaskResult.objects.filter(
            task_path="sync.server.etims.tasks.submit_branch",
            args_kwargs__args=[device.pk],
            status="READY",
        ).count()
    )


def test_a_push_enqueues_the_branch_task_which_submits_and_a_worker_start_requeues(
    client: Client,
    box: EtimsSandbox,
    branch: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sync.server.etims.tasks import requeue_branches, submit_branch

    monkeypatch.setenv("KAUNTA_ETIMS_BASE_URL", box.base_url)
    monkeypatch.setenv("KAUNTA_ETIMS_VERIFY_HOST", box.verify_host)
    monkeypatch.setenv("KAUNTA_ETIMS_TIMEOUT_S", "3")
    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    _applied(client, till, [till.sale("65")])
    assert _tasks(device) == 1  # enqueued once the ledger's transaction committed
    assert requeue_branches() >= 1  # a worker starting: the branch has a sale to send
    assert _tasks(device) == 2
    assert submit_branch.call(device.pk) == "signed 1, parked 0"  # the task's own body
    assert sorted(box.device(branch[0]).invoices) == [1]
    _applied(client, till, [till.sale("80")])
    assert submit_branch.call(device.pk) == "signed 1, parked 0"  # the key was kept
    assert sorted(box.device(branch[0]).invoices) == [1, 2]
    assert box.calls["selectInitOsdcInfo"] == 1
    before = _tasks(device)
    requeue_branches()
    assert _tasks(device) == before  # nothing left to send: no new round


def test_a_refund_at_head_office_is_a_credit_note_of_its_signed_sale(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    from tests.server.refund_docs import refund

    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    sale = till.sale("65", 3)
    _applied(client, till, [sale])
    secrets = EnvironmentSecrets(env={})
    assert run_round(device, settings=_settings(box), secrets=secrets).signed == 1
    _applied(client, till, [refund(till, sale, 2)])
    device.refresh_from_db()
    assert run_round(device, settings=_settings(box), secrets=secrets).signed == 1
    note = QueueEntry.objects.get(branch=device, kind="refund")
    assert note.state == "signed"
    assert note.invc_no == 2  # the same sequence as the sales
    assert note.request is not None
    assert note.request["rcptTyCd"] == "R"
    assert note.request["orgInvcNo"] == 1
    kra = box.device(branch[0])
    assert kra.counters == {"S": 1, "R": 1}
    assert kra.invoices[2].body["totAmt"] == 130.0  # 2 x 65.00, never more than the sale


def _env(box: EtimsSandbox, **extra: str) -> dict[str, str]:
    """Head office's environment pointing at ``box`` (the simulator), plus ``extra``."""
    return {
        "KAUNTA_ETIMS_BASE_URL": box.base_url,
        "KAUNTA_ETIMS_VERIFY_HOST": box.verify_host,
        "KAUNTA_ETIMS_TIMEOUT_S": "3",
        "KAUNTA_ETIMS_INIT_TIMEOUT_S": "3",
        **extra,
    }


def test_the_key_kra_gave_outlives_the_worker_sealed_in_the_database(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """A restarted worker (new secrets object, nothing in memory, nothing in the
    environment) reads the key from the database: KRA answers a second initialisation
    902 without the key, so without it the branch's sales would never be sent."""
    from sync.server.etims.models import SealedSecret
    from sync.server.etims.store import HeadOfficeSecrets, seal_key

    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    _applied(client, till, [till.sale("65")])
    assert run_round(device, settings=_settings(box), secrets=HeadOfficeSecrets(env={})).signed == 1
    key = box.device(branch[0]).cmc_key
    assert key
    row = SealedSecret.objects.get(name=f"etims.cmc_key.{DEMO_TIN}.{branch[0]}")
    assert key not in row.sealed  # encrypted at rest
    # "restart": new objects reading from the database
    _applied(client, till, [till.sale("80")])
    device = BranchDevice.objects.get(pk=device.pk)
    restarted = run_round(device, settings=_settings(box), secrets=HeadOfficeSecrets(env={}))
    assert (restarted.stopped, restarted.signed) == ("", 1)
    assert box.calls["selectInitOsdcInfo"] == 1  # never initialised again
    assert sorted(box.device(branch[0]).invoices) == [1, 2]
    # another sealing key cannot open it: said, nothing overwritten, the sale waits
    other = {"KAUNTA_HQ_ETIMS_SECRET_KEY": "A" * 43 + "="}
    assert seal_key(other) != seal_key({})
    _applied(client, till, [till.sale("90")])
    wrong = run_round(device, settings=_settings(box), secrets=HeadOfficeSecrets(env=other))
    assert "cannot be decrypted" in wrong.stopped
    assert key not in wrong.stopped
    assert SealedSecret.objects.get(pk=row.pk).sealed == row.sealed
    assert QueueEntry.objects.filter(branch=device, state="waiting").count() == 1
    assert box.calls["selectInitOsdcInfo"] == 1


def test_every_guess_is_a_head_office_setting_and_changes_what_is_sent(
    client: Client, branch: tuple[str, str]
) -> None:
    """KRA (here the simulator) wanting VAT-inclusive amounts, invoice numbers as
    strings and a Bearer token: the defaults are refused; the head-office settings,
    read by the till's own parser from ``KAUNTA_ETIMS_*``, make it sign."""
    from sync.etims.sandbox import Settings
    from sync.etims.settings import AmountConvention, RateStyle, SettingsError
    from sync.server.etims.store import HeadOfficeSecrets
    from sync.server.etims.worker import settings_from_environment

    bhf, serial = branch
    wants = Settings(tax_mode="inclusive", bearer_token="gava-token")
    with EtimsSandbox(devices=[(DEMO_TIN, bhf, serial)], settings=wants) as box:
        device = _device(new_store(), branch)
        till = enroll(client, device.store)
        _applied(client, till, [till.sale("116")])
        default = settings_from_environment(_env(box))
        assert default.amount_convention is AmountConvention.EXCLUSIVE
        refused = run_round(device, settings=default, secrets=HeadOfficeSecrets(env={}))
        assert refused.signed == 0
        assert refused.stopped  # 401 without the token: not even set up
        bearer = {f"KAUNTA_ETIMS_BEARER_{DEMO_TIN}_{bhf}": "gava-token"}
        chosen = settings_from_environment(
            _env(
                box,
                KAUNTA_ETIMS_AMOUNT_CONVENTION="inclusive",
                KAUNTA_ETIMS_RATE_STYLE="used",
                KAUNTA_ETIMS_CU_NUMBER_STYLE="curRcptNo",
                KAUNTA_ETIMS_INVOICE_NUMBER_AS_STRING="true",
                KAUNTA_ETIMS_SEND_CREDENTIALS_IN_BODY="yes",
                KAUNTA_ETIMS_MAX_QUEUE_AGE_HOURS="6",
            )
        )
        assert chosen.rate_style is RateStyle.USED
        device.refresh_from_db()
        done = run_round(device, settings=chosen, secrets=HeadOfficeSecrets(env=bearer))
        assert (done.stopped, done.signed) == ("", 1)
        sent = box.device(bhf).invoices[1].body
        assert sent["invcNo"] == "1"  # as a JSON string
        assert sent["tin"] == DEMO_TIN  # credentials in the body too
        assert sent["taxblAmtB"] == sent["totAmt"] == 116.0  # VAT-inclusive taxable amount
        assert sent["taxRtA"] == 0  # only used bands carry their rate
    with pytest.raises(SettingsError, match="KAUNTA_ETIMS_INVOICE_NUMBER_AS_STRING"):
        settings_from_environment({"KAUNTA_ETIMS_INVOICE_NUMBER_AS_STRING": "maybe"})
    with pytest.raises(SettingsError, match=r"etims\.rate_style"):
        settings_from_environment({"KAUNTA_ETIMS_RATE_STYLE": "some"})
    with pytest.raises(SettingsError, match=r"etims\.base_url"):
        settings_from_environment(
            {
                "KAUNTA_ETIMS_BASE_URL": "http://kra.example/",  # plain http off this machine
                "KAUNTA_ETIMS_VERIFY_HOST": "https://etims.kra.go.ke",
            }
        )


def test_item_classes_are_fetched_with_the_code_lists_and_the_fallback_is_checked(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """The first round caches KRA's item classifications beside the code lists; the
    configured fallback is given to products, and one KRA does not list is refused
    before anything is registered or numbered."""
    from sync.server.etims.store import HeadOfficeSecrets

    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    _applied(client, till, [till.sale("65")])
    secrets = HeadOfficeSecrets(env={})
    unknown = run_round(device, settings=_settings(box), secrets=secrets, item_class="9999999999")
    assert "9999999999" in unknown.stopped
    assert unknown.signed == 0
    device.refresh_from_db()
    assert device.codes is not None
    assert "5010150100" in device.codes["item_classes"]  # cached with the code lists
    assert device.codes["classes_fetched"] != "20180101000000"
    assert not device.items  # nothing registered under a code KRA does not list
    assert QueueEntry.objects.get(branch=device).invc_no is None
    done = run_round(device, settings=_settings(box), secrets=secrets, item_class="5010150100")
    assert done.signed == 1
    device.refresh_from_db()
    assert {i["item_cls_cd"] for i in device.items.values()} == {"5010150100"}
    assert box.calls["selectItemClsList"] == 2  # every round asks what changed since


def test_times_sent_to_kra_are_nairobi_time(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """The sale closed at 07:33 UTC (factory ``T0`` + 3 min): KRA gets 10:33 EAT."""
    device = _device(new_store(), branch)
    till = enroll(client, device.store)
    _applied(client, till, [till.sale("65")])
    secrets = EnvironmentSecrets(env={})
    assert run_round(device, settings=_settings(box), secrets=secrets).signed == 1
    sent = box.device(branch[0]).invoices[1].body
    assert sent["cfmDt"] == "20260302103300"  # not 20260302073300 (UTC)
    assert sent["salesDt"] == "20260302"
