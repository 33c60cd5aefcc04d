"""The simulator's control API (``/__sandbox__/…``), which the fault tests and
integrators use to plant faults, has tests of its own: each path over real HTTP changes
what the next OSCU call gets, and a bad request is answered 400 or 404 with the reason,
changing nothing. The OSCU calls are made by the real client or by ``requests``."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from sync.etims.client import OscuClient
from sync.etims.queue import EntryState, Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.sandbox.state import Settings
from tests.etims.docs import sale_body

Pair = tuple[Submitter, SqliteQueue]
#: what a normal answer to the code-list calls says (001: nothing changed since lastReqDt)
NORMAL = {"000", "001"}


def control(box: EtimsSandbox, name: str, body: Any = None, method: str = "POST") -> Any:
    """One control call; the answer (status, JSON)."""
    got = requests.request(method, f"{box.verify_host}/__sandbox__/{name}", json=body, timeout=10)
    return got.status_code, got.json()


def oscu(box: EtimsSandbox, client: OscuClient, endpoint: str, timeout: float = 10) -> Any:
    """A raw OSCU call with the device's headers (what the client sends, no client code)."""
    return requests.post(
        f"{box.base_url}/{endpoint}",
        json={"lastReqDt": "20200101000000"},
        headers={"tin": DEMO_TIN, "bhfId": "00", "cmcKey": client.cmc_key()},
        timeout=timeout,
    )


def wait_until(what: str, check: Any, limit_s: float = 20.0) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=limit_s)
    while not check():
        if datetime.now(UTC) > deadline:
            pytest.fail(f"gave up waiting for {what}")
        threading.Event().wait(0.02)


def test_a_code_fault_answers_its_code_once_and_only_on_its_path(
    box: EtimsSandbox, client: OscuClient
) -> None:
    assert control(
        box, "fault", {"kind": "code", "code": "991", "path": "selectCodeList", "count": 2}
    ) == (200, {"ok": True})
    assert oscu(box, client, "selectItemClsList").json()["resultCd"] in NORMAL  # other path
    assert oscu(box, client, "selectCodeList").json()["resultCd"] == "991"
    assert oscu(box, client, "selectCodeList").json()["resultCd"] == "991"
    assert oscu(box, client, "selectCodeList").json()["resultCd"] in NORMAL  # count used up


def test_an_html_fault_is_an_error_page(box: EtimsSandbox, client: OscuClient) -> None:
    control(box, "fault", {"kind": "html"})
    got = oscu(box, client, "selectCodeList")
    assert got.status_code == 502
    assert got.headers["Content-Type"].startswith("text/html")
    assert oscu(box, client, "selectCodeList").status_code == 200


def test_a_drop_fault_closes_without_an_answer(box: EtimsSandbox, client: OscuClient) -> None:
    control(box, "fault", {"kind": "drop", "path": "selectCodeList"})
    with pytest.raises(requests.ConnectionError):
        oscu(box, client, "selectCodeList")
    assert oscu(box, client, "selectCodeList").json()["resultCd"] in NORMAL


def test_a_slow_fault_answers_after_its_delay(box: EtimsSandbox, client: OscuClient) -> None:
    control(box, "fault", {"kind": "slow", "seconds": 0.3})
    started = datetime.now(UTC)
    assert oscu(box, client, "selectCodeList").json()["resultCd"] in NORMAL
    assert datetime.now(UTC) - started >= timedelta(seconds=0.3)


def test_a_hang_lasts_until_release(box: EtimsSandbox, client: OscuClient) -> None:
    control(box, "fault", {"kind": "hang", "seconds": 300})
    outcome: list[BaseException | int] = []

    def call() -> None:
        try:
            outcome.append(oscu(box, client, "selectCodeList", timeout=120).status_code)
        except requests.RequestException as exc:
            outcome.append(exc)

    caller = threading.Thread(target=call, daemon=True)
    caller.start()
    wait_until("the call at the simulator", lambda: box.calls["selectCodeList"] == 1)
    assert outcome == []  # held
    assert control(box, "release") == (200, {"ok": True})
    caller.join(60)
    assert not caller.is_alive()  # released long before its 300 s
    [ended] = outcome
    assert isinstance(ended, requests.ConnectionError)  # no answer, as a lost reply


def test_a_recorded_hang_keeps_the_sale_and_the_invoices_path_lists_it(
    box: EtimsSandbox, submitter: Pair
) -> None:
    sub, queue = submitter
    body = sale_body([("SODA-500", 2)])
    sub.enqueue_sale(body)
    control(box, "fault", {"kind": "hang", "path": "saveTrnsSalesOsdc", "record": True})
    assert sub.drain().signed == 0  # the client timed out: in doubt
    status, held = control(box, "invoices", method="GET")
    assert status == 200
    [invoice] = held["invoices"]
    assert invoice["invcNo"] == 1
    assert invoice["rcptTyCd"] == "S"
    assert len(invoice["rcptSign"]) == 16
    assert held["gaps"] == []
    control(box, "release")
    assert sub.drain().stopped == ""
    entry = queue.get(sub.branch, body["sale_id"])
    assert entry is not None
    assert entry.state is EntryState.SIGNED
    assert box.device("00").total == 1  # looked up, not sent again


def test_refuse_answers_then_closes_the_port_and_reopens_it(
    box: EtimsSandbox, client: OscuClient
) -> None:
    assert control(box, "refuse", {"seconds": 1}) == (200, {"ok": True, "seconds": 1.0})
    wait_until("the port closed", lambda: _refused(box, client), limit_s=5)
    wait_until("the port open again", lambda: not _refused(box, client))
    assert oscu(box, client, "selectCodeList").json()["resultCd"] in NORMAL


def _refused(box: EtimsSandbox, client: OscuClient) -> bool:
    try:
        oscu(box, client, "selectCodeList", timeout=2)
    except requests.ConnectionError:
        return True
    return False


def test_a_down_window_answers_503_and_clears(box: EtimsSandbox, client: OscuClient) -> None:
    now = datetime.now(UTC)
    window = {
        "start": (now - timedelta(minutes=1)).isoformat(),
        "end": (now + timedelta(hours=1)).isoformat(),
    }
    assert control(box, "down", window) == (200, {"ok": True})
    got = oscu(box, client, "selectCodeList")
    assert got.status_code == 503
    assert "maintenance" in got.text
    assert control(box, "down", {"start": None}) == (200, {"ok": True})
    assert oscu(box, client, "selectCodeList").json()["resultCd"] in NORMAL
    later = {
        "start": (now + timedelta(hours=1)).isoformat(),
        "end": (now + timedelta(hours=2)).isoformat(),
    }
    control(box, "down", later)  # not yet down
    assert oscu(box, client, "selectCodeList").status_code == 200


def test_settings_are_read_and_changed_and_an_unknown_one_is_refused(
    box: EtimsSandbox,
) -> None:
    status, before = control(box, "settings", method="GET")
    assert status == 200
    assert before["duplicate"] == "994"
    assert before["reject_gaps"] is False
    status, after = control(box, "settings", {"duplicate": "stored", "reject_gaps": True})
    assert status == 200
    assert (after["duplicate"], after["reject_gaps"]) == ("stored", True)
    assert (box.settings.duplicate, box.settings.reject_gaps) == ("stored", True)
    for bad in ({"no_such": 1}, {"rate_change": None}):
        status, said = control(box, "settings", bad)
        assert status == 400
        assert "unknown setting" in said["error"]
    assert control(box, "settings", method="GET")[1] == after  # nothing changed


def test_a_gap_is_listed_by_the_invoices_path(box: EtimsSandbox, client: OscuClient) -> None:
    device = box.device("00")
    device.gaps.append((3, 5))  # what the sales check records for 5 after 3
    assert control(box, "invoices?bhfId=00", method="GET")[1]["gaps"] == [[3, 5]]


@pytest.mark.parametrize(
    ("name", "method", "raw", "status", "said"),
    [
        ("fault", "POST", b"[1", 400, "Expecting"),
        ("fault", "POST", b'{"kind": "hang", "bogus": 1}', 400, "bogus"),
        ("down", "POST", b'{"start": "yesterday", "end": "now"}', 400, "Invalid isoformat"),
        ("down", "POST", b'{"start": "2026-03-02T07:30:00+00:00"}', 400, "end"),
        ("refuse", "POST", b'{"seconds": 0}', 400, "more than 0"),
        ("refuse", "POST", b'{"seconds": "soon"}', 400, "soon"),
        ("refuse", "POST", b'{"seconds": true}', 400, "seconds"),
        ("refuse", "POST", b'{"seconds": 1e400}', 400, "seconds"),
        ("refuse", "POST", b"[1]", 400, "JSON object"),
        # a fault the next call would not get, or one that would crash it
        ("fault", "POST", b'{"kind": "hnag"}', 400, "kind"),
        ("fault", "POST", b'{"kind": "code", "path": "selectCodeLst"}', 400, "path"),
        ("fault", "POST", b'{"kind": "slow", "seconds": "abc"}', 400, "seconds"),
        ("fault", "POST", b'{"kind": "slow", "seconds": -1}', 400, "seconds"),
        ("fault", "POST", b'{"kind": "hang", "seconds": true}', 400, "seconds"),
        ("fault", "POST", b'{"kind": "code", "count": "2"}', 400, "count"),
        ("fault", "POST", b'{"kind": "code", "count": 0}', 400, "count"),
        ("fault", "POST", b'{"kind": "code", "code": 99}', 400, "code"),
        ("fault", "POST", b'{"kind": "code", "code": "OK"}', 400, "code"),
        ("fault", "POST", b'{"kind": "drop", "record": "no"}', 400, "record"),
        ("fault", "POST", b"[1]", 400, "JSON object"),
        # settings: allowed values, booleans for flags, numbers in range; all or nothing
        ("settings", "POST", b'{"tax_mode": "exclusiv"}', 400, "tax_mode"),
        ("settings", "POST", b'{"duplicate": "sometimes"}', 400, "duplicate"),
        ("settings", "POST", b'{"reinit": "again"}', 400, "reinit"),
        ("settings", "POST", b'{"duplicate": "stored", "tax_mode": "x"}', 400, "tax_mode"),
        ("settings", "POST", b'{"reject_gaps": "false"}', 400, "reject_gaps"),
        ("settings", "POST", b'{"credit_check": 1}', 400, "credit_check"),
        ("settings", "POST", b'{"require_registered_items": null}', 400, "require_registered"),
        ("settings", "POST", b'{"latency_s": "0.1"}', 400, "latency_s"),
        ("settings", "POST", b'{"latency_s": -0.5}', 400, "latency_s"),
        ("settings", "POST", b'{"bearer_token": 7}', 400, "bearer_token"),
        ("settings", "POST", b'{"seed": ""}', 400, "seed"),
        ("settings", "POST", b"[1]", 400, "JSON object"),
        # down windows: timezone-aware, start before end
        (
            "down",
            "POST",
            b'{"start": "2026-03-02T07:30:00", "end": "2099-01-01T00:00:00"}',
            400,
            "timezone",
        ),
        (
            "down",
            "POST",
            b'{"start": "2026-03-02T07:30:00+00:00", "end": "2026-03-02T07:00:00+00:00"}',
            400,
            "before",
        ),
        ("down", "POST", b'{"start": 1, "end": 2}', 400, "start"),
        ("down", "POST", b"[1]", 400, "JSON object"),
        ("fault", "GET", b"", 404, "no control path 'fault' for GET"),
        ("nothing", "POST", b"{}", 404, "no control path 'nothing'"),
    ],
)
def test_a_bad_control_request_is_refused_with_its_reason(
    box: EtimsSandbox,
    client: OscuClient,
    name: str,
    method: str,
    raw: bytes,
    status: int,
    said: str,
) -> None:
    got = requests.request(method, f"{box.verify_host}/__sandbox__/{name}", data=raw, timeout=10)
    assert got.status_code == status
    assert said in got.json()["error"]
    # nothing planted, nothing closed, nothing down, no setting changed
    assert oscu(box, client, "selectCodeList").json()["resultCd"] in NORMAL
    assert box.down is None
    assert box.settings == Settings()
