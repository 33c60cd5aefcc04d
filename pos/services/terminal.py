"""The services of one terminal, wired together over one database.

``pos.app`` builds a :class:`Terminal` from the configuration; tests and benchmarks build
one directly over a temporary database, so everything runs through the same code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pos.payments.base import PaymentMethod
from pos.services.audit import AuditWriter
from pos.services.auth import AuthService, Role
from pos.services.catalog import CatalogService, ImportReport
from pos.services.checkout import CheckoutService
from pos.services.context import Clock, IdFactory, SystemClock, TerminalContext
from pos.services.daily import DailyService
from pos.services.etims import EtimsService
from pos.services.gateway_settings import GatewaySettingsService
from pos.services.headoffice import HeadOfficeService, SyncPhase
from pos.services.journal import Journal, KeyStore, TrainingKeyFile
from pos.services.payments import PaymentService, PaymentSettings
from pos.services.products import ProductService
from pos.services.receipts import ReceiptService
from pos.services.refunds import RefundService
from pos.services.reports import ReportService
from pos.services.shifts import ShiftService
from pos.services.staff import StaffService
from pos.services.training import CustomerPhone
from pos.services.zreports import ZReportService
from pos.store import repositories as repo
from pos.store.db import Database, open_database

if TYPE_CHECKING:
    from pos.domain.receipt import StoreInfo
    from pos.services.devices import TillDevices
    from pos.services.shop_details import ShopDetailsService


@dataclass(frozen=True, slots=True)
class StartupReport:
    """What start-up found: shown to the user when something is wrong.

    ``audit_ok``: the journal (sales, audit log, users, receipt counters) verifies;
    ``audit_checked``: audit entries checked this time (start-up verifies from the last
    checkpoint); ``audit_problem``: the alert to show. ``selling_refused``: non-empty when
    the till must not sell (journal rules missing or altered, journal key unusable): the
    message says why and what to do, and the store refuses sales meanwhile.
    """

    audit_ok: bool
    audit_checked: int
    audit_problem: str = ""
    selling_refused: str = ""

    @property
    def can_sell(self) -> bool:
        return not self.selling_refused


@dataclass(frozen=True, slots=True)
class DemoUser:
    name: str
    role: Role
    pin: str


class Terminal:
    """Facade over the services; one per running till."""

    def __init__(
        self,
        db: Database,
        ctx: TerminalContext,
        clock: Clock | None = None,
        *,
        journal_keys: KeyStore | None = None,
    ) -> None:
        """``journal_keys``: where the journal key and the PIN pepper live; the composition
        root passes the OS keyring for a live till. Without it, key files beside the
        database (training, tests, benchmarks: not evidence)."""
        self.db = db
        self.ctx = ctx
        self.clock: Clock = clock or SystemClock()
        self.ids = IdFactory(self.clock)
        keys = journal_keys or TrainingKeyFile(db.path.parent)
        self.journal = Journal(db, ctx, keys, self.clock)
        self.auth = AuthService(db, ctx, self.clock, self.ids, keys=keys)
        self.checkout = CheckoutService(db, ctx, self.clock, self.ids, self.auth)
        self.catalog = CatalogService(
            db,
            self.clock,
            ctx.currency,
            ctx.tax_table.codes(),
            self.auth,
            AuditWriter(ctx, self.clock, self.ids),
        )
        self.reports = ReportService(db, ctx, self.auth)
        self.receipts = ReceiptService(db, ctx, self.clock, self.ids, self.auth)
        self.shifts = ShiftService(db, ctx, self.clock, self.ids, self.auth)
        self.zreports = ZReportService(db, ctx, self.clock, self.ids, self.auth)
        self.daily = DailyService(db, ctx, self.auth)
        self.refunds = RefundService(db, ctx, self.clock, self.ids, self.auth)
        self.products = ProductService(db, ctx, self.clock, self.ids, self.auth)
        self.staff = StaffService(db, ctx, self.clock, self.ids, self.auth)
        self.payments: PaymentService | None = None
        self.phone: CustomerPhone | None = None
        #: printer and drawer, pole display, serial scanner (``pos.device_link``)
        self.devices: TillDevices | None = None
        self.gateway_settings: GatewaySettingsService | None = None
        #: KRA eTIMS queue state and receipts' KRA blocks (fed by pos.etims_link)
        self.etims = EtimsService(training=ctx.training)
        #: sync state and enrollment (fed by the composition root's sync agent)
        self.headoffice = HeadOfficeService(
            db,
            self.auth,
            training=ctx.training,
            zone=ctx.zone,
            clock=self.clock,
            audit=AuditWriter(ctx, self.clock, self.ids),
        )
        # an enrolled till's products and staff are head office's (read-only here);
        # training keeps them editable, so a manager can practise on the demo catalog
        self.products.owned_by_head_office = self.enrolled
        self.staff.owned_by_head_office = self.enrolled
        #: the manager's shop details screen (``pos.shop_link``: it needs the config file)
        self.shop_details: ShopDetailsService | None = None

    def enrolled(self) -> bool:
        """A live till enrolled with a head office (which then owns its products, staff,
        store code and till number, currency and eTIMS)."""
        phase = self.headoffice.view().phase
        return not self.ctx.training and phase is not SyncPhase.NOT_ENROLLED

    def set_store(self, store: StoreInfo) -> None:
        """Print ``store`` (name, address, phone, KRA PIN, header, footer) from the next
        receipt on, without a restart (the shop details screen saved new ones).

        Every service holds this terminal's one :class:`TerminalContext` and reads
        ``ctx.store`` when it builds a receipt, so replacing that one field of the shared
        context is enough. The context stays frozen for everything else: the store code
        and till number, which begin receipt numbers and seal the journal, never change
        here."""
        if store.store_id != self.ctx.store.store_id:
            raise ValueError("the store code of a running till does not change")
        object.__setattr__(self.ctx, "store", store)  # frozen: the one field that may

    def enable_payments(
        self,
        methods: Mapping[str, PaymentMethod],
        settings: PaymentSettings | None = None,
        payer_key: Callable[[], bytes] | None = None,
    ) -> PaymentService:
        """Gateway payments (M-Pesa, PayPal, ...) on top of cash. ``payer_key``: the key
        payers' numbers are hashed with (``pos.app`` passes the OS keyring's; the methods
        that check callbacks must read the same one)."""
        self.payments = PaymentService(
            self.db,
            self.ctx,
            self.clock,
            self.ids,
            self.auth,
            self.checkout,
            methods,
            settings,
            payer_key,
        )
        self.refunds.use_methods(methods)
        return self.payments

    @classmethod
    def open(
        cls,
        path: Path,
        ctx: TerminalContext,
        clock: Clock | None = None,
        *,
        journal_keys: KeyStore | None = None,
    ) -> Terminal:
        db = open_database(path)
        try:
            return cls(db, ctx, clock, journal_keys=journal_keys)
        except BaseException:
            db.dispose()
            raise

    def startup_checks(self) -> StartupReport:
        """Check the journal's rules and verify it (tampering shows up here, every start).

        Missing or altered triggers, or an unusable journal key, stop sales (the message
        says what to do); a document that does not verify raises the alert and selling
        continues, so the evidence stays as found for head office.
        """
        report = self.journal.startup_check()
        check = report.check
        return StartupReport(
            audit_ok=check is not None and check.ok,
            audit_checked=0 if check is None else check.audit_checked,
            audit_problem=report.problem,
            selling_refused=report.refused,
        )

    def seed_demo(self, catalog_csv: Path, users: list[DemoUser]) -> ImportReport | None:
        """Training mode on an empty database: demo users and the demo catalog."""
        report = None
        with self.db.session() as s:
            need_users = repo.count_users(s) == 0
            need_catalog = repo.count_products(s) == 0
        if need_users:
            self.auth.bootstrap_users([(u.name, u.role, u.pin) for u in users])
        if need_catalog:
            report = self.catalog.import_csv(catalog_csv, operator="system:demo-seed")
            if not report.ok:
                raise RuntimeError(f"demo catalog is broken: {report.errors[:3]}")
        if need_users and self.ctx.training and self.shifts.current() is None:
            # the quick start sells at once: the demo's first shift opens with a zero
            # float (docs/manager.md); every later shift asks for the counted float
            manager = next(u for u in self.auth.users() if u.role is Role.MANAGER)
            self.shifts.open_for_demo(manager.user_id, manager.name)
        return report

    def close(self) -> None:
        self.db.dispose()
