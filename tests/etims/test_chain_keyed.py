"""The signed KRA invoices' chain is keyed, and every start keeps what it finds.

Real queue files signed by the OSCU simulator over real HTTP, a real till database (its
journal key from the key file beside it, as training and tests keep it), tampered with by
``sqlite3`` as someone with the file would. The chain key is derived from the journal key
(no new secret); a file chained the old unkeyed way is re-chained once, when its old chain
verifies; a finding stays in the alert at every start until a manager acknowledges it
(the acknowledgement in the audit log); ``etims-headoffice.sqlite`` is checked at start-up
as ``etims.sqlite`` is."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.etims_evidence import (
    FOUND,
    KEYED,
    NOT_RECHAINED,
    SEEN,
    EtimsEvidence,
    chain_key_of,
    evidence_for,
)
from pos.etims_link import start_etims
from pos.services.auth import Role
from pos.services.errors import PermissionDenied
from pos.services.terminal import DemoUser, Terminal
from pos.store import repositories as repo
from pos.ui import i18n
from sync.etims.chain_check import ChainFinding, Problem, file_findings
from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache, Signature
from sync.etims.queue import Submitter
from sync.etims.queue_sqlite import KEYED as KEYED_LINK
from sync.etims.queue_sqlite import ChainKey, SqliteQueue, chain_hash
from tests.conftest import FakeClock, make_ctx
from tests.etims.docs import items, sale_body


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    """A till (its journal key in the key file beside its database) with demo users."""
    ctx = replace(make_ctx(), training=False)
    till = Terminal.open(tmp_path / "kaunta.sqlite", ctx, FakeClock())
    till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    yield till
    till.close()


def _key(terminal: Terminal) -> ChainKey:
    key = chain_key_of(terminal.db)
    assert key is not None
    return key


def _signed(client: OscuClient, path: Path, sales: int, key: ChainKey | None) -> str:
    """``path``: a queue file with ``sales`` invoices the simulator signed, chained with
    ``key`` (None: the old unkeyed way, as Kaunta did before); its branch key."""
    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    queue = SqliteQueue(path, key=key)
    queue.mark_probed(client.branch.key, datetime.now(UTC))
    sub = Submitter(
        queue,
        client,
        client.settings,
        items=items,
        rates=cache.tax_rates,
        registrar=Registrar("till01", "Till 01"),
        clock=lambda: datetime.now(UTC),
    )
    try:
        for n in range(sales):
            sub.enqueue_sale(sale_body([("SODA-500" if n % 2 else "MILK-500", 1)]))
        assert sub.drain().signed == sales
        return sub.branch
    finally:
        queue.close()


def _links(path: Path) -> list[tuple[str, str]]:
    db = sqlite3.connect(path)
    try:
        return [
            (str(p), str(h))
            for p, h in db.execute("SELECT prev_hash, hash FROM etims_signed ORDER BY rowid")
        ]
    finally:
        db.close()


def _rewrite_and_rechain_without_the_key(path: Path, invc_no: int, *, keep_prefix: bool) -> None:
    """What someone with the file does: the rules dropped, invoice ``invc_no``'s receipt
    counter changed, every link from the first computed again the only way one can without
    the key (SHA-256, as ``chain_hash``), the rules put back. ``keep_prefix``: the new
    links dressed as keyed ones."""
    db = sqlite3.connect(path)
    try:
        rules = [
            r[0]
            for r in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'etims_signed'"
            )
        ]
        db.execute("DROP TRIGGER etims_signed_no_update")
        db.execute("DROP TRIGGER etims_signed_no_delete")
        changed = db.execute(
            "UPDATE etims_signed SET signature = replace(signature, "
            f"'\"cur_rcpt_no\": {invc_no}', '\"cur_rcpt_no\": 99') WHERE invc_no = ?",
            (invc_no,),
        ).rowcount
        assert changed == 1
        prev = "0" * 64
        for rowid, branch, stored in db.execute(
            "SELECT rowid, branch, signature FROM etims_signed ORDER BY rowid"
        ).fetchall():
            digest = chain_hash(prev, branch, Signature.from_json(json.loads(stored)))
            if keep_prefix:
                digest = KEYED_LINK + digest
            db.execute(
                "UPDATE etims_signed SET prev_hash = ?, hash = ? WHERE rowid = ?",
                (prev, digest, rowid),
            )
            prev = digest
        for rule in rules:
            db.execute(rule)
        db.commit()
    finally:
        db.close()


def _audit(terminal: Terminal, action: str) -> list[tuple[str, dict[str, object]]]:
    with terminal.db.read_session() as s:
        return [
            (e.user_id, json.loads(e.detail))
            for e in repo.recent_audit(s, 1000)
            if e.action == action
        ]


def test_the_chain_key_is_the_journal_keys_under_its_own_label(terminal: Terminal) -> None:
    journal = terminal.db.journal_key
    assert journal is not None
    key = _key(terminal)
    assert key.secret not in (journal.secret, bytes.fromhex(journal.mac("")))
    assert key == ChainKey.derived_from(journal.secret)  # the same at every start
    assert key.secret.hex() not in repr(key)


@pytest.mark.parametrize("keep_prefix", [False, True])
def test_a_rewritten_invoice_rechained_without_the_key_is_found(
    client: OscuClient, terminal: Terminal, tmp_path: Path, keep_prefix: bool
) -> None:
    key = _key(terminal)
    path = tmp_path / "etims.sqlite"
    evidence_for(terminal).check(path)  # the till's start: a new file, keyed from now on
    branch = _signed(client, path, 3, key)
    assert all(h.startswith(KEYED_LINK) for _p, h in _links(path))
    assert file_findings(path, key) == []
    _rewrite_and_rechain_without_the_key(path, 2, keep_prefix=keep_prefix)
    found = file_findings(path, key)
    if keep_prefix:  # links that look keyed but are not the key's
        assert found == [ChainFinding(Problem.HASH_DIFFERS, branch, n) for n in (1, 2, 3)]
    else:  # the whole chain is the old kind now: the till's record says it was keyed
        report = evidence_for(terminal).check(path)
        assert report.check.findings == [
            ChainFinding(Problem.UNKEYED, branch, n) for n in (1, 2, 3)
        ]
        assert report.alert is not None
        assert report.rechained == {}  # a re-written file is never sealed afresh
        assert all(not h.startswith(KEYED_LINK) for _p, h in _links(path))


def test_the_old_unkeyed_chain_could_not_tell_such_a_rewrite(
    client: OscuClient, tmp_path: Path
) -> None:
    """Why the key: the same rewrite of a file chained the old way verifies (what the
    checks of the old code said of every file)."""
    path = tmp_path / "etims.sqlite"
    _signed(client, path, 3, None)
    _rewrite_and_rechain_without_the_key(path, 2, keep_prefix=False)
    assert file_findings(path) == []


def test_an_old_file_is_rechained_once_with_the_key_and_that_is_recorded(
    client: OscuClient, terminal: Terminal, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    branch = _signed(client, path, 4, None)  # written by Kaunta before the key
    before = _links(path)
    report = evidence_for(terminal).check(path)
    assert report.rechained == {branch: 4}
    assert report.alert is None
    after = _links(path)
    assert all(h.startswith(KEYED_LINK) for _p, h in after)
    assert after[0][0] == "0" * 64
    assert [p for p, _h in after[1:]] == [h for _p, h in after[:-1]]
    assert after != before
    key = _key(terminal)
    assert file_findings(path, key) == []
    queue = SqliteQueue(path, key=key)
    try:
        assert queue.verify_chain(branch)
        ((_at, event, detail),) = queue.chain_log()
        assert event == "rechained"
        assert detail == {"branches": {branch: 4}, "refused": [], "key_id": key.key_id}
    finally:
        queue.close()
    ((_user, kept),) = _audit(terminal, KEYED)
    assert kept == {"file": "etims.sqlite", "key_id": key.key_id, "rechained": {branch: 4}}
    # once: the next start finds a keyed file and changes nothing
    terminal.etims_evidence = None  # type: ignore[attr-defined]  # (a restart)
    again = evidence_for(terminal).check(path)
    assert again.rechained == {}
    assert again.alert is None
    assert _links(path) == after
    assert len(_audit(terminal, KEYED)) == 1
    # a new invoice is chained with the key after the re-chained ones
    _signed(client, path, 1, key)
    assert file_findings(path, key) == []


def test_an_old_file_whose_chain_does_not_verify_is_not_rechained_and_the_alert_says_so(
    client: OscuClient, terminal: Terminal, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    branch = _signed(client, path, 3, None)
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER etims_signed_no_update")
    db.execute(
        "UPDATE etims_signed SET signature = replace(signature, "
        "'\"cur_rcpt_no\": 3', '\"cur_rcpt_no\": 99') WHERE invc_no = 3"
    )
    db.execute(
        "CREATE TRIGGER etims_signed_no_update BEFORE UPDATE ON etims_signed "
        "BEGIN SELECT RAISE(ABORT, 'signed eTIMS invoices are immutable'); END"
    )
    db.commit()
    db.close()
    before = _links(path)
    report = evidence_for(terminal).check(path)
    assert report.check.findings == [ChainFinding(Problem.HASH_DIFFERS, branch, 3)]
    assert report.rechained == {}
    assert _links(path) == before  # nothing re-chained: the evidence stays as found
    assert report.alert is not None
    said = str(report.alert)
    assert "branch " + branch + ", invoice 3: its signature is not the one KRA gave" in said
    assert "chained the old way, without the key, and were not re-chained with it" in said
    assert terminal.etims.view().tampered == report.alert
    assert _audit(terminal, NOT_RECHAINED) == [("", {"file": "etims.sqlite", "branches": [branch]})]
    assert _audit(terminal, KEYED) == []


def _start(terminal: Terminal, path: Path) -> EtimsEvidence:
    """One start of the till: a fresh check (as a restarted process makes), then the
    queue opens the file (which puts a dropped rule back)."""
    terminal.etims_evidence = None  # type: ignore[attr-defined]
    evidence = evidence_for(terminal)
    evidence.queue(path).close()
    return evidence


def test_a_dropped_rule_stays_in_the_alert_at_the_next_starts_until_a_manager_acknowledges(
    client: OscuClient, terminal: Terminal, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    _signed(client, path, 2, _key(terminal))
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER etims_signed_no_delete")
    db.commit()
    db.close()
    gone = ChainFinding(Problem.RULE_GONE, rule="etims_signed_no_delete")
    first = _start(terminal, path)
    assert first.check_once(path).check.findings == [gone]
    shown = terminal.etims.view().tampered
    assert shown is not None
    assert "etims_signed_no_delete" in str(shown)
    # the queue put the rule back: the file itself shows nothing any more ...
    assert file_findings(path, _key(terminal)) == []
    # ... and the next start still alerts, naming when it was found
    second = _start(terminal, path)
    report = second.check_once(path)
    assert report.check.findings == []
    assert report.alert is not None
    said = str(report.alert)
    assert said.startswith("KRA eTIMS: on ")
    assert "etims_signed_no_delete" in said
    assert "until a manager acknowledges it" in said
    assert terminal.etims.view().tampered == report.alert
    i18n.set_language("sw")
    try:
        assert "etims_signed_no_delete" in i18n.render(report.alert)
    finally:
        i18n.set_language("en")
    assert len(_audit(terminal, FOUND)) == 1  # kept once, not at every start
    # a cashier cannot acknowledge it
    users = {Role(r): (n, p) for n, r, p in DEMO_USERS}
    by_role = {u.role: u for u in terminal.auth.users()}
    terminal.auth.login(by_role[Role.CASHIER].user_id, users[Role.CASHIER][1])
    with pytest.raises(PermissionDenied):
        terminal.etims.acknowledge_tampering()
    assert terminal.etims.view().tampered is not None
    # the manager does: audited with who, and the alert goes
    manager = by_role[Role.MANAGER]
    terminal.auth.login(manager.user_id, users[Role.MANAGER][1])
    assert terminal.etims.acknowledge_tampering() is None
    assert terminal.etims.view().tampered is None
    ((who, seen),) = _audit(terminal, SEEN)
    assert who == manager.user_id
    assert seen["file"] == "etims.sqlite"
    # the start after that is quiet
    third = _start(terminal, path)
    assert third.check_once(path).alert is None
    assert terminal.etims.view().tampered is None


def test_an_acknowledged_finding_the_file_still_shows_is_not_alerted_again_but_a_new_one_is(
    client: OscuClient, terminal: Terminal, tmp_path: Path
) -> None:
    key = _key(terminal)
    path = tmp_path / "etims.sqlite"
    branch = _signed(client, path, 3, key)
    _rewrite_and_rechain_without_the_key(path, 2, keep_prefix=True)
    assert _start(terminal, path).check_once(path).alert is not None
    manager = next(u for u in terminal.auth.users() if u.role is Role.MANAGER)
    pin = next(p for _n, r, p in DEMO_USERS if r == "manager")
    terminal.auth.login(manager.user_id, pin)
    assert terminal.etims.acknowledge_tampering() is None
    assert _start(terminal, path).check_once(path).alert is None
    assert file_findings(path, key)  # kaunta verify still names them
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER etims_signed_no_update")
    db.commit()
    db.close()
    report = _start(terminal, path).check_once(path)
    assert report.alert is not None
    assert "2 problems" not in str(report.alert)  # four: the rule and three links
    assert report.check.findings[0] == ChainFinding(
        Problem.RULE_GONE, rule="etims_signed_no_update"
    )
    assert ChainFinding(Problem.HASH_DIFFERS, branch, 2) in report.check.findings


def test_a_tampered_head_office_file_raises_the_start_up_alert(
    client: OscuClient, terminal: Terminal, tmp_path: Path
) -> None:
    """An enrolled till without ``[etims]``: no worker of its own, but the copy of head
    office's answers is checked at start-up (off the GUI thread) all the same."""
    path = tmp_path / "etims-headoffice.sqlite"
    branch = _signed(client, path, 2, _key(terminal))
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER etims_signed_no_update")
    db.execute(
        "UPDATE etims_signed SET signature = replace(signature, "
        "'\"cur_rcpt_no\": 1', '\"cur_rcpt_no\": 99') WHERE invc_no = 1"
    )
    db.commit()
    db.close()
    config = SimpleNamespace(training=False, etims=None, database_path=terminal.db.path)
    assert start_etims(config, terminal) is None
    deadline = time.monotonic() + 20
    while terminal.etims.view().tampered is None and time.monotonic() < deadline:
        time.sleep(0.02)
    shown = terminal.etims.view().tampered
    assert shown is not None
    assert str(shown).startswith(
        "KRA eTIMS: the KRA signatures stored in etims-headoffice.sqlite were changed "
        "outside Kaunta (2 problems, the first: the rule etims_signed_no_update"
    )
    ((_user, kept),) = _audit(terminal, FOUND)
    assert kept["file"] == "etims-headoffice.sqlite"
    assert {
        "problem": "hash_differs",
        "branch": branch,
        "invoice": 1,
        "rule": "",
        "signed_as": None,
    } in kept["findings"]  # type: ignore[operator]


def test_a_till_without_its_journal_key_still_keeps_signatures_and_says_so(
    client: OscuClient, tmp_path: Path
) -> None:
    """The journal key not loaded (the journal refuses sales and says why): the eTIMS
    file is chained the old way, nothing is kept in the audit log, the view says so."""
    ctx = replace(make_ctx(), training=False)
    till = Terminal.open(tmp_path / "kaunta.sqlite", ctx, FakeClock())
    try:
        till.db.attach_journal(None, key_problem="no key for this test")
        path = tmp_path / "etims.sqlite"
        _signed(client, path, 1, chain_key_of(till.db))
        evidence = evidence_for(till)
        assert evidence.key is None
        report = evidence.check(path)
        assert report.alert is None
        assert report.rechained == {}
        assert "chained without a key (the journal key is not loaded)" in till.etims.view().reason
        assert all(not h.startswith(KEYED_LINK) for _p, h in _links(path))
    finally:
        till.close()


def _copy(source: Path, target: Path) -> None:
    """``source`` copied to ``target`` as SQLite's backup does (its WAL included)."""
    for extra in ("-wal", "-shm"):
        Path(f"{target}{extra}").unlink(missing_ok=True)
    target.unlink(missing_ok=True)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def test_a_file_put_back_from_an_older_copy_is_found_at_the_next_start(
    client: OscuClient, terminal: Terminal, tmp_path: Path
) -> None:
    """Each link of an older copy verifies (it is a prefix of the chain), so the file
    alone cannot tell; the last signed invoice a start recorded in the till's audit log
    can: it is not in the file any more."""
    key = _key(terminal)
    path = tmp_path / "etims.sqlite"
    older = tmp_path / "older.sqlite"
    evidence_for(terminal).check(path)
    branch = _signed(client, path, 2, key)
    _copy(path, older)
    _signed(client, path, 1, key)  # invoice 3
    assert evidence_for(terminal).check(path).check.findings == []  # a start: 3 recorded
    _signed(client, path, 1, key)  # invoice 4: the chain grows, nothing is wrong
    assert evidence_for(terminal).check(path).check.findings == []  # 4 recorded
    heads = _audit(terminal, "etims_chain_head")  # newest first
    assert [d["heads"][branch][0] for _u, d in heads] == [4, 3]

    _copy(older, path)  # someone puts back the copy with invoices 1 and 2
    assert file_findings(path, key) == []  # what the file alone says
    report = evidence_for(terminal).check(path)
    assert report.check.findings == [ChainFinding(Problem.CUT_BACK, branch, 4)]
    assert report.alert is not None
    assert "invoice 4, the last one signed when this till last started, is gone" in str(
        report.check.findings[0]
    )
    # the finding is kept (audit log) and the head is not moved back to the older copy's
    assert [d["heads"][branch][0] for _u, d in _audit(terminal, "etims_chain_head")] == [4, 3]
    assert _audit(terminal, "etims_tampering_found")
