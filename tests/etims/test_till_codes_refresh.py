"""The standalone till's eTIMS worker keeps KRA's code lists fresh while it runs, not
only at its start: every ``codes_every_s`` it asks again by ``lastReqDt``, so a rate
KRA changes reaches the worker's tax rates and the queue file's cache; it fetches the
item classifications as head office does and checks ``[etims] item_class`` against them.
A real till database and worker, the OSCU simulator on 127.0.0.1."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from pos.etims_link import EtimsLink
from pos.services.etims import EtimsPhase, EtimsService
from pos.services.terminal import Terminal
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.conftest import DictSecrets

WAIT_S = 30.0  # a generous bound for the worker's thread, not a performance claim


def wait_until(what: str, check: Callable[[], bool]) -> None:
    deadline = datetime.now(UTC) + timedelta(seconds=WAIT_S)
    while not check():
        if datetime.now(UTC) > deadline:
            pytest.fail(f"gave up waiting for {what}")
        threading.Event().wait(0.05)


def cached(path: Path) -> CodeCache:
    """The code cache the worker saved in its queue file (read on a connection of its own)."""
    queue = SqliteQueue(path)
    try:
        return CodeCache.from_json(queue.load_state("codes") or CodeCache().to_json())
    finally:
        queue.close()


@pytest.fixture
def box() -> Iterator[EtimsSandbox]:
    with EtimsSandbox() as sandbox:
        yield sandbox


def make_link(
    cashier: Terminal, box: EtimsSandbox, path: Path, *, item_class: str = "", every: float
) -> EtimsLink:
    return EtimsLink(
        cashier.db,
        EtimsService(training=True),
        queue_path=path,
        branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
        settings=EtimsSettings(base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0),
        secrets=DictSecrets(),
        registrar=Registrar("T1", "Till T1"),
        training=True,
        poll_s=0.1,
        item_class=item_class,
        codes_every_s=every,
    )


def test_a_rate_kra_changes_while_the_till_runs_reaches_the_worker(
    cashier: Terminal, box: EtimsSandbox, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    # KRA's band E goes from 8 % to 10 % in a moment, on a whole second (lastReqDt is
    # to the second: no fetch made before the change can carry the change's stamp)
    at = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    box.settings.rate_change = (at, "E", "10")
    link = make_link(cashier, box, path, every=0.3).start()
    try:
        wait_until("the first set-up", lambda: link.rounds >= 1)
        assert cached(path).tax_rates()["E"] == Decimal(8)
        first_asks = box.calls["selectCodeList"]
        wait_until("the changed rate cached", lambda: cached(path).tax_rates()["E"] == 10)
        assert box.calls["selectCodeList"] > first_asks  # asked again while running
        assert link.service.view().phase is EtimsPhase.ONLINE
        # the worker's own rates (what the next invoice is checked against) follow
        assert link._cache.tax_rates()["E"] == Decimal(10)
    finally:
        link.stop()
    # the item classifications were fetched too, and kept with the code lists
    assert box.calls["selectItemClsList"] >= 1
    assert "5059690800" in cached(path).item_classes


def test_an_item_class_kra_does_not_list_stops_the_set_up_with_its_reason(
    cashier: Terminal, box: EtimsSandbox, tmp_path: Path
) -> None:
    link = make_link(cashier, box, tmp_path / "etims.sqlite", item_class="9999999999", every=60)
    link.start()
    try:
        wait_until(
            "the set-up refused",
            lambda: "9999999999" in (link.service.view().reason or ""),
        )
        view = link.service.view()
        assert view.phase is EtimsPhase.OFFLINE
        assert "[etims] item_class" in view.reason
        assert "not in KRA's list" in view.reason
    finally:
        link.stop()
    assert box.calls["saveItem"] == 0  # nothing registered under a class KRA lacks
    assert box.device("00").invoices == {}
