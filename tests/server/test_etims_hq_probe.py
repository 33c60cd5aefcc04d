"""Head office asks KRA's counter before it numbers a branch's first sale (the till's
probe, ``Submitter._probe``, through ``DjangoQueue.needs_probe``): a branch whose
counter at head office is behind KRA's (a head-office database put back from a backup,
a device also used elsewhere) is found before a sale is sent under a number KRA holds,
so the first round signs the sale past KRA's numbers instead of stopping on KRA's
duplicate answer. SQLite and PostgreSQL, simulator over real HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from django.test import Client

from sync.etims import words
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.factory import enroll
from tests.server.test_etims_hq_behind_kra import _applied, _settings, _signed_elsewhere

_BRANCHES = itertools.count(80)


@pytest.fixture
def branch() -> tuple[str, str]:
    bhf = f"{next(_BRANCHES):02d}"
    return bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"


@pytest.fixture
def box(branch: tuple[str, str]) -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, branch[0], branch[1])]) as sandbox:
        yield sandbox


def test_the_first_round_probes_kra_and_numbers_past_what_kra_holds(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    store = new_store()
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    secrets = EnvironmentSecrets(env={})
    # set up once (the device's key kept), then KRA signs 1 and 2 for other sales of
    # the device that head office's database does not know about
    assert run_round(device, settings=_settings(box), secrets=secrets).stopped == ""
    _signed_elsewhere(box, branch, 1)
    _signed_elsewhere(box, branch, 2)
    _applied(client, till, [till.sale("65"), till.sale("70")])
    device.refresh_from_db()
    first = run_round(device, settings=_settings(box), secrets=secrets)
    assert (first.signed, first.parked, first.stopped) == (2, 0, "")
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    assert [(r.state, r.invc_no) for r in rows] == [("signed", 3), ("signed", 4)]
    assert rows[0].reason == f"{words.NUMBERS_TAKEN}: 1-2; {words.COUNTER_MOVED}: 2"
    kra = box.device(branch[0])
    assert sorted(kra.invoices) == [1, 2, 3, 4]
    assert kra.invoices[3].body["trdInvcNo"] == rows[0].request["trdInvcNo"]
    device.refresh_from_db()
    assert device.last_invc_no == 4
