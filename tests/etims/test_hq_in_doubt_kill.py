"""Head office in real processes: a ``kaunta-hq worker`` SIGKILLed while its sale is at
KRA (the simulator holds the request open, long inside the worker's timeout), and a new
worker started. The killed worker had numbered the sale and stored the request before
sending, so the entry waits in doubt with its number; the new worker asks
``selectInvoiceDetails`` first. If KRA had recorded the sale, its signature is taken and
nothing is sent again; if not, the same request goes again under the same number. Either
way the next sale gets the next number: none twice, none lost, no gap."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sync.agent import ClientSettings, HeadOfficeClient
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox, Fault
from tests.etims.hq_processes import etims_head_office
from tests.server.factory import Till

pytestmark = pytest.mark.slow


def _wait_for(what: str, check: Callable[[], bool], limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def kra() -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, "00", DEMO_SERIAL)]) as box:
        yield box


@pytest.mark.parametrize("recorded", [True, False], ids=["kra_recorded", "kra_did_not"])
def test_a_worker_killed_mid_send_is_resolved_by_lookup_on_restart(
    tmp_path: Path, kra: EtimsSandbox, recorded: bool
) -> None:
    # the worker waits 60 s for an answer; the simulator holds the sale for 120 s: the
    # kill lands while the request is in flight, not after a timeout
    with etims_head_office(tmp_path / "hq", kra, timeout_s=60) as office:
        office.add_device("DEMO", DEMO_TIN, "00", DEMO_SERIAL)
        enrollment = office.enroll()
        till = Till(enrollment.store_id, enrollment.terminal_id, enrollment.token)
        client = HeadOfficeClient(ClientSettings(office.url), token=enrollment.token)
        try:
            kra.inject(Fault("hang", path="saveTrnsSalesOsdc", seconds=120, record=recorded))
            client.push_raw(till.batch([till.sale("65")]))
            _wait_for("the sale at KRA", lambda: kra.calls["saveTrnsSalesOsdc"] == 1)
            office.kill_worker()
            [entry] = office.entries()
            assert (entry["state"], entry["invc_no"]) == ("in_doubt", 1)  # number kept
            assert sorted(kra.device("00").invoices) == ([1] if recorded else [])
            kra.release()  # the held request ends; its worker is gone
            looked_up = kra.calls["selectInvoiceDetails"]
            client.push_raw(till.batch([till.sale("80")]))  # queued while no worker runs
            office.start_worker()
            _wait_for("both sales signed", lambda: 2 in kra.device("00").invoices)
            _wait_for(
                "head office storing both",
                lambda: [e["state"] for e in office.entries()] == ["signed", "signed"],
            )
        finally:
            client.close()
        assert kra.calls["selectInvoiceDetails"] > looked_up  # asked before any resend
        # recorded: never sent again (1 + the next sale); not recorded: resent once
        assert kra.calls["saveTrnsSalesOsdc"] == (2 if recorded else 3)
        device = kra.device("00")
        assert sorted(device.invoices) == [1, 2]
        assert device.counters["S"] == 2  # signed once each
        assert [e["invc_no"] for e in office.entries()] == [1, 2]
        assert kra.calls["selectInitOsdcInfo"] == 1
