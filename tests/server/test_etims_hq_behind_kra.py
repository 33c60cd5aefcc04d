"""Head office's branch counter behind KRA's (a head-office database restore, a device
also used elsewhere): a round never signs a sale with the invoice KRA holds for another
sale under its number; it skips KRA's numbers and the sale goes with its own signature
(``DjangoQueue.renumber``), and a refusal of the device's key parks nothing. Before a
branch's first number a worker asks KRA's counter (``DjangoQueue.needs_probe``, the
till's probe), so a counter behind KRA's is found before a sale is sent under a number
KRA holds. SQLite and PostgreSQL, simulator over real HTTP."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from sync.etims import words
from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar, sale_invoice
from sync.etims.models import CodeCache
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.etims.conftest import DictSecrets
from tests.etims.docs import items, sale_body
from tests.etims.test_client_sandbox import parsed
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll

_BRANCHES = itertools.count(60)


@pytest.fixture
def branch() -> tuple[str, str]:
    bhf = f"{next(_BRANCHES):02d}"
    return bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"


@pytest.fixture
def box(branch: tuple[str, str]) -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, branch[0], branch[1])]) as sandbox:
        yield sandbox


def _settings(box: EtimsSandbox) -> EtimsSettings:
    return EtimsSettings(
        base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0, init_timeout_s=3.0
    )


def _applied(client: Client, till: Till, docs: list[dict[str, Any]]) -> None:
    got = till.push(client, docs)
    assert got.status_code == 200, got.content
    assert [r["status"] for r in got.json()["results"]] == ["applied"] * len(docs)


def _signed_elsewhere(box: EtimsSandbox, branch: tuple[str, str], invc_no: int) -> None:
    """KRA gets ``invc_no`` for another sale of the same device, not through head office
    (what a restored database does not know about)."""
    secrets = DictSecrets()
    device = Branch(DEMO_TIN, branch[0], branch[1])
    key = box.device(branch[0]).cmc_key
    assert key is not None
    secrets.set(device.secret_name, key)
    other = OscuClient(device, _settings(box), secrets)
    cache = CodeCache()
    other.refresh_codes(cache, datetime.now(UTC))
    invoice = sale_invoice(
        parsed(sale_body([("SODA-500", 5)], terminal="T9")),
        invc_no=invc_no,
        items=items(),
        rates=cache.tax_rates(),
        settings=other.settings,
        registrar=Registrar("elsewhere", "Elsewhere"),
    )
    assert other.submit(invoice).signature is not None


def _enrolled_branch(client: Client, branch: tuple[str, str]) -> tuple[BranchDevice, Till]:
    """A new store with the branch's device at head office and an enrolled till."""
    store = new_store()
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    return device, enroll(client, store)


def test_a_round_skips_the_numbers_kra_holds_for_other_sales(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device, till = _enrolled_branch(client, branch)
    secrets = EnvironmentSecrets(env={})
    _applied(client, till, [till.sale("65")])
    assert run_round(device, settings=_settings(box), secrets=secrets).signed == 1
    _signed_elsewhere(box, branch, 2)  # KRA: 1 ours, 2 another sale
    _applied(client, till, [till.sale("80")])
    device.refresh_from_db()
    first = run_round(device, settings=_settings(box), secrets=secrets)
    assert (first.signed, first.parked) == (0, 0)
    assert "994" in first.stopped  # numbered 2, which KRA holds
    device.refresh_from_db()
    second = run_round(device, settings=_settings(box), secrets=secrets)
    assert (second.signed, second.parked, second.stopped) == (1, 0, "")
    rows = list(QueueEntry.objects.filter(branch=device).order_by("id"))
    assert [(r.state, r.invc_no) for r in rows] == [("signed", 1), ("signed", 3)]
    kra = box.device(branch[0])
    assert sorted(kra.invoices) == [1, 2, 3]
    assert rows[1].request["trdInvcNo"] == kra.invoices[3].body["trdInvcNo"]
    assert kra.invoices[2].body["trdInvcNo"] != rows[1].request["trdInvcNo"]
    signed = rows[1].signed.signature  # type: ignore[attr-defined]
    assert signed["rcpt_sign"] == kra.invoices[3].rcpt_sign
    assert rows[1].reason == f"{words.NUMBERS_TAKEN}: 2; {words.RENUMBERED}: 3"
    device.refresh_from_db()
    assert device.last_invc_no == 3


def test_a_wrong_key_at_head_office_parks_nothing(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device, till = _enrolled_branch(client, branch)
    _applied(client, till, [till.sale("65")])
    assert run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={})).signed
    _applied(client, till, [till.sale("70"), till.sale("80"), till.sale("90")])
    wrong = EnvironmentSecrets(env={f"KAUNTA_ETIMS_CMC_KEY_{DEMO_TIN}_{branch[0]}": "0" * 52})
    device.refresh_from_db()
    refused = run_round(device, settings=_settings(box), secrets=wrong)
    assert (refused.signed, refused.parked) == (0, 0)
    # the round's set-up (code lists) meets the 901 first; either way nothing is numbered
    assert "901" in refused.stopped
    assert QueueEntry.objects.filter(branch=device, state="parked").count() == 0
    assert QueueEntry.objects.filter(branch=device, state="waiting").count() == 3
    device.refresh_from_db()
    fixed = run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={}))
    assert (fixed.signed, fixed.parked, fixed.stopped) == (3, 0, "")
    rows = QueueEntry.objects.filter(branch=device).order_by("id")
    assert [r.invc_no for r in rows] == [1, 2, 3, 4]


def test_the_first_round_probes_kra_and_numbers_past_what_kra_holds(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device, till = _enrolled_branch(client, branch)
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
