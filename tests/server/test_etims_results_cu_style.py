"""The CU invoice number an enrolled till prints follows head office's
``cu_number_style`` (reference 4.3, CONFLICT: ``invcNo`` or ``curRcptNo`` after the
``sdcId/``), sent with each result, so the paper says what the customer page says. The
simulator signs over real HTTP; the till's side is the agent's parser and the till's copy
of the results (``pos.etims_results.HeadOfficeEtims``). SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from pos.etims_results import HeadOfficeEtims
from pos.services.etims import EtimsService
from sync.agent.etims_results import parse_answer
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import applied, branch_fixtures, hq_settings
from tests.server.factory import enroll
from tests.server.refund_docs import refund

_BRANCHES, branch, box = branch_fixtures(50)


@pytest.mark.parametrize("style", ["invcNo", "curRcptNo"])
def test_the_tills_cu_number_is_head_offices_style(
    client: Client,
    box: EtimsSandbox,
    branch: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    style: str,
) -> None:
    monkeypatch.setenv("KAUNTA_ETIMS_CU_NUMBER_STYLE", style)
    device = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, device.store)
    first = till.sale("65", 2)
    back = refund(till, first, 1)  # a credit note between: invoice 3 is sales receipt 2
    second = till.sale("80")
    applied(client, till, [first, back, second])
    done = run_round(device, settings=hq_settings(box), secrets=EnvironmentSecrets(env={}))
    assert done.signed == 3
    entry = QueueEntry.objects.get(branch=device, doc_id=second["body"]["sale_id"])
    assert (entry.invc_no, entry.signed.signature["cur_rcpt_no"]) == (3, 2)
    body = client.get("/api/v1/etims-results?after=0&no_credit=1", **till.auth).json()
    assert {r["cu_number_style"] for r in body["results"]} == {style}
    results, _after, _held = parse_answer(body, 0)
    copy = HeadOfficeEtims(tmp_path / "etims-headoffice.sqlite", EtimsService())
    try:
        for result in results:
            copy.apply(result)
        block = copy.block_for(entry.doc_id)
        assert block is not None
        assert block.signed
        rows = dict(block.rows)
        number = entry.invc_no if style == "invcNo" else entry.signed.signature["cur_rcpt_no"]
        assert rows["CU Invoice No."].endswith(f"/{number}")
    finally:
        copy.close()


def test_a_style_the_till_does_not_know_is_its_default_not_a_stop() -> None:
    item = {
        "seq": 1,
        "doc_id": "d",
        "kind": "sale",
        "state": "parked",
        "receipt_number": "R",
        "branch": "P051234567X-00",
        "invc_no": None,
        "org_invc_no": None,
        "reason": "910",
        "signature": None,
        "device": None,
        "verify_host": "https://etims.example",
        "cu_number_style": "sdcId",
    }
    [unknown], _, _ = parse_answer({"results": [item], "next_after": 1}, 0)
    assert unknown.cu_number_style == ""  # the default, and the page still applied
    del item["cu_number_style"]  # an older head office: the default style
    [result], _, _ = parse_answer({"results": [item], "next_after": 1}, 0)
    assert result.cu_number_style == ""
