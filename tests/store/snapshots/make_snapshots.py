"""Make ``tests/store/snapshots/<revision>.sql``: a till's data as the Kaunta of that revision
wrote it, for the upgrade tests to load into a schema at that revision.

Each snapshot is made by running the code of its era, not today's, so that it holds what a
real till running that version holds (document JSON of that day included). Each file is a
full data dump (plain ``INSERT`` statements, parents first, no schema): the schema comes
from the migrations. The ``0002`` snapshot is the ``0001`` till carried on: upgraded by the
Kaunta of 0002, then used for M-Pesa payments and a lockout.

From the repository root, with the project's virtualenv::

    rm -rf /tmp/era-0001 /tmp/era-0002 /tmp/till.sqlite*
    mkdir -p /tmp/era-0001 /tmp/era-0002
    git archive d2af435 pos | tar -x -C /tmp/era-0001    # last commit at schema 0001
    git archive 028c3e6 pos | tar -x -C /tmp/era-0002    # last commit at schema 0002
    PYTHONPATH=/tmp/era-0001 python tests/store/snapshots/make_snapshots.py 0001 /tmp/till.sqlite
    PYTHONPATH=/tmp/era-0002 python tests/store/snapshots/make_snapshots.py 0002 /tmp/till.sqlite

For a new revision NNNN: add a stage below that uses what NNNN added, run it with the code
of the last commit at NNNN on a copy of the previous stage's file, and commit NNNN.sql.

From 0003 on the journal is sealed with a key kept outside the database; the stage's
training key is written beside the snapshot as ``NNNN.key`` (training keys are not
secret), and the tests put it where the till looks for it. The ``0003`` stage starts from
the ``0002`` snapshot loaded into a file at schema 0002 (what ``tests/store/conftest.py``
builds), so it needs no older checkout::

    rm -f /tmp/till.sqlite* /tmp/journal.*
    python tests/store/snapshots/make_snapshots.py 0003 /tmp/till.sqlite

Later stages start the same way from the previous snapshot (and its key)::

    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0004 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0005 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0006 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0007 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0008 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0009 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0010 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0011 /tmp/snap/till.sqlite
    rm -rf /tmp/snap && mkdir /tmp/snap
    python tests/store/snapshots/make_snapshots.py 0012 /tmp/snap/till.sqlite
"""

from __future__ import annotations

import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

#: Parents before children, so a plain load never points at a row not yet there.
TABLE_ORDER = (
    "users",
    "products",
    "product_barcodes",
    "counters",
    "drafts",
    "sales",
    "sale_lines",
    "sale_taxes",
    "payments",
    "refunds",
    "refund_lines",
    "refund_tenders",
    "refund_attempts",
    "outbox",
    "audit_log",
    "payment_attempts",
    "payment_attempt_events",
    "journal_chain",  # after every document: a sealed sale takes no new lines
    "journal_checkpoints",
    "sync_state",
    "hq_vat_classes",
    "shifts",
    "shift_closes",
    "cash_movements",
    "z_reports",
    "daily_hours",
    "daily_cashiers",
    "daily_products",
    "daily_totals",
    "daily_tenders",
    "daily_categories",
)

CATALOG = """sku,barcode,name,category,price,vat_class
DAI-0001,6168232712628,Brookside Fresh Milk 500ml,Dairy,65.00,Z
DAI-0003,6168232799285,Brookside Long Life Whole Milk 500ml,Dairy,75.00,S
BAK-0001,6165383477352,Supaloaf White Bread 400g,Bakery,65.00,Z
FLR-0002,6162393209737,Jogoo Maize Flour 2kg,Flour & Grains,165.00,E
SUG-0004,6169619642552,Mumias Sugar 1kg,Sugar & Sweeteners,170.00,S
HSE-0007,6165159668762,Menengai Cream Bar Soap 800g,Household,230.00,S
BAK-0017,,"Mandazi, each",Bakery,10.00,S
"""


class SteadyClock:
    """Moves a minute on every reading, so rows get distinct, realistic times."""

    def __init__(self, start: datetime) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(minutes=1)
        return self._now


def _terminal(path: Path, start: datetime) -> Any:
    from pos.domain.receipt import StoreInfo
    from pos.services.context import Policy, TerminalContext
    from pos.services.terminal import Terminal

    ctx = TerminalContext(
        StoreInfo("DEMO", "Kaunta Demo Duka", ("Moi Avenue, Nairobi",)),
        "T1",
        training=True,
        policy=Policy(pin_kdf_log2_n=10),
    )
    return Terminal.open(path, ctx, SteadyClock(start))


def _user(terminal: Any, role: str) -> str:
    return str(next(u.user_id for u in terminal.auth.users() if u.role.value == role))


def _wrong_pin(terminal: Any, role: str) -> None:
    try:
        terminal.auth.login(_user(terminal, role), "9999")
    except Exception as exc:  # wrong PIN, then locked out: that is the point
        print(f"{role}: {exc}")


def stage_0001(path: Path) -> None:
    """Users, a small catalog, two cash sales (one discounted), a void, a parked basket,
    an open basket and a wrong PIN."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.domain.sale import Discount
    from pos.services.auth import Permission, Role
    from pos.services.terminal import DemoUser

    t = _terminal(path, datetime(2026, 11, 20, 5, 0, tzinfo=UTC))
    csv = path.with_suffix(".csv")
    csv.write_text(CATALOG, encoding="utf-8")
    t.seed_demo(csv, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    pins = {r: p for _, r, p in DEMO_USERS}
    _wrong_pin(t, "supervisor")
    t.auth.login(_user(t, "cashier"), pins["cashier"])
    c = t.checkout
    c.scan("6168232712628", 2)
    c.scan("6165383477352")
    assert c.pay_cash(Money(20000)).receipt is not None
    view = c.scan("6162393209737")
    c.set_line_discount(view.lines[0].line_id, Discount.of_percent(5))
    c.scan("6169619642552")
    assert c.pay_cash(Money(40000)).receipt is not None
    c.scan("6165159668762")
    approval = t.auth.approve(_user(t, "supervisor"), pins["supervisor"], Permission.VOID_SALE)
    c.void("customer changed their mind", approval)
    c.scan("6168232799285", 3)
    c.park("back in five minutes")
    c.scan("6168232712628")  # the open basket when the till was closed
    t.close()


def stage_0002(path: Path) -> None:
    """The same till after upgrading: an M-Pesa sale, a declined push then cash, a lockout."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.payments.mpesa.method import create as create_mpesa
    from pos.payments.mpesa.sandbox import Decision, MpesaSandbox
    from pos.payments.registry import MethodContext

    t = _terminal(path, datetime(2026, 11, 27, 5, 0, tzinfo=UTC))
    pins = {r: p for _, r, p in DEMO_USERS}
    for _ in range(5):
        _wrong_pin(t, "supervisor")
    box = MpesaSandbox(prompt_timeout=5.0, slow_delay=0.0)
    box.start()
    try:
        method = create_mpesa(MethodContext(True, "KES", {"base_url": box.base_url}))
        payments = t.enable_payments({"mpesa": method})
        t.auth.login(_user(t, "cashier"), pins["cashier"])
        c = t.checkout
        c.restore()  # the open basket from before the upgrade: one milk
        for decision in (Decision.APPROVE, Decision.INSUFFICIENT):
            if decision is Decision.INSUFFICIENT:
                c.scan("6169619642552")
            started = payments.start("mpesa", c.view().totals.due, "0712 345 678")
            [push] = box.pending()
            box.decide(push.checkout_request_id, decision)
            for _ in range(200):
                if payments.poll(started.attempt_id).final:
                    break
                time.sleep(0.05)
        assert c.pay_cash(Money(20000)).receipt is not None  # after the declined push
    finally:
        box.stop()
        t.close()


def stage_0003(path: Path) -> None:
    """The 0002 till upgraded to the keyed journal: sealed on its first start (the old
    sales, audit entries and users back-filled), a checkpoint from the start-up check, a
    new user (sealed), a sale paid in two parts, and a void."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.services.auth import Permission, Role

    if not path.exists():
        _load_previous(path, "0002")
    t = _terminal(path, datetime(2026, 11, 29, 5, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "manager"), pins["manager"])
    t.auth.create_user("Daudi Kamau", Role.CASHIER, "2468")
    t.auth.login(_user(t, "cashier"), pins["cashier"])
    c = t.checkout
    c.restore()
    c.scan("6165159668762")
    c.pay_cash(Money(10000), partial=True)
    assert c.pay_cash(Money(20000)).receipt is not None
    c.scan("6168232712628")
    approval = t.auth.approve(_user(t, "supervisor"), pins["supervisor"], Permission.VOID_SALE)
    c.void("wrong customer", approval)
    t.close()
    key = next(path.parent.glob("journal.key.*"))
    (HERE / "0003.key").write_text(key.read_text(encoding="ascii"), encoding="ascii")


def stage_0004(path: Path) -> None:
    """The 0003 till upgraded to per-user languages: the cashier switches to Kiswahili,
    then sells (cash) and the sale is found again by its receipt number."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money

    if not path.exists():
        _load_previous(path, "0003")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0003.key").read_bytes())
    t = _terminal(path, datetime(2026, 11, 30, 5, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "cashier"), pins["cashier"])
    assert t.auth.set_language("sw").language == "sw"
    c = t.checkout
    c.scan("6169619642552", 2)
    assert c.pay_cash(Money(50000)).receipt is not None
    t.close()
    (HERE / "0004.key").write_bytes((HERE / "0003.key").read_bytes())
    # the cashier's login re-hashed her PIN with the pepper (training keeps it in a file)
    (HERE / "0004.pepper").write_bytes((path.parent / "auth.pin_pepper").read_bytes())


def stage_0005(path: Path) -> None:
    """The 0004 till with a sync agent: two cash sales, the head office acknowledged the
    first outbox events and refused one (parked with its reason), a change cursor and the
    time of the last success kept."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.store import sync_state

    if not path.exists():
        _load_previous(path, "0004")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0004.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0004.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 1, 5, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "cashier"), pins["cashier"])
    c = t.checkout
    for barcode in ("6168232712628", "6165383477352"):
        c.scan(barcode)
        assert c.pay_cash(Money(20000)).receipt is not None
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    with t.db.session() as s:
        pending = sync_state.pending_events(s, limit=500, now=now, park_retry=timedelta(hours=1))
        assert len(pending) >= 3, pending
        sync_state.mark_sent(s, [e.event_id for e in pending[:-1]], now)
        sync_state.park(s, [(pending[-1].event_id, "body.lines[0].sku: is not known")], now)
        sync_state.set_value(s, sync_state.CURSOR, "v1:42")
        sync_state.set_value(s, sync_state.LAST_SUCCESS, now.isoformat())
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0005.{suffix}").write_bytes((HERE / f"0004.{suffix}").read_bytes())


def stage_0006(path: Path) -> None:
    """The 0005 till with refunds: a sale of two milks and bread, one milk refunded
    (a cashier's refund approved by the supervisor, cash), then the rest of the sale; and a
    second barcode on the bread."""
    from sqlalchemy import text

    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.services.auth import Permission
    from pos.services.refunds import RefundRequest
    from pos.store.models import ProductBarcode

    if not path.exists():
        _load_previous(path, "0005")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0005.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0005.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 2, 5, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "cashier"), pins["cashier"])
    c = t.checkout
    c.scan("6168232712628", 2)
    c.scan("6165383477352")
    receipt = c.pay_cash(Money(20000)).receipt
    assert receipt is not None
    for quantities in ({1: 1}, {1: 1, 2: 1}):
        approval = t.auth.approve(_user(t, "supervisor"), pins["supervisor"], Permission.REFUND)
        t.refunds.refund(RefundRequest(receipt.sale_id, quantities, "changed_mind"), approval)
    with t.db.session() as s:
        bread = s.execute(text("SELECT id FROM products WHERE sku = 'BAK-0001'")).scalar_one()
        s.add(ProductBarcode(barcode="6165383477369", product_id=bread))
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0006.{suffix}").write_bytes((HERE / f"0005.{suffix}").read_bytes())


def stage_0007(path: Path) -> None:
    """The 0006 till with shifts: a shift opened with a counted float, a cash sale, a
    paid-out, a no-sale opening, the close KES 10 short (noted), the first Z, and a second
    shift left open."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money

    if not path.exists():
        _load_previous(path, "0006")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0006.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0006.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 3, 5, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "cashier"), pins["cashier"])
    t.shifts.open({100000: 2, 50000: 1, 2000: 5})
    c = t.checkout
    c.scan("6169619642552")
    assert c.pay_cash(Money(20000)).receipt is not None
    t.shifts.cash_out(Money(15000), "paid_out", "milk delivery")
    t.shifts.no_sale("change for a customer")
    t.auth.login(_user(t, "manager"), pins["manager"])
    # float 2600 + sale 170 - paid out 150 = 2620 expected; 2610 counted
    result = t.shifts.close({100000: 2, 50000: 1, 2000: 5, 1000: 1}, note="KES 10 short")
    assert result.difference == Money(-1000), result.difference
    assert t.zreports.z_report().z_number == 1
    t.shifts.open({50000: 4})
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0007.{suffix}").write_bytes((HERE / f"0006.{suffix}").read_bytes())


def stage_0008(path: Path) -> None:
    """The 0007 till with day summaries: rebuilt from its journal by the upgrade, then a
    cash sale in the open shift adds to them; the daily view reads them back."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money

    if not path.exists():
        _load_previous(path, "0007")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0007.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0007.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 3, 9, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "manager"), pins["manager"])
    c = t.checkout
    c.scan("6165383477352", 2)
    assert c.pay_cash(Money(20000)).receipt is not None
    view = t.daily.view("2026-12-03")
    assert view.totals.sales_count == 2, view.totals
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0008.{suffix}").write_bytes((HERE / f"0007.{suffix}").read_bytes())


def stage_0009(path: Path) -> None:
    """The 0008 till with range summaries (totals, tenders, categories) rebuilt from its
    journal by the upgrade; a card-free cash sale adds to them and the view reads them."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money

    if not path.exists():
        _load_previous(path, "0008")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0008.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0008.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 3, 10, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "manager"), pins["manager"])
    before = t.daily.view("2026-12-03")
    c = t.checkout
    c.scan("6165383477352", 1)
    assert c.pay_cash(Money(20000)).receipt is not None
    view = t.daily.view("2026-12-03")
    assert view.totals.sales_count == before.totals.sales_count + 1, view.totals
    assert sum(b.amount for b in view.tenders) > sum(b.amount for b in before.tenders)
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0009.{suffix}").write_bytes((HERE / f"0008.{suffix}").read_bytes())


def stage_0010(path: Path) -> None:
    """The 0009 till with the (empty) refund attempts table; a cash sale and its cash
    refund still work, and a refund through a method would now be stored first."""
    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.services.refunds import RefundRequest

    if not path.exists():
        _load_previous(path, "0009")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0009.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0009.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 3, 11, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "manager"), pins["manager"])
    c = t.checkout
    c.scan("6168232712628", 2)
    receipt = c.pay_cash(Money(20000)).receipt
    assert receipt is not None
    done = t.refunds.refund(RefundRequest(receipt.sale_id, {1: 1}, "damaged", ""))
    assert done.total.minor > 0
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0010.{suffix}").write_bytes((HERE / f"0009.{suffix}").read_bytes())


def stage_0011(path: Path) -> None:
    """The 0010 till with a KRA item class on one product (``products.kra_item_class``):
    the others keep none (the branch default), as on every upgraded till; a sale of the
    classed product still works."""
    from dataclasses import replace

    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.services.products import ProductDraft

    if not path.exists():
        _load_previous(path, "0010")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0010.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0010.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 4, 11, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "manager"), pins["manager"])
    [milk] = t.products.find("DAI-0001")
    draft = ProductDraft(
        milk.sku, milk.name, milk.price, milk.vat_class, milk.category, milk.barcodes
    )
    t.products.edit(milk.product_id, replace(draft, kra_item_class="5022110500"))
    c = t.checkout
    c.scan("6168232712628", 1)
    receipt = c.pay_cash(Money(10000)).receipt
    assert receipt is not None
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0011.{suffix}").write_bytes((HERE / f"0010.{suffix}").read_bytes())


def stage_0012(path: Path) -> None:
    """The 0011 till with VAT classes from head office (``hq_vat_classes``): a new 8 %
    class and a product in it, as the sync agent applies them; one sale of it completed at
    8 % (the upgrade tests expect the drafts of the earlier stages only)."""
    from decimal import Decimal

    from pos.demo import DEMO_USERS
    from pos.domain.money import Money
    from pos.store import sync_state, vat_classes

    if not path.exists():
        _load_previous(path, "0011")
        (path.parent / "journal.key.DEMO-T1").write_bytes((HERE / "0011.key").read_bytes())
        (path.parent / "auth.pin_pepper").write_bytes((HERE / "0011.pepper").read_bytes())
    t = _terminal(path, datetime(2026, 12, 7, 11, 0, tzinfo=UTC))
    report = t.startup_checks()
    assert report.audit_ok, report.audit_problem
    at = datetime(2026, 12, 7, 10, 59, tzinfo=UTC)
    with t.db.session() as s:
        vat_classes.apply_vat_classes(
            s,
            [
                vat_classes.VatClassChange("S", "VAT 16%", Decimal(16), False, True, 31),
                vat_classes.VatClassChange("R8", "Reduced 8%", Decimal(8), False, True, 32),
            ],
            at,
        )
        sync_state.apply_products(
            s,
            [
                sync_state.ProductChange(
                    "BRD-0008", "Brown bread", ("6161100000087",), 5400, "KES", "R8", "", True
                )
            ],
            at,
        )
    pins = {r: p for _, r, p in DEMO_USERS}
    t.auth.login(_user(t, "manager"), pins["manager"])
    c = t.checkout
    c.scan("6161100000087", 1)
    receipt = c.pay_cash(Money(10000)).receipt
    assert receipt is not None
    t.close()
    for suffix in ("key", "pepper"):
        (HERE / f"0012.{suffix}").write_bytes((HERE / f"0011.{suffix}").read_bytes())


def _load_previous(path: Path, revision: str) -> None:
    """A file at ``revision`` holding that revision's snapshot (as the tests build it)."""
    from pos.store.db import Database

    db = Database(path)
    try:
        db.upgrade(revision)
    finally:
        db.dispose()
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.executescript((HERE / f"{revision}.sql").read_text(encoding="utf-8"))
    finally:
        conn.close()


def dump(path: Path) -> str:
    """Every row of every table as ``INSERT`` statements, parents first."""
    conn = sqlite3.connect(path)
    try:
        lines = []
        for table in TABLE_ORDER:
            columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
            if not columns:
                continue  # not in this revision
            values = " || ', ' || ".join(f"quote({c})" for c in columns)
            for (row,) in conn.execute(f"SELECT {values} FROM {table} ORDER BY rowid"):
                lines.append(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({row});")
        return "\n".join(lines) + "\n"
    finally:
        conn.close()


def main(revision: str, path: Path) -> int:
    stages = {
        "0001": stage_0001,
        "0002": stage_0002,
        "0003": stage_0003,
        "0004": stage_0004,
        "0005": stage_0005,
        "0006": stage_0006,
        "0007": stage_0007,
        "0008": stage_0008,
        "0009": stage_0009,
        "0010": stage_0010,
        "0011": stage_0011,
        "0012": stage_0012,
    }
    stages[revision](path)
    header = (
        f"-- Kaunta till data at schema {revision}, written by the Kaunta of that revision.\n"
        "-- Made by tests/store/snapshots/make_snapshots.py; do not edit by hand.\n"
    )
    (HERE / f"{revision}.sql").write_text(header + dump(path), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2])))
