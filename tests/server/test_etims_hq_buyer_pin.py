"""Head office, for an enrolled store: a sale whose buyer gave a KRA PIN at the counter
(the till's own mapping, ``pos.services.sync_events.sale_document``, of a sale with a
buyer) reaches the OSCU simulator (real HTTP on 127.0.0.1) from head office's queue with
``custTin`` and ``custNm`` and is signed; the refund the till made of it carries the same
PIN (the protocol's ``customer``, copied by the till from its sale) and its credit note is
signed with it. A refund naming another PIN is parked, never sent. On SQLite and
PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any

from django.test import Client

from sync.etims.queue import _Header
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.protocol.builders import refund_completed
from sync.protocol.fields import Fields
from sync.protocol.refunds import RefundCompleted
from sync.protocol.sales import Customer
from sync.server.etims.models import BranchDevice, QueueEntry
from sync.server.etims.store import EnvironmentSecrets
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import applied as _applied
from tests.server.etims_hq_support import branch_fixtures
from tests.server.etims_hq_support import hq_settings as _settings
from tests.server.factory import T0, Till, enroll, new_id
from tests.server.refund_docs import refund

_BRANCHES, branch, box = branch_fixtures(80)
PIN, NAME = "P051234567X", "Duka la Mfano Ltd"


def _refund_naming(till: Till, sale: dict[str, Any], pin: str) -> dict[str, Any]:
    """A refund of one unit of ``sale`` whose ``customer`` names ``pin``."""
    body = dict(refund(till, sale, 1)["body"])
    parsed = RefundCompleted.parse(Fields(body, "body"), _Header(body))
    parsed = dataclasses.replace(parsed, customer=Customer(pin, NAME))
    return refund_completed(
        event_id=new_id(),
        store_id=till.store_id,
        terminal_id=till.terminal_id,
        seq=till.seq,
        created_at=T0 + timedelta(hours=1),
        training=False,
        refund=parsed,
    )


def test_head_office_signs_the_sale_and_its_credit_note_with_the_buyers_pin(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, device.store)
    sale = till.sale("65", 2, buyer=(PIN, NAME))
    assert sale["body"]["customer"] == {"tax_pin": PIN, "name": NAME}
    back = _refund_naming(till, sale, PIN)
    _applied(client, till, [sale, back])
    done = run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={}))
    assert (done.signed, done.parked) == (2, 0)
    kra = box.device(branch[0])
    invoice, credit = kra.invoices[1], kra.invoices[2]
    assert (invoice.kind, invoice.body["custTin"], invoice.body["custNm"]) == ("S", PIN, NAME)
    assert (credit.kind, credit.body["custTin"], credit.body["orgInvcNo"]) == ("R", PIN, 1)
    assert invoice.rcpt_sign
    assert credit.rcpt_sign
    rows = QueueEntry.objects.filter(branch=device).order_by("invc_no")
    assert [r.state for r in rows] == ["signed", "signed"]


def test_head_office_parks_a_credit_note_naming_another_pin(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, device.store)
    sale = till.sale("65", 2, buyer=(PIN, NAME))
    back = _refund_naming(till, sale, "A000123456F")
    _applied(client, till, [sale, back])
    done = run_round(device, settings=_settings(box), secrets=EnvironmentSecrets(env={}))
    assert (done.signed, done.parked) == (1, 1)
    assert len(box.device(branch[0]).invoices) == 1  # the credit note never went to KRA
    note = QueueEntry.objects.get(branch=device, kind="refund")
    assert note.state == "parked"
    assert PIN in note.reason
