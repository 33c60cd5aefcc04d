"""Head office's eTIMS sender when KRA's answer does not come: a timeout with nothing
recorded, and a lost reply (the simulator recorded the sale but its answer never came).
Over real HTTP against the simulator, on SQLite and PostgreSQL. Either way the number
stays on the entry, the next round asks ``selectInvoiceDetails`` before anything is
resent, nothing is signed twice, nothing is lost, and the sale behind it keeps its place.
(The SIGKILL between sending and storing the answer, with real processes, is
``tests/etims/test_hq_in_doubt_kill.py``.)"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox, Fault
from sync.etims.settings import EtimsSettings
from sync.server.etims.models import BranchDevice, QueueEntry, SignedInvoice
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.factory import enroll

_BRANCHES = itertools.count(40)


@pytest.fixture
def branch() -> tuple[str, str]:
    bhf = f"{next(_BRANCHES):02d}"
    return bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"


@pytest.fixture
def box(branch: tuple[str, str]) -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, branch[0], branch[1])]) as sandbox:
        yield sandbox


def _settings(box: EtimsSandbox) -> EtimsSettings:
    # a short timeout: the hang below outlasts it
    return EtimsSettings(
        base_url=box.base_url, verify_host=box.verify_host, timeout_s=1.0, init_timeout_s=3.0
    )


def _two_sales(client: Client, box: EtimsSandbox, branch: tuple[str, str]) -> BranchDevice:
    store = new_store()
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    got = till.push(client, [till.sale("65"), till.sale("80")])
    assert got.status_code == 200, got.content
    return device


def _rows(device: BranchDevice) -> list[QueueEntry]:
    return list(QueueEntry.objects.filter(branch=device).order_by("id"))


@pytest.mark.parametrize("recorded", [False, True], ids=["timeout", "reply_lost"])
def test_an_unanswered_sale_keeps_its_number_and_is_looked_up_before_any_resend(
    client: Client, box: EtimsSandbox, branch: tuple[str, str], recorded: bool
) -> None:
    device = _two_sales(client, box, branch)
    secrets = EnvironmentSecrets(env={})
    box.inject(Fault("hang", path="saveTrnsSalesOsdc", seconds=60, record=recorded))
    first = run_round(device, settings=_settings(box), secrets=secrets)
    assert first.stopped  # the answer never came: said, not hidden
    assert first.signed == 0
    kra = box.device(branch[0])
    assert sorted(kra.invoices) == ([1] if recorded else [])
    head, behind = _rows(device)
    assert (head.state, head.invc_no) == ("in_doubt", 1)  # the number is kept
    assert behind.invc_no is None  # nothing numbered past an entry in doubt
    sent = head.request
    assert sent is not None
    assert sent["invcNo"] == 1
    assert not SignedInvoice.objects.filter(branch=device).exists()
    box.release()
    looked_up_before = box.calls["selectInvoiceDetails"]

    device.refresh_from_db()
    second = run_round(device, settings=_settings(box), secrets=secrets)
    assert second.stopped == ""
    assert second.signed == 2
    assert box.calls["selectInvoiceDetails"] > looked_up_before  # asked first
    # reply lost: KRA had it, so it was never sent again; timeout: the same request with
    # the same number went once more
    assert box.calls["saveTrnsSalesOsdc"] == (2 if recorded else 3)
    head, behind = _rows(device)
    assert [(r.state, r.invc_no) for r in (head, behind)] == [("signed", 1), ("signed", 2)]
    assert head.request == sent  # resent (or looked up) under the same number, same body
    assert sorted(kra.invoices) == [1, 2]  # none twice, none lost, no gap
    assert kra.counters["S"] == 2
    signed = {s.invc_no: s.signature for s in SignedInvoice.objects.filter(branch=device)}
    assert sorted(signed) == [1, 2]
    assert signed[1]["rcpt_sign"] == kra.invoices[1].rcpt_sign
    assert DjangoQueue().verify_chain(device.key)
