"""What every service needs to know about the terminal it runs on, and about time."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from pos.domain.ids import uuid7
from pos.domain.receipt import StoreInfo
from pos.domain.sale import CashRounding
from pos.domain.tax import KENYA_VAT, TaxTable


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real clock, always timezone-aware UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class IdFactory:
    """UUIDv7 strings, strictly increasing within this process even inside one ms."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._last_ms = 0

    def new(self) -> str:
        with self._lock:
            ms = int(self._clock.now().timestamp() * 1000)
            ms = max(ms, self._last_ms + 1)  # monotonic even if the clock steps back
            self._last_ms = ms
        return str(uuid7(ms, os.urandom(10)))


@dataclass(frozen=True, slots=True)
class Policy:
    """Shop rules set in the config file (see docs/configuration.md)."""

    discount_approval_percent: int = 10
    cash_rounding_increment: int = 100  # minor units: KES 1.00
    cash_rounding_mode: CashRounding = CashRounding.NEAREST
    max_failed_pins: int = 5
    lockout_minutes: int = 15
    idle_lock_seconds: int = 120
    #: scrypt cost of new PIN hashes: N = 2^pin_kdf_log2_n, r = 8, p = pin_kdf_p. The
    #: default is one of OWASP's minimum settings (see ``pos.services.auth.SCRYPT_LOG2_N``),
    #: 0.4 to 0.5 s a login on a 2-core machine; tests lower N (2^10): they log in a lot
    pin_kdf_log2_n: int = 16
    pin_kdf_p: int = 2
    #: days a sale of another till, found at head office for a refund here, stays kept on
    #: this till after it was found (``pos.services.refund_remote.prune_kept``); the till
    #: has no refund time limit of its own, so this is the window the copy serves
    kept_sale_days: int = 90


@dataclass(frozen=True, slots=True)
class TerminalContext:
    """Identity and rules of this terminal."""

    store: StoreInfo
    terminal_id: str
    training: bool
    currency: str = "KES"
    tax_table: TaxTable = KENYA_VAT
    timezone: str = "Africa/Nairobi"
    policy: Policy = field(default_factory=Policy)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def business_date(self, at: datetime) -> str:
        """The shop's calendar day for an instant (sales after midnight count tomorrow)."""
        return at.astimezone(self.zone).date().isoformat()

    def receipt_number(self, seq: int) -> str:
        return f"{self.store.store_id}-{self.terminal_id}-{seq:06d}"
