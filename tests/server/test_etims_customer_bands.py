"""Head office, for an enrolled store: KRA's tax table (reference 4.3) from the invoice
head office submitted, on the customer's page of a signed sale and of its signed credit
note (``/r/<token>``), and in the till's results pull (``/api/v1/etims-results``: the
band fields as sent, so the till prints the same table). Signed by the OSCU simulator
over real HTTP on 127.0.0.1; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from decimal import Decimal

from django.test import Client

from sync.etims.receipt import BAND_FIELDS
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import applied, branch_fixtures, hq_settings
from tests.server.factory import enroll
from tests.server.refund_docs import refund

_BRANCHES, branch, box = branch_fixtures(30)


def _table(html: str) -> list[list[str]]:
    """The cells of the page's band table, row by row."""
    found = re.search(r'<table id="bands">(.*?)</table>', html, re.S)
    assert found is not None, html
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>.*?</t[hd]>", row)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(1), re.S)
    ]


def test_the_signed_page_and_the_tills_results_carry_kras_band_table_as_submitted(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, device.store)
    sale = till.sale("65", 3)  # 195.00 at 16 %: 26.90 VAT inside, 168.10 without it
    applied(client, till, [sale, refund(till, sale, 1)])
    done = run_round(device, settings=hq_settings(box), secrets=EnvironmentSecrets(env={}))
    assert done.signed == 2
    signed = QueueEntry.objects.get(branch=device, kind="sale")
    credit = QueueEntry.objects.get(branch=device, kind="refund")
    assert signed.request is not None
    assert signed.request["taxblAmtB"] == 168.1  # what KRA received
    page = client.get(f"/r/{signed.public_token}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "KRA tax bands" in html
    assert _table(html) == [
        ["", "Taxable", "Tax"],
        ["A Exempt", "0.00", "0.00"],
        ["B 16%", "168.10", "26.90"],
        ["C 0%", "0.00", "0.00"],
        ["D Non-VAT", "0.00", "0.00"],
        ["E 8%", "0.00", "0.00"],
        ["Total", "KES 195.00"],
    ]
    # the credit note's page: its own figures, as its request said
    note = client.get(f"/r/{credit.public_token}").content.decode()
    assert "CREDIT NOTE" in note
    assert _table(note)[2] == ["B 16%", "56.03", "8.97"]
    assert _table(note)[-1] == ["Total", "KES 65.00"]
    # the till's pull: the band fields exactly as submitted, for each signed document
    results = client.get("/api/v1/etims-results?after=0", **till.auth).json()["results"]
    bands = {r["kind"]: r["bands"] for r in results}
    assert set(bands) == {"sale", "refund"}
    assert set(bands["sale"]) == set(BAND_FIELDS)
    for name in BAND_FIELDS:
        assert Decimal(str(bands["sale"][name])) == Decimal(str(signed.request[name]))
    assert bands["refund"]["totAmt"] == 65.0


def test_a_page_not_yet_signed_has_no_band_table(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, device.store)
    applied(client, till, [till.sale("65", 1)])
    waiting = QueueEntry.objects.get(branch=device)
    html = client.get(f"/r/{waiting.public_token}").content.decode()
    assert "Not yet signed by KRA" in html
    assert 'id="bands"' not in html
    assert "KRA tax bands" not in html
