"""Code run in child processes by the multi-process tests (tills of one branch, and a
sender killed mid-call). Module-level functions, so ``spawn`` can import them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar
from sync.etims.queue import Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.docs import PRODUCTS, items, sale_body


class _Secrets:
    def __init__(self, name: str, key: str) -> None:
        self.values = {name: key}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


def submitter(path: str, base_url: str, key: str, timeout: float) -> tuple[Submitter, SqliteQueue]:
    branch = Branch(DEMO_TIN, "00", DEMO_SERIAL)
    settings = EtimsSettings(base_url=base_url, timeout_s=timeout)
    client = OscuClient(branch, settings, _Secrets(branch.secret_name, key))
    rates = {"A": Decimal(0), "B": Decimal(16), "C": Decimal(0), "D": Decimal(0), "E": Decimal(8)}
    queue = SqliteQueue(Path(path))
    queue.mark_probed(branch.key, datetime.now(UTC))  # a fresh simulator device
    return (
        Submitter(
            queue,
            client,
            settings,
            items=items,
            rates=lambda: rates,
            registrar=Registrar("till", "Till"),
            clock=lambda: datetime.now(UTC),
        ),
        queue,
    )


def till(path: str, base_url: str, key: str, terminal: str, sales: int) -> None:
    """A till selling ``sales`` sales; it tries to submit after each (the link may be
    down) and once more at the end."""
    sub, queue = submitter(path, base_url, key, 2.0)
    skus = sorted(PRODUCTS)
    for i in range(sales):
        sub.enqueue_sale(sale_body([(skus[i % 5], 1 + i % 2)], terminal=terminal))
        if i % 5 == 0:
            sub.drain()
    sub.drain()
    queue.close()


def sender(path: str, base_url: str, key: str) -> None:
    """Drain with a long timeout: the parent kills this process while it waits."""
    sub, _ = submitter(path, base_url, key, 60.0)
    sub.drain()
