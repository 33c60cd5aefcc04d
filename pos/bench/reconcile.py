"""A month of gateway lines and ledger payments with planted differences (tests and the bench).

``generate_month`` makes both sides from one seed: the M-Pesa statement (through the sandbox's
own statement writer) and the ledger payments that should match it, then plants differences
that reconciliation must find, and says which (``Planted``). ``write_ledger`` puts the ledger
side into the head-office database with ``bulk_create`` (the ledger's own tables, as ingest
leaves them), so the bench times reconciliation and not ingest.

``reconcile_100k_s`` (``kaunta bench headoffice``): 100,000 statement lines read, the month's
100,000 ledger payments loaded, matched, and the summary and exceptions written.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pos.payments.mpesa.sandbox.statement import StatementEntry, statement_csv

__all__ = ["LedgerSeed", "Month", "Planted", "generate_month", "run_reconcile", "write_ledger"]

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
NAIROBI_OFFSET = timedelta(hours=3)


@dataclass(frozen=True, slots=True)
class LedgerSeed:
    """One payment (M-Pesa unless ``method`` says otherwise) of a completed sale, as it
    should be in the ledger (which is append-only: what a test needs is seeded so)."""

    store_code: str
    terminal_code: str
    receipt_number: str
    reference: str
    amount_minor: int
    closed_at: datetime
    method: str = "mpesa"
    currency: str = "KES"


@dataclass(slots=True)
class Planted:
    gateway_only: set[str] = field(default_factory=set)  # statement receipt numbers
    ledger_only: set[str] = field(default_factory=set)  # the till's receipt numbers
    amount_mismatch: set[str] = field(default_factory=set)  # statement receipt numbers
    by_order: set[str] = field(default_factory=set)  # matched: reference lost on the till
    by_time: set[str] = field(default_factory=set)  # matched: no reference, no order ref


@dataclass(slots=True)
class Month:
    csv: str
    ledger: list[LedgerSeed]
    planted: Planted
    lines: int


def _receipt(rng: random.Random) -> str:
    return "S" + "".join(rng.choice(_ALPHABET) for _ in range(9))


def generate_month(
    lines: int,
    *,
    stores: tuple[str, ...] = ("NRB01", "MSA01"),
    start: date = date(2026, 3, 1),
    days: int = 30,
    planted_each: int = 5,
    seed: int = 7,
) -> Month:
    """``lines`` sale payments over ``days``; ``planted_each`` of every kind of difference."""
    rng = random.Random(seed)
    begin = datetime(start.year, start.month, start.day, tzinfo=UTC) - NAIROBI_OFFSET
    step = timedelta(days=days) / max(1, lines)
    entries: list[StatementEntry] = []
    ledger: list[LedgerSeed] = []
    planted = Planted()
    seqs = dict.fromkeys(stores, 0)
    kinds = ["gateway_only", "ledger_only", "amount_mismatch", "by_order", "by_time"]
    plan: dict[int, str] = {}
    slots = rng.sample(range(lines), min(lines, planted_each * len(kinds)))
    for n, i in enumerate(slots):
        plan[i] = kinds[n % len(kinds)]
    for i in range(lines):
        store = stores[i % len(stores)]
        seqs[store] += 1
        number = f"{store}-T{1 + i % 3}-{seqs[store]:06d}"
        receipt = _receipt(rng)
        at = begin + step * i + timedelta(seconds=rng.randint(0, 30))
        shillings = rng.randint(10, 25_000)
        paid = at + timedelta(seconds=rng.randint(2, 40))
        entry = StatementEntry(
            receipt, paid, shillings * 100, "2547" + f"{rng.randint(0, 99_999_999):08d}",
            "CUSTOMER", number[:12],  # Daraja keeps 12 characters of AccountReference
        )  # fmt: skip
        kind = plan.get(i)
        seed_row = LedgerSeed(store, f"T{1 + i % 3}", number, receipt, shillings * 100, at)
        if kind == "gateway_only":
            planted.gateway_only.add(receipt)
            entries.append(entry)
            continue
        if kind == "ledger_only":
            planted.ledger_only.add(number)
            ledger.append(seed_row)
            continue
        if kind == "amount_mismatch":
            planted.amount_mismatch.add(receipt)
            seed_row = LedgerSeed(store, seed_row.terminal_code, number, receipt,
                                  shillings * 100 + 100 * rng.randint(1, 50), at)  # fmt: skip
        elif kind == "by_order":
            planted.by_order.add(receipt)
            seed_row = LedgerSeed(store, seed_row.terminal_code, number, "", shillings * 100, at)
        elif kind == "by_time":
            planted.by_time.add(receipt)
            seed_row = LedgerSeed(store, seed_row.terminal_code, number, "", shillings * 100, at)
            entry = StatementEntry(receipt, paid, shillings * 100, entry.phone, "CUSTOMER", "")
        entries.append(entry)
        ledger.append(seed_row)
    # Charges and a settlement: not sales, kept and ignored by matching.
    entries.append(
        StatementEntry(_receipt(rng), begin + timedelta(days=1), -3_000, reason="Business Charge")
    )
    entries.sort(key=lambda e: e.completed)
    text = statement_csv(
        entries,
        shortcode="174379",
        holder="Duka Chain Ltd",
        start=begin,
        end=begin + timedelta(days=days),
    )
    return Month(text, ledger, planted, lines)


def write_ledger(seeds: list[LedgerSeed], *, organisation: str = "Duka Chain") -> None:
    """The seeds as completed sales, each paid by its one payment, in the ledger's tables
    (needs Django)."""
    from sync.server.ledger.models import LedgerEvent, Sale, SalePayment
    from sync.server.terminals.models import Organisation, Store, Terminal

    org, _ = Organisation.objects.get_or_create(name=organisation)
    stores: dict[str, Any] = {}
    terminals: dict[tuple[str, str], Any] = {}
    for s in seeds:
        if s.store_code not in stores:
            stores[s.store_code], _ = Store.objects.get_or_create(
                code=s.store_code, defaults={"organisation": org, "name": f"Duka {s.store_code}"}
            )
        key = (s.store_code, s.terminal_code)
        if key not in terminals:
            terminals[key], _ = Terminal.objects.get_or_create(
                store=stores[s.store_code],
                code=s.terminal_code,
                defaults={"name": s.terminal_code, "token_hash": uuid.uuid4().hex * 2},
            )
    events, sales, pays = [], [], []
    for n, s in enumerate(seeds):
        ev = LedgerEvent(
            event_id=uuid.uuid4(), type="sale.completed", store=stores[s.store_code],
            terminal=terminals[(s.store_code, s.terminal_code)], seq=n + 1, created_at=s.closed_at,
            content_hash="sha256:" + "0" * 64, document={},
        )  # fmt: skip
        events.append(ev)
        sales.append(
            Sale(
                event=ev,
                sale_id=uuid.uuid4(),
                status=Sale.Status.COMPLETED,
                store=stores[s.store_code],
                receipt_number=s.receipt_number,
                business_date=(s.closed_at + NAIROBI_OFFSET).date(),
                closed_at=s.closed_at,
                cashier_id=uuid.uuid4(),
                currency=s.currency,
                total_minor=s.amount_minor,
                vat_total_minor=0,
                rounding_minor=0,
                change_minor=0,
            )
        )
    LedgerEvent.objects.bulk_create(events, batch_size=2000)
    Sale.objects.bulk_create(sales, batch_size=2000)
    for sale, s in zip(sales, seeds, strict=True):
        pays.append(
            SalePayment(
                sale=sale,
                payment_id=str(uuid.uuid4()),
                method=s.method,
                amount_minor=s.amount_minor,
                tendered_minor=s.amount_minor,
                change_minor=0,
                reference=s.reference,
            )
        )
    SalePayment.objects.bulk_create(pays, batch_size=2000)


def run_reconcile(lines: int = 100_000) -> dict[str, Any]:
    """``reconcile_<n>_s`` on the configured head-office database (it must be migrated)."""
    from sync.server.reconcile.models import StatementImport
    from sync.server.reconcile.service import import_statement, text_digest

    month = generate_month(lines, planted_each=20)
    write_ledger(month.ledger)
    # a statement is imported once: an earlier run's import of this same month goes first
    StatementImport.objects.filter(text_sha256=text_digest(month.csv)).delete()
    t0 = time.perf_counter()
    done = import_statement("mpesa", month.csv, file_name="bench.csv")
    seconds = time.perf_counter() - t0
    row = done.statement
    found = {
        "gateway_only": row.gateway_only,
        "ledger_only": row.ledger_only,
        "amount_mismatch": row.amount_mismatch,
    }
    planted = month.planted
    return {
        f"reconcile_{lines // 1000}k_s": round(seconds, 3),
        "reconcile_lines": row.lines,
        "reconcile_matched": row.matched,
        "reconcile_exceptions_found": found,
        "reconcile_exceptions_planted": {
            "gateway_only": len(planted.gateway_only),
            "ledger_only": len(planted.ledger_only),
            "amount_mismatch": len(planted.amount_mismatch),
        },
    }
