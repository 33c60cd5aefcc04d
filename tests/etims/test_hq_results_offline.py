"""An enrolled till cut off from head office still raises the eTIMS age alert.

Its sales are numbered and submitted by head office, so a sale the till has not pushed
yet is in no eTIMS queue anywhere. The till's view counts it from its own outbox, with
its age: after the configured limit (24 h) the alert is on and its reason names the
cause; once the link is back, the sale pushed and signed by KRA through head office,
the alert clears. Real processes as in ``test_hq_results``: ``kaunta-hq serve`` and
``worker``, the OSCU simulator over HTTP, a live till; "unreachable" is a port on
127.0.0.1 nobody listens on. The agent's status listener publishes the view after each
round as ``pos.sync_link`` does.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from pos.domain.catalog import CatalogItem
from pos.etims_results import NOT_AT_HEAD_OFFICE, HeadOfficeEtims
from pos.services.etims import EtimsPhase
from pos.store import sync_state
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from sync.agent.client import TransientError
from sync.etims.sandbox import EtimsSandbox
from tests.conftest import FakeClock
from tests.etims.hq_processes import EtimsHeadOffice
from tests.etims.test_hq_results import EnrolledTill, kra, office

pytestmark = pytest.mark.slow
__all__ = ["kra", "office"]  # head office and the simulator, shared with test_hq_results


def dead_url() -> str:
    """A head-office address on 127.0.0.1 where nothing listens (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def agent_for(till: EnrolledTill, url: str, clock: FakeClock) -> SyncAgent:
    """The till's sync agent talking to ``url``, the view published after each round
    (``pos.sync_link._on_status``)."""
    hq: HeadOfficeEtims = till.terminal.etims_head_office
    client = HeadOfficeClient(
        ClientSettings(url, connect_timeout_s=2, read_timeout_s=10), token=till.token
    )
    return SyncAgent(
        till.terminal.db,
        client,
        store_id="DEMO",
        terminal_id=till.agent.terminal_id,
        settings=AgentSettings(app_version="test"),
        clock=clock.now,
        on_status=lambda _status: hq.publish(),
        result_pullers=(till.puller,),
    )


@pytest.fixture
def till(tmp_path: Path, office: EtimsHeadOffice, clock: FakeClock) -> Iterator[EnrolledTill]:
    t = EnrolledTill(tmp_path, office, clock)
    yield t
    t.close()


def test_an_unpushed_sale_raises_the_age_alert_and_clears_once_signed(
    till: EnrolledTill,
    office: EtimsHeadOffice,
    kra: EtimsSandbox,
    product: CatalogItem,
    clock: FakeClock,
) -> None:
    limit = timedelta(hours=24)
    cut_off = agent_for(till, dead_url(), clock)
    sale_id = till.sell(product)
    with pytest.raises(TransientError):
        cut_off.run_once()  # head office unreachable: the sale stays in the outbox
    with till.terminal.db.read_session() as s:
        assert sync_state.unsent_documents(s, ("sale.completed",), 5).count == 1

    view = till.terminal.etims.view()
    assert view.phase is EtimsPhase.HEAD_OFFICE
    assert view.alert_after == limit
    assert view.waiting == 1
    assert view.oldest_unsigned == clock.now()  # the sale's time, from the outbox
    assert not view.alert(clock.now())
    [row] = [r for r in view.rows if r.doc_id == sale_id]
    assert (row.state, row.kind, row.reason, row.invc_no) == (
        "waiting",
        "sale",
        NOT_AT_HEAD_OFFICE,
        None,
    )
    assert row.receipt_number != sale_id  # the till's receipt number, as on paper

    clock.advance(timedelta(hours=25).total_seconds())
    with pytest.raises(TransientError):
        cut_off.run_once()  # still cut off, a day later
    view = till.terminal.etims.view()
    assert view.alert(clock.now())  # more than 24 h: the manager is told
    assert view.reason.startswith(f"{NOT_AT_HEAD_OFFICE}: 1; ")
    assert [r.age(clock.now()) for r in view.rows if r.doc_id == sale_id] == [timedelta(hours=25)]

    back = agent_for(till, office.url, clock)  # the link is back
    try:
        end = time.monotonic() + 60
        while True:
            back.run_once()
            block = till.terminal.etims.block_for(sale_id)
            if block is not None and block.signed:
                break
            if time.monotonic() > end:
                pytest.fail(f"sale {sale_id} not signed after the link came back")
            time.sleep(0.2)
        back.run_once()  # a round after the answer: the view as the till shows it
    finally:
        back.stop()
    view = till.terminal.etims.view()
    assert not view.alert(clock.now())
    assert view.waiting == 0
    assert view.oldest_unsigned is None
    assert NOT_AT_HEAD_OFFICE not in view.reason
    assert [r.state for r in view.rows if r.doc_id == sale_id] == ["signed"]
