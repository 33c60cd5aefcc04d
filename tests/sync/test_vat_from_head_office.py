"""A VAT rate changed at the product's head office (``sync/server`` under gunicorn, in its
own process, over real HTTP) reaches the till: a basket opened after the pull is sold at
the new rate (sale document and receipt), a basket rung up before keeps its rate, also
after the till restarts, and a page with a class the till may not use is refused whole."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.money import Money
from pos.domain.receipt import Receipt, StoreInfo
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.journal import TrainingKeyFile
from pos.services.terminal import DemoUser, Terminal
from pos.store import repositories as repo
from pos.store import sync_state, vat_classes
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent, TransientError
from tests.e2e.real_head_office import RealHeadOffice

BREAD = "6161100000087"
PRICE = 5400  # KES 54.00, VAT included


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def real_ho(tmp_path: Path) -> Iterator[RealHeadOffice]:
    folder = tmp_path / "hq"
    folder.mkdir()
    ho = RealHeadOffice(folder, _free_port())
    ho.start()
    try:
        yield ho
    finally:
        ho.kill()


class Shop:
    """One enrolled till (its file, its agent) against the real head office."""

    def __init__(self, folder: Path, ho: RealHeadOffice) -> None:
        (code,) = ho.codes(["S1"])
        ho.shell(
            "from sync.server.catalog.models import Product, Barcode, VatClass\n"
            "from sync.server.terminals.models import Organisation\n"
            "org = Organisation.objects.get(name='E2E Chain')\n"
            "vc = VatClass(code='R8', name='Reduced 8%', rate='8')\n"
            "vc.full_clean(); vc.save()\n"
            f"p = Product(organisation=org, sku='BRD-8', name='Brown bread', price_minor={PRICE},"
            " vat_class=vc)\n"
            "p.save()\n"
            f"Barcode(product=p, code='{BREAD}').save()\n"
        )
        enrolling = HeadOfficeClient(ClientSettings(ho.url))
        self.enrolled = enrolling.enroll(code, "till A")
        enrolling.close()
        self.ho = ho
        self.path = folder / "kaunta.sqlite"
        self.folder = folder
        self.ctx = TerminalContext(
            StoreInfo(self.enrolled.store_id, "Store S1", ("Nairobi",)),
            self.enrolled.terminal_id,
            training=False,
            policy=Policy(pin_kdf_log2_n=10),
        )
        self.till = self.open()
        self.till.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        self.login()
        self.till.shifts.open({})

    def open(self) -> Terminal:
        return Terminal.open(self.path, self.ctx, journal_keys=TrainingKeyFile(self.folder))

    def login(self) -> None:
        cashier = next(u for u in self.till.auth.users() if u.role is Role.CASHIER)
        pin = next(p for _, r, p in DEMO_USERS if r == "cashier")
        self.till.auth.login(cashier.user_id, pin)

    def restart(self) -> None:
        self.till.close()
        self.till = self.open()
        self.login()

    def pull(self) -> None:
        agent = SyncAgent(
            self.till.db,
            HeadOfficeClient(ClientSettings(self.ho.url), token=self.enrolled.token),
            store_id=self.enrolled.store_id,
            terminal_id=self.enrolled.terminal_id,
            settings=AgentSettings(app_version="test"),
        )
        try:
            agent.pull()
        finally:
            agent.stop()

    def cursor(self) -> str | None:
        with self.till.db.read_session() as s:
            return sync_state.get_value(s, sync_state.CURSOR)

    def sell_bread(self) -> Receipt:
        self.till.checkout.scan(BREAD)
        return self.pay()

    def pay(self) -> Receipt:
        receipt = self.till.checkout.pay_cash(Money(10_000)).receipt
        assert receipt is not None
        return receipt

    def document(self, number: str) -> dict[str, Any]:
        """The sale's wire document as queued for head office (``sale.completed``)."""
        with self.till.db.read_session() as s:
            payloads = s.connection().exec_driver_sql("SELECT payload FROM outbox").scalars()
            for payload in payloads:
                doc: dict[str, Any] = json.loads(payload)
                if number in payload and doc.get("type", "").startswith("sale"):
                    return doc
        raise AssertionError(f"no document for {number}")


def _vat_of(receipt: Receipt) -> dict[str, int]:
    return {v.tax_class.code: v.vat.minor for v in receipt.vat}


def _line_rates(doc: dict[str, Any]) -> list[tuple[str, str, int]]:
    lines = doc["body"]["lines"]
    return [(ln["vat_class"]["code"], ln["vat_class"]["rate"], ln["vat"]["minor"]) for ln in lines]


def _set_rate(ho: RealHeadOffice, rate: str) -> None:
    ho.shell(
        "from sync.server.catalog.models import VatClass\n"
        f"vc = VatClass.objects.get(code='R8'); vc.rate = '{rate}'\n"
        "vc.full_clean(); vc.save()\n"
    )


def test_a_rate_changed_at_head_office_applies_from_the_next_basket_on(
    tmp_path: Path, real_ho: RealHeadOffice
) -> None:
    shop = Shop(tmp_path / "till", real_ho)
    try:
        shop.pull()
        first = shop.sell_bread()
        assert _vat_of(first) == {"R8": 400}  # 5400 x 8 / 108
        shop.till.checkout.scan(BREAD)  # rung up at 8 %, still open
        _set_rate(real_ho, "10")
        shop.pull()
        with shop.till.db.read_session() as s:
            [r8] = [c for c in vat_classes.head_office_classes(s) if c.code == "R8"]
        assert (str(r8.rate), r8.version > 0) == ("10", True)
        shop.restart()  # a crash or a restart: the basket comes back with its rates
        kept = shop.pay()
        assert _vat_of(kept) == {"R8": 400}
        assert kept.total.minor == PRICE
        after = shop.sell_bread()  # opened after the pull: the new rate
        assert _vat_of(after) == {"R8": 491}  # 5400 x 10 / 110, rounded half up
        assert after.total.minor == PRICE
        assert [v.net.minor for v in after.vat] == [PRICE - 491]
        assert _line_rates(shop.document(kept.number)) == [("R8", "8", 400)]
        assert _line_rates(shop.document(after.number)) == [("R8", "10", 491)]
        with shop.till.db.read_session() as s:
            stored = repo.last_sale(s, shop.ctx.terminal_id)
        assert stored is not None
        assert str(stored.tax_table.get("R8").rate) == "10"
    finally:
        shop.till.close()


def test_a_page_with_a_class_the_till_may_not_use_is_refused_whole(
    tmp_path: Path, real_ho: RealHeadOffice
) -> None:
    shop = Shop(tmp_path / "till", real_ho)
    try:
        shop.pull()
        cursor = shop.cursor()
        # a rate head office's admin would refuse, written past it, with a price change
        real_ho.shell(
            "from sync.server.catalog.models import Product, VatClass\n"
            "VatClass(code='X', name='Broken', rate='250').save()\n"
            "p = Product.objects.get(sku='BRD-8'); p.price_minor = 9900; p.save()\n"
        )
        with pytest.raises(TransientError, match=r"VAT class change .*X.*250"):
            shop.pull()
        assert shop.cursor() == cursor
        with shop.till.db.read_session() as s:
            bread = repo.product_by_sku(s, "BRD-8")
            assert "X" not in vat_classes.known_codes(s)
        assert bread is not None
        assert bread.price.minor == PRICE
    finally:
        shop.till.close()
