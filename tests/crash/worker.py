"""A till that sells forever until it is killed: the subject of the crash test.

The crash test runs :func:`sell` in a process forked from a server that has imported this
module once (``harness.forkserver``: a restart then costs no import time, and the till
still opens, migrates and logs in from scratch); by hand, with the repository root on
``PYTHONPATH``: ``python tests/crash/worker.py DB_PATH SEED MPESA_URL``.

The M-Pesa sandbox lives in the parent, with its scripted customer approving every prompt
at once: like the real gateway and the customer's phone it outlives the till, so a payment
the till was killed in the middle of is resolved on the next start by asking the same
gateway, as in the shop.

The worker opens the terminal the way the app does (instance lock, migrations, demo seed in
training mode), logs the demo cashier in, brings back whatever basket survived the previous
kill, asks about every unfinished M-Pesa attempt, then sells in a loop. Each sale, chosen at
random from ``SEED``: 1-6 products scanned or picked (a restored basket keeps its lines),
quantity changes and line removals, line and order discounts under the approval limit and
over it (a supervisor's PIN via ``auth.approve``, asked again whenever a change makes an
approved discount grow), then one of: cash; cash part payments and the rest in cash; most
of it in cash, then goods handed back (it may end paid: the overpayment is change); a split
tender (part by M-Pesa, the rest in cash); M-Pesa for all of it; or a void (of a basket
with no payment, after a cash part payment, or after an M-Pesa part payment, whose money
then goes to the manager, who sometimes settles it at once as store credit). Removals
after a part payment need approval, and are refused where M-Pesa money would be left over.

It tells the parent what it knows to be committed, one flushed line at a time, each only
AFTER the call it reports returned (a kill can hide the last committed change, never invent
one):

``RESTORED <sale_id|-> <n_lines>``
    right after ``restore()`` (``-`` and 0 when there was no open basket);
``OPEN <sale_id> <n_lines> <what>``
    after each basket change returned (the draft is committed); ``what`` is ``item``,
    ``quantity``, ``removal``, ``discount`` or ``over_limit`` (approved by the supervisor);
``PAID <sale_id> <method> <payment_id> <tendered_minor>``
    a part payment is on the basket (cash taken, or an M-Pesa capture applied);
``DONE <sale_id> <number> <total_minor> <line_count> <change_minor> <how>``
    the sale completed: ``how`` is ``cash``, ``mpesa`` (the M-Pesa payment paid the rest)
    or ``paid`` (removals left it paid: the overpayment went back as change);
``VOIDED <sale_id> <number> <cash_to_return_minor> <for_the_manager_minor>``
    ``void()`` returned: what goes back from the drawer, what the manager must settle;
``RESUMED <attempt_id> <state>``
    the start-up pass asked M-Pesa about an attempt a kill left unfinished (what it did to
    the books follows as PAID, DONE or LATE);
``SETTLED <attempt_id> <resolution>``
    the manager settled a voided sale's M-Pesa payment;
``REMOVING <sale_id>``
    a line removal is about to be made (the one change that makes a basket shorter);
``LATE <attempt_id>`` / ``CANCELLED <attempt_id>`` / ``REFUSED <what> <sale_id>``
    an M-Pesa payment was flagged for the manager, abandoned, or a change was refused.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos.domain.money import Money
from pos.domain.receipt import Receipt
from pos.domain.sale import Discount
from pos.payments.base import AttemptState
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import DEMO_PHONE
from pos.payments.registry import MethodContext
from pos.services.auth import Approval, Permission, Role
from pos.services.checkout import SaleView
from pos.services.errors import ApprovalRequired, ServiceError
from pos.services.payments import AttemptView, PaymentService, PaymentSettings
from pos.services.terminal import Terminal
from pos.store import attempts as attempt_store
from pos.store.models import Product
from tests.crash.harness import MANAGER_PIN, SUPERVISOR_PIN, open_till, say, user_of

#: A lost M-Pesa answer (killed after the push, before the till stored its reference)
#: blocks M-Pesa for that basket until this deadline: short, so the loop moves on.
MPESA_DEADLINE_S = 5
POLL_S = 0.02
#: How long the cashier waits for one M-Pesa payment before taking cash instead.
FOLLOW_LIMIT_S = 3.0
#: What the customer holds out beyond the cash due (0 = exact money).
EXTRA_CASH = (0, 0, 0, 5_000, 10_000)
#: How often each ending is chosen (weights).
PLANS = {
    "cash": 30,
    "cash_part": 14,
    "overpaid": 5,
    "split": 18,
    "mpesa": 6,
    "void": 4,
    "void_cash": 6,
    "void_mpesa": 8,
}
#: Largest M-Pesa amount the sandbox (and Safaricom) accepts, in minor units.
MPESA_MAX_MINOR = 250_000 * 100


def say_open(view: SaleView, what: str) -> None:
    say(f"OPEN {view.sale_id} {len(view.lines)} {what}")


def say_done(receipt: Receipt, how: str) -> None:
    say(
        f"DONE {receipt.sale_id} {receipt.number} {receipt.total.minor} {len(receipt.lines)} "
        f"{receipt.change.minor} {how}"
    )


@dataclass
class Till:
    """The running till and the people around it (the approvers' ids)."""

    terminal: Terminal
    payments: PaymentService
    rng: random.Random
    catalog: list[tuple[int, str | None]]
    supervisor_id: str
    manager_id: str

    def approved(self, change: Callable[[Approval | None], SaleView]) -> SaleView:
        """Make a basket change; when it needs approval, the supervisor enters their PIN
        (``auth.approve``) and the change is made again with that single-use approval."""
        try:
            return change(None)
        except ApprovalRequired as exc:
            approval = self.terminal.auth.approve(
                self.supervisor_id, SUPERVISOR_PIN, [Permission(p) for p in exc.permissions]
            )
            return change(approval)


def products(terminal: Terminal) -> list[tuple[int, str | None]]:
    """(product id, barcode) of every active product of the demo catalog that costs something."""
    with terminal.db.session() as s:
        rows = (
            s.query(Product.id, Product.barcode)
            .filter(Product.active, Product.price_minor > 0)
            .all()
        )
    return [(int(pid), barcode) for pid, barcode in rows]


# -- the basket ------------------------------------------------------------------------------


def ring_up(till: Till) -> None:
    """Add 1-6 products to the basket (which may already hold restored lines)."""
    checkout, rng = till.terminal.checkout, till.rng
    for _ in range(rng.randint(1, 6)):
        product_id, barcode = rng.choice(till.catalog)
        quantity = rng.choice((1, 1, 1, 2, 3, rng.randint(1, 12)))
        if barcode and rng.random() < 0.7:
            view = till.approved(partial(checkout.scan, barcode, quantity))
        else:
            view = till.approved(partial(checkout.add_product, product_id, quantity))
        say_open(view, "item")


def change_lines(till: Till) -> None:
    """Sometimes change a quantity (up or down) or take a line off. After a payment this
    needs approval, and is refused if it would leave M-Pesa money the sale no longer
    needs (the drawer cannot hand that back)."""
    checkout, rng = till.terminal.checkout, till.rng
    view = checkout.view()
    if not view.lines:
        return
    try:
        if rng.random() < 0.3:
            line = rng.choice(view.lines)
            quantity = max(1, line.quantity + rng.choice((-2, -1, 1, 2, 5)))
            if quantity != line.quantity:
                changed = till.approved(lambda a: checkout.set_quantity(line.line_id, quantity, a))
                say_open(changed, "quantity")
        if len(view.lines) > 1 and rng.random() < 0.2:
            line = rng.choice(checkout.view().lines)
            say(f"REMOVING {view.sale_id}")  # a kill now may hide a committed removal
            say_open(till.approved(lambda a: checkout.remove_line(line.line_id, a)), "removal")
    except ServiceError:
        say(f"REFUSED change {view.sale_id}")


def take_back(till: Till) -> None:
    """The customer hands goods back after paying part: fewer of one, or a line off (the
    supervisor approves). What they paid may now cover the sale, or more: change."""
    checkout, rng = till.terminal.checkout, till.rng
    view = checkout.view()
    several = [ln for ln in view.lines if ln.quantity > 1]
    try:
        if several and (len(view.lines) == 1 or rng.random() < 0.5):
            line = rng.choice(several)
            fewer = rng.randint(1, line.quantity - 1)
            say_open(
                till.approved(lambda a: checkout.set_quantity(line.line_id, fewer, a)), "quantity"
            )
        elif len(view.lines) > 1:
            line = rng.choice(view.lines)
            say(f"REMOVING {view.sale_id}")  # a kill now may hide a committed removal
            say_open(till.approved(lambda a: checkout.remove_line(line.line_id, a)), "removal")
    except ServiceError:
        say(f"REFUSED change {view.sale_id}")


def discount(till: Till) -> None:
    """Line and order discounts: mostly under the limit (10 %), some over it (approved).
    On a restored basket that carries M-Pesa money, one that would bring the sale below
    that money is refused."""
    checkout, rng = till.terminal.checkout, till.rng
    roll = rng.random()
    lines = checkout.view().lines
    try:
        if roll < 0.15:
            percent = Decimal(rng.randint(1, 1000)) / 100  # 0.01 % .. 10.00 %
            order = Discount.of_percent(percent)
            say_open(till.approved(lambda a: checkout.set_order_discount(order, a)), "discount")
        elif roll < 0.3:
            line = rng.choice(lines)
            small = Discount.of_percent(rng.randint(1, 10))
            view = till.approved(lambda a: checkout.set_line_discount(line.line_id, small, a))
            say_open(view, "discount")
        elif roll < 0.38:
            big = Discount.of_percent(rng.randint(11, 50))
            if rng.random() < 0.5:
                view = till.approved(lambda a: checkout.set_order_discount(big, a))
            else:
                line = rng.choice(lines)
                view = till.approved(lambda a: checkout.set_line_discount(line.line_id, big, a))
            say_open(view, "over_limit")
    except ServiceError:
        say(f"REFUSED discount {checkout.view().sale_id}")


# -- money -----------------------------------------------------------------------------------


def finish_in_cash(till: Till) -> None:
    """Take the rest in cash (maybe with a note too big: change), or, when removals left
    the sale paid already, complete it and hand back the overpayment as change."""
    checkout = till.terminal.checkout
    view = checkout.view()
    if view.is_empty:
        return
    how = "cash"
    if view.totals.due.minor <= 0:
        result, how = checkout.complete_paid(), "paid"
    else:
        due = view.cash_due
        extra = till.rng.choice(EXTRA_CASH)
        result = checkout.pay_cash(Money(due.minor + extra, due.currency))
    if result.receipt is None:
        raise RuntimeError(f"the rest in cash did not complete {view.sale_id}")
    say_done(result.receipt, how)


def cash_part(till: Till, *, most: bool = False) -> bool:
    """A cash part payment: less than the cash due (what is due rounded to the coin: KES
    5.43 is paid in full with 5.00) and no more than what is due; ``most``: 80 % of it or
    more. False if nothing fits."""
    checkout, rng = till.terminal.checkout, till.rng
    view = checkout.view()
    due = view.totals.due.minor
    top = min(due, view.cash_due.minor - 1)
    if top < 200:
        return False
    low = top * 4 // 5 if most else 1
    part = rng.randint(low, top)
    if rng.random() < 0.7 and part >= 100:
        part -= part % 100  # mostly notes and whole coins
    payment_id = till.terminal.ids.new()
    result = checkout.pay_cash(
        Money(part, view.totals.due.currency), partial=True, request_id=payment_id
    )
    if result.receipt is not None:
        raise RuntimeError(f"a part payment of {part} of {due} completed {view.sale_id}")
    say(f"PAID {view.sale_id} cash {payment_id} {part}")
    return True


def mpesa(till: Till, amount: int) -> AttemptView | None:
    """Ask M-Pesa for ``amount`` (the customer approves at once) and wait for it, as the
    payment dialog does. None if the till refused to ask or the cashier gave up."""
    checkout, payments = till.terminal.checkout, till.payments
    view = checkout.view()
    try:
        started = payments.start("mpesa", Money(amount, view.totals.due.currency), DEMO_PHONE)
    except ServiceError:
        say(f"REFUSED mpesa {view.sale_id}")
        return None
    end = time.monotonic() + FOLLOW_LIMIT_S
    current = started
    while not current.final and time.monotonic() < end:
        time.sleep(POLL_S)
        current = payments.poll(started.attempt_id)
    if not current.final:
        payments.cancel(started.attempt_id)
        say(f"CANCELLED {started.attempt_id}")
        return None
    report_attempt(current, view.sale_id or "-")
    return current


def report_attempt(view: AttemptView, sale_id: str) -> None:
    """Tell the parent what a final M-Pesa attempt did to the books."""
    if view.state is not AttemptState.CAPTURED:
        return
    if view.late:
        say(f"LATE {view.attempt_id}")
    elif view.receipt is not None:
        say_done(view.receipt, "mpesa")
    elif view.sale_view is not None:
        paid = view.applied + view.rounding
        say(f"PAID {sale_id} mpesa {view.attempt_id} {paid.minor}")


def mpesa_part(till: Till) -> AttemptView | None:
    """Part of what is due by M-Pesa: mostly whole shillings, sometimes not (then M-Pesa
    asks for the whole shilling above and the difference is recorded as rounding)."""
    due = till.terminal.checkout.view().totals.due.minor
    if due < 200:
        return None
    top = min(due - 1, MPESA_MAX_MINOR)
    rng = till.rng
    amount = rng.randint(1, top // 100) * 100 if rng.random() < 0.7 else rng.randint(100, top)
    return mpesa(till, amount)


def void(till: Till) -> None:
    """Void the basket with the supervisor's approval; sometimes the manager settles the
    M-Pesa money it left at once (as store credit)."""
    terminal = till.terminal
    checkout = terminal.checkout
    sale_id = checkout.view().sale_id
    approval = terminal.auth.approve(till.supervisor_id, SUPERVISOR_PIN, Permission.VOID_SALE)
    result = checkout.void("customer changed their mind", approval)
    manager = sum(m.minor for _, m in result.for_the_manager)
    say(f"VOIDED {sale_id} {result.receipt.number} {result.cash_to_return.minor} {manager}")
    with terminal.db.session() as s:
        flagged = [
            a.id
            for a in attempt_store.attempts_for_sale(s, sale_id or "")
            if a.resolution == "late"
        ]
    for attempt_id in flagged:
        if till.rng.random() < 0.5:
            settle = terminal.auth.approve(till.manager_id, MANAGER_PIN, Permission.SETTLE_PAYMENTS)
            till.payments.settle_late(attempt_id, "credit", "store credit for the customer", settle)
            with terminal.db.session() as s:
                record = attempt_store.get_attempt(s, attempt_id)
            say(f"SETTLED {attempt_id} {record.resolution if record is not None else '-'}")


# -- one sale ----------------------------------------------------------------------------------


def sell_one(till: Till) -> None:
    """Ring up, change, discount, and end the sale one of the ways in :data:`PLANS`."""
    rng = till.rng
    ring_up(till)
    change_lines(till)
    discount(till)
    plan = rng.choices(list(PLANS), weights=list(PLANS.values()))[0]
    if plan == "cash":
        finish_in_cash(till)
    elif plan == "cash_part":
        for _ in range(rng.randint(1, 3)):
            if not cash_part(till):
                break
        if rng.random() < 0.4:
            change_lines(till)  # after tender: approval; may leave it paid (change)
        finish_in_cash(till)
    elif plan == "overpaid":
        cash_part(till, most=True)
        take_back(till)
        finish_in_cash(till)
    elif plan == "split":
        if rng.random() < 0.3:
            cash_part(till)
        mpesa_part(till)
        if rng.random() < 0.3:
            change_lines(till)  # may be refused: M-Pesa money cannot become change
        finish_in_cash(till)
    elif plan == "mpesa":
        due = till.terminal.checkout.view().totals.due
        if 0 < due.minor <= MPESA_MAX_MINOR:
            mpesa(till, due.minor)
        finish_in_cash(till)  # if M-Pesa did not complete it
    elif plan == "void":
        void(till)
    elif plan == "void_cash":
        cash_part(till)
        void(till)
    else:  # void_mpesa
        if rng.random() < 0.3:
            cash_part(till)
        mpesa_part(till)
        void(till)


def sell(db_path: Path, seed: int, mpesa_url: str) -> None:
    """Open the till, bring back the basket, resolve open M-Pesa attempts, sell forever."""
    terminal, _lock = open_till(db_path)
    view = terminal.checkout.restore()
    say(f"RESTORED {view.sale_id or '-'} {len(view.lines)}")
    method = create_mpesa(
        MethodContext(training=True, currency="KES", settings={"base_url": mpesa_url})
    )
    payments = terminal.enable_payments(
        {"mpesa": method},
        replace(PaymentSettings(), deadline_seconds={"mpesa": MPESA_DEADLINE_S}),
    )
    for resolved in payments.resolve_unfinished():
        say(f"RESUMED {resolved.attempt_id} {resolved.state.value}")
        report_attempt(resolved, view.sale_id or "-")
    till = Till(
        terminal,
        payments,
        random.Random(seed),
        products(terminal),
        user_of(terminal, Role.SUPERVISOR),
        user_of(terminal, Role.MANAGER),
    )
    while True:
        sell_one(till)


def main(argv: list[str]) -> int:
    sell(Path(argv[1]), int(argv[2]), argv[3])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
