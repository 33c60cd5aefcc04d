"""Head office in real processes: the communication key KRA gives at initialisation
outlives the worker. A ``kaunta-hq worker`` initialises the branch and signs a sale, is
SIGKILLed, and a new worker (nothing in memory, nothing in the environment) signs the
next sale without initialising again (KRA would answer 902 without the key). The key is
in the database only sealed: not in the database file, not in the worker's log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.agent import ClientSettings, HeadOfficeClient
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from tests.etims.hq_processes import etims_head_office
from tests.server.factory import Till

pytestmark = pytest.mark.slow


def _wait_for(what: str, check: object, limit_s: float = 90.0) -> None:
    deadline = time.monotonic() + limit_s
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def kra() -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, "00", DEMO_SERIAL)]) as box:
        yield box


def test_a_restarted_worker_still_submits_with_the_key_kra_gave_once(
    tmp_path: Path, kra: EtimsSandbox
) -> None:
    with etims_head_office(tmp_path / "hq", kra) as office:
        office.add_device("DEMO", DEMO_TIN, "00", DEMO_SERIAL)
        enrollment = office.enroll()
        till = Till(enrollment.store_id, enrollment.terminal_id, enrollment.token)
        client = HeadOfficeClient(ClientSettings(office.url), token=enrollment.token)
        try:
            client.push_raw(till.batch([till.sale("65")]))
            _wait_for("the first sale signed", lambda: 1 in kra.device("00").invoices)
            office.restart_worker()
            client.push_raw(till.batch([till.sale("80")]))
            _wait_for("the second sale signed", lambda: 2 in kra.device("00").invoices)
        finally:
            client.close()
        assert kra.calls["selectInitOsdcInfo"] == 1  # never initialised again
        key = kra.device("00").cmc_key
        assert key
        sealed = json.loads(
            office.hq.shell(
                "import json\n"
                "from sync.server.etims.models import SealedSecret\n"
                "print(json.dumps(list(SealedSecret.objects.values_list('name', 'sealed'))))"
            )
        )
        assert [name for name, _ in sealed] == [f"etims.cmc_key.{DEMO_TIN}.00"]
        assert key not in sealed[0][1]
        files = [p for p in (tmp_path / "hq").iterdir() if p.name.startswith("hq.sqlite3")]
        assert files
        for path in files:
            assert key.encode() not in path.read_bytes()
        log = (tmp_path / "hq" / "worker.err").read_text("utf-8", "replace")
        assert key not in log
