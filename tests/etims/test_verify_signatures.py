"""The stored KRA signatures are checked as the journal is: ``kaunta verify`` (a process
of its own, as support runs it) checks the chains of ``etims.sqlite`` and
``etims-headoffice.sqlite`` beside the database and exits 1 naming the file, branch and
invoice of a row rewritten around its trigger; the eTIMS worker's start-up check raises
the alert on the manager's view. Signatures are real ones from the OSCU simulator."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest

from pos.etims_link import EtimsLink
from pos.services.etims import EtimsPhase, EtimsService, EtimsView
from pos.services.terminal import Terminal
from sync.etims import words
from sync.etims.chain_check import file_problems
from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN
from sync.etims.settings import Branch
from tests.etims.conftest import DictSecrets, make_submitter
from tests.etims.docs import sale_body
from tests.test_cli_verify import LiveTill, _kaunta, live  # noqa: F401 (fixture)

WAIT_S = 30.0  # a bound for the worker's thread, not a performance claim


def _signed_queue(client: OscuClient, path: Path, sales: int = 3) -> str:
    """A queue file at ``path`` with ``sales`` invoices KRA (the simulator) signed;
    its branch key."""
    sub, queue = make_submitter(client, path)
    try:
        for sku in ("SODA-500", "MILK-500", "SODA-500")[:sales]:
            sub.enqueue_sale(sale_body([(sku, 1)]))
        assert sub.drain().signed == sales
        return sub.branch
    finally:
        queue.close()


def _rewrite(path: Path, invc_no: int) -> None:
    """What someone with the file and sqlite3 does: drop the rule, change the stored
    signature (here its receipt counter), put the rule back."""
    db = sqlite3.connect(path)
    try:
        rule = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'etims_signed_no_update'"
        ).fetchone()[0]
        db.execute("DROP TRIGGER etims_signed_no_update")
        changed = db.execute(
            "UPDATE etims_signed SET signature = replace(signature, "
            f"'\"cur_rcpt_no\": {invc_no}', '\"cur_rcpt_no\": 99') WHERE invc_no = ?",
            (invc_no,),
        ).rowcount
        assert changed == 1
        db.execute(rule)
        db.commit()
    finally:
        db.close()


@pytest.mark.parametrize("name", ["etims.sqlite", "etims-headoffice.sqlite"])
def test_kaunta_verify_names_a_rewritten_kra_signature(
    live: LiveTill,  # noqa: F811
    client: OscuClient,
    name: str,
) -> None:
    path = live.config.database_path.with_name(name)
    branch = _signed_queue(client, path)
    clean = _kaunta(live.home, "verify")
    assert clean.returncode == 0, (clean.stdout, clean.stderr)
    assert f"KRA signatures of {name}: the chain verifies." in clean.stdout
    _rewrite(path, 2)
    result = _kaunta(live.home, "verify")
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    assert f"TAMPERED: 1 problems in the KRA signatures of {path}." in lines
    assert (
        f"  {name}: branch {branch}, invoice 2: its signature is not the one KRA gave "
        "(hash differs)"
    ) in lines
    assert "Traceback" not in result.stderr


def test_a_removed_signature_is_named_too(client: OscuClient, tmp_path: Path) -> None:
    path = tmp_path / "etims.sqlite"
    branch = _signed_queue(client, path)
    copy = tmp_path / "copy.sqlite"
    shutil.copy(path, copy)
    assert file_problems(copy) == []
    db = sqlite3.connect(copy)
    db.execute("DROP TRIGGER etims_signed_no_delete")
    db.execute("DELETE FROM etims_signed WHERE invc_no = 2")
    db.commit()
    db.close()
    assert file_problems(copy) == [
        "the rule etims_signed_no_delete that keeps signed invoices unchanged is gone",
        f"branch {branch}, invoice 3: it does not follow the invoice signed before it (a "
        "signed invoice was removed, added or reordered)",
        f"branch {branch}, invoice 2: signed in the queue, but its signature is gone",
    ]


def test_the_workers_start_up_check_raises_the_alert_on_a_rewritten_signature(
    cashier: Terminal, client: OscuClient, box: object, secrets: DictSecrets, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    _signed_queue(client, path)
    _rewrite(path, 1)
    service = EtimsService(training=True)
    seen: list[EtimsView] = []
    cond = threading.Condition()

    def news(view: EtimsView) -> None:
        with cond:
            seen.append(view)
            cond.notify_all()

    service.subscribe(news)
    link = EtimsLink(
        cashier.db,
        service,
        queue_path=path,
        branch=Branch(DEMO_TIN, "00", DEMO_SERIAL),
        settings=client.settings,
        secrets=secrets,
        registrar=Registrar("T1", "Till T1"),
        training=True,
        poll_s=0.2,
    )
    link.start()
    try:
        with cond:
            assert cond.wait_for(
                lambda: any(v.phase is not EtimsPhase.STARTING for v in seen), WAIT_S
            ), seen
        worked = [v for v in seen if v.phase is not EtimsPhase.STARTING]
    finally:
        link.stop()
    online = worked[0]
    assert online.reason.startswith(f"{words.TAMPERED}: branch "), [
        (v.phase, v.reason) for v in worked
    ]
    assert "invoice 1: its signature is not the one KRA gave" in online.reason
