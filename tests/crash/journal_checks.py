"""Reading a crash-tested journal and checking it: what the worker reported, what the
database holds, and the rules they must keep. Each check returns what is wrong (empty when
all is well), so a test can show that it fails on a journal broken on purpose.

The rules: every sale reported finished is in the journal as reported and whole; receipt
numbers have no gaps; open baskets survive kills; part payments stay on their sale;
takings = tenders - change for every payment, sale, head-office document and daily
report; a void hands back only the cash it took and flags gateway money for the manager.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from pos.services.terminal import Terminal
from tests.crash.harness import one

#: What a manager's settlement of a late payment can leave on its attempt.
SETTLED = ("refunded", "refunded_by_hand", "credited")


@dataclass
class Run:
    """What one worker process printed before it was killed."""

    index: int
    lines: list[list[str]] = field(default_factory=list)
    stderr: str = ""

    @property
    def restored(self) -> tuple[str | None, int] | None:
        """``(sale id or None, n lines)`` from the RESTORED line; None if killed before it."""
        for words in self.lines:
            if words[0] == "RESTORED":
                return (None if words[1] == "-" else words[1], int(words[2]))
        return None


# -- what the worker reported --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Done:
    """A DONE line: ``run`` and ``at`` (its line in that run) give the order it was printed."""

    run: int
    sale_id: str
    number: str
    total_minor: int
    line_count: int
    change_minor: int = 0
    how: str = "cash"
    at: int = 0


@dataclass(frozen=True, slots=True)
class Voided:
    """A VOIDED line: what ``void()`` said goes back from the drawer and to the manager."""

    run: int
    sale_id: str
    number: str
    cash_to_return: int
    for_the_manager: int
    at: int = 0


def done_reports(runs: list[Run]) -> list[Done]:
    return [
        Done(run.index, w[1], w[2], int(w[3]), int(w[4]), int(w[5]), w[6], at)
        for run in runs
        for at, w in enumerate(run.lines)
        if w[0] == "DONE"
    ]


def void_reports(runs: list[Run]) -> list[Voided]:
    return [
        Voided(run.index, w[1], w[2], int(w[3]), int(w[4]), at)
        for run in runs
        for at, w in enumerate(run.lines)
        if w[0] == "VOIDED"
    ]


def lines_of(runs: list[Run], word: str) -> list[list[str]]:
    return [w for run in runs for w in run.lines if w[0] == word]


# -- reading the journal ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PaymentRow:
    payment_id: str
    method: str
    amount: int
    tendered: int
    change: int


@dataclass(frozen=True, slots=True)
class SaleRow:
    sale_id: str
    number: str
    status: str
    total: int
    rounding: int
    paid: int
    change: int
    discount: int
    payments: tuple[PaymentRow, ...]

    @property
    def takings(self) -> int:
        """What the tenders took: what was handed over minus what was handed back."""
        return sum(p.tendered - p.change for p in self.payments)


def journal_sales(conn: sqlite3.Connection) -> list[SaleRow]:
    """Every sale in the journal with its payments, in receipt order."""
    payments: dict[str, list[PaymentRow]] = defaultdict(list)
    for sale_id, payment_id, method, amount, tendered, change in conn.execute(
        "SELECT sale_id, id, method, amount_minor, tendered_minor, change_minor "
        "FROM payments ORDER BY created_at, id"
    ):
        payments[sale_id].append(
            PaymentRow(payment_id, method, int(amount), int(tendered), int(change))
        )
    return [
        SaleRow(
            sale_id=r[0],
            number=r[1],
            status=r[2],
            total=int(r[3]),
            rounding=int(r[4]),
            paid=int(r[5]),
            change=int(r[6]),
            discount=int(r[7]),
            payments=tuple(payments.get(r[0], ())),
        )
        for r in conn.execute(
            "SELECT id, number, status, total_minor, rounding_minor, paid_minor, change_minor, "
            "discount_minor FROM sales ORDER BY seq"
        )
    ]


def draft_payments(conn: sqlite3.Connection) -> dict[str, tuple[str, int]]:
    """payment id -> (basket id, tendered) of the payments on baskets still open."""
    found: dict[str, tuple[str, int]] = {}
    for draft_id, data in conn.execute("SELECT id, data FROM drafts"):
        for p in json.loads(data).get("payments", []):
            found[p["payment_id"]] = (draft_id, int(p["tendered"]["minor"]))
    return found


# -- the checks (each returns what is wrong; empty when all is well) --------------------------


def check_reported_sales(
    conn: sqlite3.Connection, done: Sequence[Done], voided: Sequence[Voided] = ()
) -> list[str]:
    """2. Every DONE and VOIDED is in the journal, as reported and whole; receipt numbers
    rise in the order they were printed (voids are numbered too)."""
    problems: list[str] = []
    finished = sorted(
        [(d.run, d.at, d.sale_id, d.number, "completed") for d in done]
        + [(v.run, v.at, v.sale_id, v.number, "voided") for v in voided]
    )
    ids = [f[2] for f in finished]
    if len(set(ids)) != len(ids):
        problems.append("a sale was reported finished twice")
    numbers = [f[3] for f in finished]
    if numbers != sorted(numbers):
        problems.append(f"receipt numbers are not increasing in print order: {numbers}")
    for run, _, sale_id, number, status in finished:
        row = conn.execute("SELECT status, number FROM sales WHERE id = ?", (sale_id,)).fetchone()
        if row is None:
            problems.append(f"run {run}: reported sale {sale_id} {number} is missing")
            continue
        if tuple(row) != (status, number):
            problems.append(
                f"run {run}: sale {sale_id} is {tuple(row)}, reported {status} {number}"
            )
        kind = "sale.completed" if status == "completed" else "sale.voided"
        n_events = one(
            conn,
            "SELECT count(*) FROM outbox WHERE kind = ? AND aggregate_id = ?",
            kind,
            sale_id,
        )
        if n_events != 1:
            problems.append(f"{number}: {n_events} {kind} outbox events")
        if one(conn, "SELECT count(*) FROM drafts WHERE id = ?", sale_id):
            problems.append(f"{number}: its draft is still there")
    for d in done:
        row = conn.execute(
            "SELECT total_minor, change_minor, "
            "(SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id), "
            "(SELECT count(*) FROM payments p WHERE p.sale_id = s.id) FROM sales s WHERE id = ?",
            (d.sale_id,),
        ).fetchone()
        if row is None:
            continue
        total, change, n_lines, n_payments = row
        if (total, change, n_lines) != (d.total_minor, d.change_minor, d.line_count):
            problems.append(
                f"{d.number}: total {total}, change {change}, {n_lines} lines; reported "
                f"{d.total_minor}, {d.change_minor}, {d.line_count}"
            )
        if not n_payments:
            problems.append(f"{d.number}: no payments row")
    return problems


WHOLE_SALES_SQL = """
SELECT s.id, s.number, s.status, s.total_minor, s.rounding_minor, s.paid_minor, s.item_count,
  (SELECT count(*) FROM sale_lines l WHERE l.sale_id = s.id),
  (SELECT coalesce(sum(l.total_minor), 0) FROM sale_lines l WHERE l.sale_id = s.id),
  (SELECT coalesce(sum(l.quantity), 0) FROM sale_lines l WHERE l.sale_id = s.id),
  (SELECT coalesce(sum(t.gross_minor), 0) FROM sale_taxes t WHERE t.sale_id = s.id),
  (SELECT coalesce(sum(p.amount_minor), 0) FROM payments p WHERE p.sale_id = s.id),
  (SELECT count(*) FROM outbox o WHERE o.aggregate_id = s.id),
  (SELECT count(*) FROM drafts d WHERE d.id = s.id)
FROM sales s ORDER BY s.seq
"""


def check_whole_sales(conn: sqlite3.Connection) -> list[str]:
    """3. Every sale in the journal is whole and consistent with itself."""
    problems: list[str] = []
    for row in conn.execute(WHOLE_SALES_SQL):
        (sid, number, status, total, rounding, paid, items) = row[:7]
        (n_lines, lines_sum, qty_sum, vat_gross, pay_sum, n_events, n_drafts) = row[7:]
        where = f"{number} ({sid})"
        if status not in ("completed", "voided"):
            problems.append(f"{where}: status {status!r}")
        if n_lines <= 0:
            problems.append(f"{where}: no sale_lines")
        if lines_sum != total:
            problems.append(f"{where}: lines sum to {lines_sum}, total is {total}")
        if qty_sum != items:
            problems.append(f"{where}: quantities sum to {qty_sum}, item_count is {items}")
        if vat_gross != total:
            problems.append(f"{where}: VAT gross sums to {vat_gross}, total is {total}")
        if paid != pay_sum or (status == "completed" and pay_sum != total + rounding):
            problems.append(
                f"{where} ({status}): payments {pay_sum}, paid_minor {paid}, "
                f"total+rounding {total + rounding}"
            )
        if n_events != 1:
            problems.append(f"{where}: {n_events} outbox events")
        if n_drafts:
            problems.append(f"{where}: a draft with the sale's id is still there")
    return problems


def check_numbers(conn: sqlite3.Connection) -> list[str]:
    """4. seq 1..N without gaps or repeats, numbers DEMO-T1-000001..., counter == N."""
    problems: list[str] = []
    rows = conn.execute(
        "SELECT seq, number FROM sales WHERE terminal_id = 'T1' ORDER BY seq"
    ).fetchall()
    seqs = [int(r[0]) for r in rows]
    numbers = [str(r[1]) for r in rows]
    n = len(seqs)
    if seqs != list(range(1, n + 1)):
        missing = sorted(set(range(1, max(seqs, default=0) + 1)) - set(seqs))
        problems.append(f"receipt seqs are not 1..{n}: missing {missing[:10]}, got {n} rows")
    expected = [f"DEMO-T1-{s:06d}" for s in seqs]
    if numbers != expected:
        problems.append("receipt numbers do not follow their seq")
    if len(set(numbers)) != n:
        problems.append("a receipt number is used twice")
    counter = one(conn, "SELECT value FROM counters WHERE name = 'receipt:T1'")
    if counter != n:
        problems.append(f"the receipt counter is at {counter} but {n} sales exist (burned)")
    return problems


def check_no_phantoms(conn: sqlite3.Connection, runs: list[Run]) -> list[str]:
    """Every journal sale is one the parent saw as a basket; at most one unreported per kill."""
    seen = {
        w[1]
        for run in runs
        for w in run.lines
        if w[0] in ("OPEN", "RESTORED", "DONE", "VOIDED", "PAID")
    }
    reported = {w[1] for run in runs for w in run.lines if w[0] in ("DONE", "VOIDED")}
    problems: list[str] = []
    unreported = 0
    for sid, number in conn.execute("SELECT id, number FROM sales"):
        if sid not in seen:
            problems.append(f"{number} ({sid}) was never seen as a basket by the parent")
        if sid not in reported:
            unreported += 1
    if unreported > len(runs):
        problems.append(f"{unreported} sales were never reported, but only {len(runs)} kills")
    return problems


def check_restores(
    runs: list[Run], final_restore: tuple[str | None, int], completed: set[str]
) -> tuple[list[str], int]:
    """5. Each run's first restore() brings back the basket the run before had open.

    ``expected`` is what the parent knows is committed: the last basket reported OPEN, or
    none after a DONE or VOIDED (a new basket may exist whose first OPEN line the kill
    swallowed). A kill can hide the one change that was being made: the basket may have
    one line more than reported (an item was added), or, when the run's last word was
    REMOVING, one fewer. The one excuse for an empty restore is that the open basket was
    finished just before the kill: then it is in the journal and no run reported it.
    """
    problems: list[str] = []
    checked = 0
    ever_finished = {w[1] for run in runs for w in run.lines if w[0] in ("DONE", "VOIDED")}
    expected: tuple[str, int] | None = None  # (sale id, lines) of the known open basket
    removing = False  # the last line printed (by any run) was REMOVING
    finished: set[str] = set()
    attempts = [(run.index, run.restored, run.lines) for run in runs]
    attempts.append((len(runs), final_restore, []))
    for index, restored, lines in attempts:
        if restored is not None:
            got_id, got_lines = restored
            label = f"run {index}" if index < len(runs) else "the app after the last kill"
            if got_id is not None and got_id in finished:
                problems.append(f"{label}: restore() brought back finished sale {got_id}")
            if expected is not None:
                checked += 1
                want_id, want_lines = expected
                allowed = {want_lines, want_lines - 1 if removing else want_lines + 1}
                finished_unreported = want_id in completed and want_id not in ever_finished
                if got_id is None and finished_unreported:
                    pass  # finished, then killed before its DONE/VOIDED line got out
                elif got_id != want_id:
                    problems.append(
                        f"{label}: restore() brought back {got_id}, but the previous run had "
                        f"basket {want_id} open with {want_lines} lines"
                    )
                elif got_lines not in allowed:
                    problems.append(
                        f"{label}: restored {want_id} has {got_lines} lines, "
                        f"{want_lines} were committed"
                        + (" (a removal was under way)" if removing else "")
                    )
            expected = (got_id, got_lines) if got_id is not None else None
            removing = False
        for words in lines[1:] if restored is not None else lines:
            removing = words[0] == "REMOVING"
            if words[0] == "OPEN":
                expected = (words[1], int(words[2]))
            elif words[0] in ("DONE", "VOIDED"):
                finished.add(words[1])
                expected = None
    return problems, checked


def check_part_payments(conn: sqlite3.Connection, runs: list[Run]) -> list[str]:
    """5. Every part payment the till reported taken is still on its sale: in the journal
    (completed or voided) or on the basket still open, for what was handed over."""
    problems: list[str] = []
    rows = {
        r[0]: (r[1], int(r[2]))
        for r in conn.execute("SELECT id, sale_id, tendered_minor FROM payments")
    }
    open_ones = draft_payments(conn)
    for words in lines_of(runs, "PAID"):
        _, sale_id, method, payment_id, tendered = words
        found = rows.get(payment_id) or open_ones.get(payment_id)
        if found != (sale_id, int(tendered)):
            problems.append(
                f"{method} part payment {payment_id} of {tendered} on {sale_id}: the books "
                f"have {found}"
            )
    return problems


def check_takings(conn: sqlite3.Connection) -> list[str]:
    """7. takings = tenders - change, payment by payment and sale by sale.

    Each payment keeps what it was handed minus what it gave back (and only cash gives
    change); a completed sale's payments take its total plus rounding, and the change on
    its receipt is the change of its payments; a voided sale's payments took what it
    records as paid. The document sent to head office says the same."""
    problems: list[str] = []
    documents = {
        r[0]: json.loads(r[1])["body"]
        for r in conn.execute(
            "SELECT aggregate_id, payload FROM outbox WHERE kind IN ('sale.completed', "
            "'sale.voided')"
        )
    }
    for sale in journal_sales(conn):
        where = f"{sale.number} ({sale.status})"
        for p in sale.payments:
            if p.amount != p.tendered - p.change or p.change < 0:
                problems.append(
                    f"{where}: {p.method} payment {p.payment_id} keeps {p.amount} of "
                    f"{p.tendered} tendered with {p.change} change"
                )
            if p.method != "cash" and p.change:
                problems.append(f"{where}: {p.method} gave {p.change} change")
        change = sum(p.change for p in sale.payments)
        if sale.status == "completed":
            if sale.takings != sale.total + sale.rounding:
                problems.append(
                    f"{where}: tenders - change = {sale.takings}, but the sale took "
                    f"{sale.total} + {sale.rounding} rounding"
                )
            if sale.change != change:
                problems.append(f"{where}: receipt change {sale.change}, payments' {change}")
        elif sale.takings != sale.paid:
            problems.append(f"{where}: tenders - change = {sale.takings}, paid {sale.paid}")
        body = documents.get(sale.sale_id)
        if body is None:
            continue  # check_whole_sales says so
        sent = sum(
            int(p["tendered"]["minor"]) - int(p["change"]["minor"]) for p in body["payments"]
        )
        if sent != sale.takings or int(body["change"]["minor"]) != change:
            problems.append(
                f"{where}: the head-office document takes {sent} with change "
                f"{body['change']['minor']}; the journal {sale.takings} with {change}"
            )
        if sale.status == "voided" and int(body["void"]["returned"]["minor"]) != sale.paid:
            problems.append(
                f"{where}: the void document returns {body['void']['returned']['minor']} of "
                f"{sale.paid} taken"
            )
    return problems


def check_void_money(conn: sqlite3.Connection, voided: list[Voided]) -> list[str]:
    """8. A void hands back the cash it took, and only that; its M-Pesa money goes to the
    manager: each such attempt flagged late (with an outbox event), or already settled.
    A gateway payment on a completed sale or an open basket is its applied attempt."""
    problems: list[str] = []
    attempts = {
        r[0]: (r[1], r[2], r[3], int(r[4]))
        for r in conn.execute(
            "SELECT id, sale_id, state, resolution, applied_minor + rounding_minor "
            "FROM payment_attempts"
        )
    }
    late_events = {
        str(r[0])
        for r in conn.execute("SELECT aggregate_id FROM outbox WHERE kind = 'payment.late'")
    }
    sales = {s.sale_id: s for s in journal_sales(conn)}
    gateway_on: list[tuple[str, str, PaymentRow]] = [
        (s.sale_id, s.status, p) for s in sales.values() for p in s.payments if p.method != "cash"
    ]
    for draft_id, data in conn.execute("SELECT id, data FROM drafts"):
        for p in json.loads(data).get("payments", []):
            if p["method"] != "cash":
                amount = int(p["amount"]["minor"])
                row = PaymentRow(p["payment_id"], p["method"], amount, amount, 0)
                gateway_on.append((draft_id, "open", row))
    for sale_id, status, p in gateway_on:
        attempt = attempts.get(p.payment_id)
        if attempt is None or attempt[0] != sale_id or attempt[1] != "captured":
            problems.append(f"{p.method} payment {p.payment_id} on {sale_id}: attempt {attempt}")
            continue
        resolution = attempt[2]
        if attempt[3] != p.amount:
            problems.append(f"{p.method} payment {p.payment_id}: {p.amount}, attempt {attempt}")
        if status == "voided":
            if resolution not in ("late", *SETTLED):
                problems.append(
                    f"{p.method} payment {p.payment_id} of voided {sale_id} is {resolution!r}, "
                    "not flagged for the manager"
                )
            elif p.payment_id not in late_events:
                problems.append(f"{p.method} payment {p.payment_id}: no payment.late event")
        elif resolution != "applied":
            problems.append(
                f"{p.method} payment {p.payment_id} on {status} {sale_id} is {resolution!r}"
            )
    for v in voided:
        sale = sales.get(v.sale_id)
        if sale is None:
            continue  # check_reported_sales says so
        cash = sum(p.tendered - p.change for p in sale.payments if p.method == "cash")
        others = sum(p.amount for p in sale.payments if p.method != "cash")
        if (v.cash_to_return, v.for_the_manager) != (cash, others):
            problems.append(
                f"{v.number}: the void handed back {v.cash_to_return} cash and sent "
                f"{v.for_the_manager} to the manager; it took {cash} cash and {others} other"
            )
    return problems


def check_settlements(conn: sqlite3.Connection, runs: list[Run]) -> list[str]:
    """What the manager was reported to have settled is settled so in the books."""
    problems = []
    for _, attempt_id, resolution in lines_of(runs, "SETTLED"):
        found = one(conn, "SELECT resolution FROM payment_attempts WHERE id = ?", attempt_id)
        if found != resolution or found not in SETTLED:
            problems.append(f"settled {attempt_id} as {resolution}; the books say {found!r}")
    return problems


def check_day_totals(terminal: Terminal, conn: sqlite3.Connection) -> list[str]:
    """7. The manager's daily totals (``ReportService``): the journal's sales and voids,
    each method's tenders equal to what it was handed minus the change it gave, and the
    day's takings equal to all tenders minus all change."""
    problems: list[str] = []
    days = [str(r[0]) for r in conn.execute("SELECT DISTINCT business_date FROM sales")]
    for day in days:
        daily = terminal.reports.daily_totals(day)
        count, total, rounding = conn.execute(
            "SELECT count(*), coalesce(sum(total_minor), 0), coalesce(sum(rounding_minor), 0) "
            "FROM sales WHERE business_date = ? AND status = 'completed'",
            (day,),
        ).fetchone()
        voids, voided = conn.execute(
            "SELECT count(*), coalesce(sum(total_minor), 0) FROM sales "
            "WHERE business_date = ? AND status = 'voided'",
            (day,),
        ).fetchone()
        got = (daily.sales_count, daily.total.minor, daily.rounding.minor)
        if got != (count, total, rounding):
            problems.append(f"{day}: report says {got}, journal {(count, total, rounding)}")
        if (daily.voids_count, daily.voided_total.minor) != (voids, voided):
            problems.append(
                f"{day}: report voids {(daily.voids_count, daily.voided_total.minor)}, "
                f"journal {(voids, voided)}"
            )
        net = {
            str(m): int(v)
            for m, v in conn.execute(
                "SELECT p.method, sum(p.tendered_minor - p.change_minor) FROM payments p "
                "JOIN sales s ON s.id = p.sale_id WHERE s.business_date = ? "
                "AND s.status = 'completed' GROUP BY p.method",
                (day,),
            )
        }
        tenders = {method: amount.minor for method, _, amount in daily.tenders}
        for method in sorted(set(net) | set(tenders)):
            if tenders.get(method, 0) != net.get(method, 0):
                problems.append(
                    f"{day}: {method} tenders in the report {tenders.get(method, 0)}, "
                    f"tendered - change {net.get(method, 0)}"
                )
        if sum(tenders.values()) != daily.takings.minor:
            problems.append(
                f"{day}: takings {daily.takings.minor}, but tenders (net of change) add up "
                f"to {sum(tenders.values())}: {tenders}"
            )
    return problems


# -- what the loop did -------------------------------------------------------------------------


def sale_mix(conn: sqlite3.Connection, runs: list[Run]) -> Counter[str]:
    """How many of each kind of sale and basket change the journal and the reports show."""
    mix: Counter[str] = Counter()
    for sale in journal_sales(conn):
        methods = [p.method for p in sale.payments]
        cash = methods.count("cash")
        gateway = len(methods) - cash
        if sale.status == "completed":
            if gateway and cash:
                mix["split tender"] += 1
            elif gateway:
                mix["M-Pesa only"] += 1
            elif cash > 1:
                mix["cash part payments"] += 1
            else:
                mix["cash"] += 1
        else:
            mix["void after M-Pesa" if gateway else "void after cash" if cash else "void"] += 1
        if sale.discount:
            mix["discounted"] += 1
    for action, n in conn.execute("SELECT action, count(*) FROM audit_log GROUP BY action"):
        if action in (
            "discount_over_limit",
            "line_removed_after_tender",
            "quantity_reduced_after_tender",
        ):
            mix[str(action)] += int(n)
    for words in lines_of(runs, "OPEN"):
        if len(words) > 3 and words[3] in ("quantity", "removal"):
            mix[words[3]] += 1
    mix["completed with the overpayment as change"] = sum(
        1 for d in done_reports(runs) if d.how == "paid"
    )
    mix["settled by the manager"] = len(lines_of(runs, "SETTLED"))
    mix["M-Pesa resolved after a restart"] = sum(
        1 for w in lines_of(runs, "RESUMED") if w[2] == "captured"
    )
    return mix


MIX_NEEDED = (
    "cash",
    "cash part payments",
    "split tender",
    "M-Pesa only",
    "void",
    "void after cash",
    "void after M-Pesa",
    "discounted",
    "discount_over_limit",
    "quantity",
    "removal",
    "line_removed_after_tender",
    "completed with the overpayment as change",
    "settled by the manager",
    "M-Pesa resolved after a restart",
)
