"""A till that sells forever until it is killed: the subject of the crash test.

Run as ``python tests/crash/worker.py DB_PATH SEED``. It opens the terminal the way the app
does (instance lock, migrations, demo seed in training mode), logs the demo cashier in,
brings back whatever basket survived the previous kill, then rings up and pays sales in a
loop. It tells the parent what it knows to be committed, one flushed line at a time:

``RESTORED <sale_id|-> <n_lines>``
    right after ``restore()`` (``-`` and 0 when there was no open basket);
``OPEN <sale_id> <n_lines>``
    after each basket change returned (the draft is committed);
``DONE <sale_id> <number> <total_minor> <line_count>``
    after ``pay_cash`` returned a receipt (the sale is committed).

Every line is printed only AFTER the call it reports returned, so the parent may rely on
each of them; a kill can only hide the last committed change, never invent one.
"""

from __future__ import annotations

import os
import random
import sys
from decimal import Decimal
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import StoreInfo
from pos.domain.sale import Discount
from pos.services.auth import Role
from pos.services.checkout import SaleView
from pos.services.context import Policy, TerminalContext
from pos.services.terminal import DemoUser, Terminal
from pos.store.instance_lock import InstanceLock
from pos.store.models import Product

CASHIER_PIN = "1111"


def make_context() -> TerminalContext:
    return TerminalContext(
        StoreInfo("DEMO", "Demo"), "T1", training=True, policy=Policy(pin_kdf_log2_n=10)
    )


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def say_open(view: SaleView) -> None:
    say(f"OPEN {view.sale_id} {len(view.lines)}")


def products(terminal: Terminal) -> list[tuple[int, str | None]]:
    """(product id, barcode) of every active product of the demo catalog."""
    with terminal.db.session() as s:
        rows = s.query(Product.id, Product.barcode).filter(Product.active).all()
    return [(int(pid), barcode) for pid, barcode in rows]


def ring_up(terminal: Terminal, rng: random.Random, catalog: list[tuple[int, str | None]]) -> None:
    """Add 1-6 products to the basket (which may already hold restored lines)."""
    checkout = terminal.checkout
    for _ in range(rng.randint(1, 6)):
        product_id, barcode = rng.choice(catalog)
        quantity = rng.choice((1, 1, 1, 2, 3, rng.randint(1, 12)))
        if barcode and rng.random() < 0.7:
            view = checkout.scan(barcode, quantity)
        else:
            view = checkout.add_product(product_id, quantity)
        say_open(view)
    roll = rng.random()
    if roll < 0.2:
        percent = Decimal(rng.randint(1, 1000)) / 100  # 0.01 % .. 10.00 %: no approval
        view = checkout.set_order_discount(Discount.of_percent(percent))
        say_open(view)
    elif roll < 0.35:
        view = checkout.view()
        line = rng.choice(view.lines)
        view = checkout.set_line_discount(line.line_id, Discount.of_percent(rng.randint(1, 10)))
        say_open(view)


def pay(terminal: Terminal, rng: random.Random) -> None:
    checkout = terminal.checkout
    view = checkout.view()
    due = view.cash_due
    extra = rng.choice((0, 0, 5_000, 10_000, 100_000 - due.minor % 100_000))
    result = checkout.pay_cash(Money(due.minor + extra, due.currency))
    receipt = result.receipt
    if receipt is None:
        raise RuntimeError(f"pay_cash took {due} but the sale did not complete")
    say(f"DONE {receipt.sale_id} {receipt.number} {receipt.total.minor} {len(receipt.lines)}")


def main(argv: list[str]) -> int:
    db_path = Path(argv[1])
    rng = random.Random(int(argv[2]))
    lock = InstanceLock(db_path.parent)
    lock.acquire()
    terminal = Terminal.open(db_path, make_context())
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    cashier = next(u for u in terminal.auth.users() if u.role is Role.CASHIER)
    terminal.auth.login(cashier.user_id, CASHIER_PIN)
    view = terminal.checkout.restore()
    say(f"RESTORED {view.sale_id or '-'} {len(view.lines)}")
    catalog = products(terminal)
    while True:
        ring_up(terminal, rng, catalog)
        pay(terminal, rng)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
