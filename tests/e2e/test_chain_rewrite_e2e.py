"""A journal rewritten below the head head office holds is caught: a real till (its own
SQLite file, journal key and sync agent) sells and syncs to ``kaunta-hq serve`` over HTTP;
then someone with the file *and the journal key* edits an old sale with ``sqlite3`` the way
a tamperer would (triggers dropped and put back, the sale's seal and every MAC after it
recomputed, the checkpoints removed), so that the till's own full verification
(``kaunta verify``) finds nothing; the till sells on, and its next push carries the
journal's MAC at the seq head office named, which is no longer the one it was told:
head office flags the chain ``rewritten``.

Heads alone cannot show it: the new head is a seq head office never saw."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import StoreInfo
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.journal import KeyNames, TrainingKeyFile
from pos.services.terminal import DemoUser, Terminal
from pos.store.journal_chain import JournalKey, entry_message, sale_digests
from pos.store.sync_state import CHAIN_CHECK_SEQ
from sync.agent import ClientSettings, HeadOfficeClient, SyncAgent
from sync.server.devcluster import free_port
from tests.e2e.real_head_office import RealHeadOffice

MILK = "6168232712628"
STORE = "NBO1"


@pytest.fixture
def head_office(tmp_path: Path) -> Iterator[RealHeadOffice]:
    hq = RealHeadOffice(tmp_path, free_port())
    hq.start()
    try:
        yield hq
    finally:
        hq.kill()


def _chain(hq: RealHeadOffice) -> dict[str, object]:
    """The terminal's chain as head office keeps it: state, newest seq, findings."""
    out: dict[str, object] = json.loads(
        hq.shell(
            "import json\n"
            "from sync.server.terminals.models import ChainReport, Terminal\n"
            f"t = Terminal.objects.get(store__code={STORE!r}, code='T1')\n"
            "notes = list(ChainReport.objects.filter(terminal=t).exclude(state='ok')"
            ".values_list('state', 'seq', 'note'))\n"
            "print(json.dumps({'state': t.chain_state, 'seq': t.chain_seq, 'flags': notes}))"
        )
    )
    return out


def _rewrite_sale(db: Path, key: JournalKey, sale_id: str) -> int:
    """What a tamperer with the file and the key does: change a closed sale and re-seal
    the chain from its entry on. Returns the seq of the sale's entry."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        triggers = conn.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall()
        conn.execute("BEGIN IMMEDIATE")
        for name, _ in triggers:
            conn.execute(f'DROP TRIGGER "{name}"')
        conn.execute("UPDATE sales SET cashier_name = 'Someone else' WHERE id = ?", (sale_id,))
        conn.execute("COMMIT")
    finally:
        conn.close()
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.begin() as sa:
            digest = sale_digests(sa, [sale_id])[sale_id]
            (start,) = sa.exec_driver_sql(
                "SELECT seq FROM journal_chain WHERE doc_id = ?", (sale_id,)
            ).one()
            sa.exec_driver_sql("UPDATE journal_chain SET digest = ? WHERE seq = ?", (digest, start))
            (prev,) = sa.exec_driver_sql(
                "SELECT mac FROM journal_chain WHERE seq = ?", (start - 1,)
            ).one()
            rows = sa.exec_driver_sql(
                "SELECT seq, kind, doc_id, digest FROM journal_chain WHERE seq >= ? ORDER BY seq",
                (start,),
            ).all()
            for seq, kind, doc_id, entry_digest in rows:
                prev = key.mac(entry_message(seq, kind, doc_id, entry_digest, prev))
                sa.exec_driver_sql("UPDATE journal_chain SET mac = ? WHERE seq = ?", (prev, seq))
            sa.exec_driver_sql("DELETE FROM journal_checkpoints")
            for _, sql in triggers:
                sa.exec_driver_sql(sql)
    finally:
        engine.dispose()
    return int(start)


def _stored(db: Path, name: str) -> str | None:
    conn = sqlite3.connect(db)
    try:
        row = conn.execute("SELECT value FROM sync_state WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])
    finally:
        conn.close()


@pytest.mark.slow
def test_head_office_flags_a_journal_rewritten_below_the_head_it_holds(
    tmp_path: Path, head_office: RealHeadOffice
) -> None:
    [code] = head_office.codes([STORE])
    enrolled = HeadOfficeClient(ClientSettings(head_office.url)).enroll(code, "Front till")
    folder = tmp_path / "till"
    folder.mkdir()
    db = folder / "kaunta.sqlite"
    ctx = TerminalContext(
        StoreInfo(STORE, "Store NBO1", ("Nairobi",)),
        "T1",
        training=False,
        policy=Policy(pin_kdf_log2_n=10),
    )
    keys = TrainingKeyFile(folder)
    pins = {Role(r): p for _, r, p in DEMO_USERS}

    def open_till() -> Terminal:
        till = Terminal.open(db, ctx, journal_keys=keys)
        till.startup_checks()
        return till

    def agent_of(till: Terminal) -> SyncAgent:
        return SyncAgent(
            till.db,
            HeadOfficeClient(ClientSettings(head_office.url), token=enrolled.token),
            store_id=STORE,
            terminal_id="T1",
        )

    def sell(till: Terminal) -> str:
        cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
        till.auth.login(cashier.user_id, pins[Role.CASHIER])
        till.checkout.scan(MILK, 1)
        done = till.checkout.pay_cash(till.checkout.view().cash_due).receipt
        assert done is not None
        return done.sale_id

    till = open_till()
    try:
        till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in till.auth.users() if u.role is Role.CASHIER)
        till.auth.login(cashier.user_id, pins[Role.CASHIER])
        till.shifts.open({})
        first = sell(till)
        assert agent_of(till).drain().sent >= 1
        head = till.journal.head()
        assert head is not None
        # head office named the head it took; the till keeps the seq for its next batch
        assert _stored(db, CHAIN_CHECK_SEQ) == str(head.seq)
        sell(till)
        assert agent_of(till).drain().sent >= 1  # checked at that seq: the same MAC
        assert _chain(head_office)["state"] == "ok"
        named = till.journal.head()
        assert named is not None
    finally:
        till.close()

    key = JournalKey.from_hex(keys.get(KeyNames.of(ctx).key) or "")
    rewritten = _rewrite_sale(db, key, first)
    assert rewritten < named.seq  # below the newest head head office holds

    till = open_till()
    try:
        check = till.journal.verify()
        assert check is not None
        assert check.ok, check.first  # the till's own full walk cannot see it: the key was used
        sell(till)
        after = till.journal.head()
        assert after is not None
        assert after.seq > named.seq  # a head head office never saw
        assert agent_of(till).drain().sent >= 1  # a new agent: the seq named survived
    finally:
        till.close()
    chain = _chain(head_office)
    assert chain["state"] == "rewritten"
    assert chain["flags"] == [
        ["rewritten", named.seq, f"the entry at seq {named.seq} changed after it was reported"]
    ]
