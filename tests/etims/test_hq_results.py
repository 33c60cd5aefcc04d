"""An enrolled store's tills get KRA's answers back from head office, end to end in real
processes: ``kaunta-hq serve`` and ``kaunta-hq worker`` (tests/etims/hq_processes.py), the
OSCU simulator over HTTP on 127.0.0.1, and a live till whose sync agent sends its sales
and pulls ``/api/v1/etims-results`` as ``pos.sync_link`` wires it.

Proved: the provisional block (with the customer page's QR URL) until head office has
KRA's signature; then the SCU block on the till, exactly as a standalone till lays it out
(SCU ID, CU invoice number from the branch's one sequence, internal data and signature in
groups of four, KRA's date and time, counters, verification URL), also as a reprint
(COPY), stored immutable and chained; a refusal reaches the till's queue screen with
KRA's reason; the customer page says "not yet signed" and then shows the signed block;
a bad token is 404; the cursor survives and a replay changes nothing.
"""

from __future__ import annotations

import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from drivers.escpos.decoder import Qr
from drivers.escpos.device import PrintOutcome
from drivers.escpos.emulator import PrinterEmulator
from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.catalog import CatalogItem
from pos.domain.money import Money
from pos.etims_results import FILE_NAME, etims_results_puller
from pos.services.auth import Role
from pos.services.devices import ReceiptPrinting
from pos.services.etims import EtimsPhase, KraBlock
from pos.services.terminal import DemoUser, Terminal
from pos.store import sync_state
from sync.agent import AgentSettings, ClientSettings, HeadOfficeClient, SyncAgent
from sync.agent.etims_results import ETIMS_CURSOR
from sync.etims.public import receipt_token, token_hash_of
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox, Fault
from sync.etims.settings import VERIFY_PATH
from tests.conftest import FakeClock, make_ctx
from tests.etims.hq_processes import EtimsHeadOffice, etims_head_office
from tests.etims.test_kra_print import printer
from tests.shift_open import ensure_shift

pytestmark = pytest.mark.slow
__all__ = ["printer"]  # the printer emulator fixture, shared with test_kra_print


@pytest.fixture(scope="module")
def kra() -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, "00", DEMO_SERIAL)]) as box:
        yield box


@pytest.fixture(scope="module")
def office(
    tmp_path_factory: pytest.TempPathFactory, kra: EtimsSandbox
) -> Iterator[EtimsHeadOffice]:
    with etims_head_office(tmp_path_factory.mktemp("hq"), kra) as running:
        running.add_device("DEMO", DEMO_TIN, "00", DEMO_SERIAL)
        yield running


class EnrolledTill:
    """A live till enrolled with ``office``, its agent and eTIMS pull wired as the
    sync link wires them."""

    def __init__(self, folder: Path, office: EtimsHeadOffice, clock: FakeClock) -> None:
        enrollment = office.enroll()
        self.token = enrollment.token
        ctx = replace(make_ctx(), terminal_id=enrollment.terminal_id, training=False)
        self.db_path = folder / "kaunta.sqlite"
        self.terminal = Terminal.open(self.db_path, ctx, clock)
        self.terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
        cashier = next(u for u in self.terminal.auth.users() if u.role is Role.CASHIER)
        pin = next(p for _n, r, p in DEMO_USERS if r == "cashier")
        self.terminal.auth.login(cashier.user_id, pin)
        ensure_shift(self.terminal)
        client = HeadOfficeClient(ClientSettings(office.url, read_timeout_s=10), token=self.token)
        self.puller = etims_results_puller(
            self.terminal, client, office.url, self.token, self.db_path
        )
        self.agent = SyncAgent(
            self.terminal.db,
            client,
            store_id="DEMO",
            terminal_id=enrollment.terminal_id,
            settings=AgentSettings(app_version="test"),
            clock=clock.now,
            result_pullers=(self.puller,),
        )

    def sell(self, product: CatalogItem) -> str:
        assert product.barcode is not None
        self.terminal.checkout.scan(product.barcode)
        receipt = self.terminal.checkout.pay_cash(Money(10_000_000)).receipt
        assert receipt is not None
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            (sale_id,) = conn.execute("SELECT id FROM sales ORDER BY rowid DESC LIMIT 1").fetchone()
        return str(sale_id)

    def wait_block(self, sale_id: str, signed: bool = True, limit_s: float = 60.0) -> KraBlock:
        """Rounds of the agent until the sale's block is (or is not) signed."""
        end = time.monotonic() + limit_s
        while True:
            self.agent.run_once()
            block = self.terminal.etims.block_for(sale_id)
            assert block is not None
            if block.signed == signed:
                return block
            if time.monotonic() > end:
                pytest.fail(f"sale {sale_id} not signed={signed} after {limit_s} s")
            time.sleep(0.2)

    def close(self) -> None:
        self.agent.stop()
        self.terminal.close()


@pytest.fixture
def till(tmp_path: Path, office: EtimsHeadOffice, clock: FakeClock) -> Iterator[EnrolledTill]:
    t = EnrolledTill(tmp_path, office, clock)
    yield t
    t.close()


def page(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status), response.read().decode()
    except urllib.error.HTTPError as exc:
        return int(exc.code), exc.read().decode(errors="replace")


def printed_qr(printer: tuple[PrinterEmulator, ReceiptPrinting], n: int) -> list[str]:
    """The QR codes' data of the ``n``-th receipt the printer emulator decoded."""
    pictures = printer[0].wait_receipts(n)
    assert len(pictures) >= n
    return [e.data for e in pictures[n - 1].events if isinstance(e, Qr)]


def test_the_signed_block_comes_back_to_the_till_that_made_the_sale(
    till: EnrolledTill,
    office: EtimsHeadOffice,
    kra: EtimsSandbox,
    product: CatalogItem,
    printer: tuple[PrinterEmulator, ReceiptPrinting],
) -> None:
    printing = printer[1]
    kra.refuse()  # KRA away: the sale is at head office but not signed
    try:
        sale_id = till.sell(product)
        till.agent.run_once()
        provisional = till.terminal.etims.block_for(sale_id)
        assert provisional is not None
        assert not provisional.signed
        token = receipt_token(token_hash_of(till.token), sale_id)
        assert provisional.qr_url == f"{office.url}/r/{token}"
        # on paper: the provisional receipt's QR code is the customer page
        receipt = till.terminal.receipts.receipt(sale_id)
        assert printing.print_sale(receipt, provisional).result(5) is PrintOutcome.PRINTED
        assert printed_qr(printer, 1) == [provisional.qr_url]
        assert any("NOT YET A TAX INVOICE" in ln for ln in provisional.text_lines())
        assert any(provisional.qr_url in ln for ln in provisional.text_lines(width=80))
        status, html = page(provisional.qr_url)
        assert status == 200
        assert "Not yet signed by KRA" in html
        # head office computed the same token from the till's token hash
        assert [e["public_token"] for e in office.entries() if e["doc_id"] == sale_id] == [token]
    finally:
        kra.accept()

    block = till.wait_block(sale_id)

    [entry] = [e for e in office.entries() if e["doc_id"] == sale_id]
    assert entry["state"] == "signed"
    [invoice] = [i for n, i in kra.device("00").invoices.items() if n == entry["invc_no"]]
    sdc = kra.device("00").sdc_id
    rows = dict(block.rows)
    assert block.title == "TAX INVOICE"
    assert rows["SCU ID"] == sdc
    assert rows["CU Invoice No."] == f"{sdc}/{entry['invc_no']}"
    assert "-" in rows["Internal Data"]
    assert all(len(g) <= 4 for g in rows["Receipt Signature"].split("-"))
    assert rows["Receipt counter"].endswith(" NS")
    assert block.qr_url.startswith(kra.verify_host)
    assert invoice.body["invcNo"] == entry["invc_no"]
    text = "\n".join(block.text_lines())
    assert "SCU ID" in text
    assert sdc in text
    # KRA's tax table, from the band fields head office submitted (every band A-E)
    assert [band[0] for band in block.bands] == ["A Exempt", "B 16%", "C 0%", "D Non-VAT", "E 8%"]
    taxable_b, tax_b = block.bands[1][1:]
    assert (taxable_b, tax_b) == (
        f"{invoice.body['taxblAmtB']:,.2f}",
        f"{invoice.body['taxAmtB']:,.2f}",
    )
    assert block.total == f"KES {invoice.body['totAmt']:,.2f}"
    assert "KRA tax bands" in text
    copy = till.terminal.etims.block_for(sale_id, copy=True)  # F9 reprint
    assert copy is not None
    assert copy.title == "TAX INVOICE (COPY)"
    assert dict(copy.rows)["Receipt counter"].endswith(" CS")
    # the reprint on paper: the QR code is now KRA's verification page of this invoice
    assert printing.reprint(receipt, copy).result(5) is PrintOutcome.PRINTED
    assert printed_qr(printer, 2) == [
        f"{kra.verify_host}{VERIFY_PATH}{DEMO_TIN}00{invoice.rcpt_sign}"
    ]
    # stored with the sale: immutable, chained
    hq = till.terminal.etims_head_office  # type: ignore[attr-defined]
    assert hq.verify_chain()
    store = till.db_path.with_name(FILE_NAME)
    with sqlite3.connect(store) as conn, pytest.raises(sqlite3.DatabaseError, match="immutable"):
        conn.execute("UPDATE etims_signed SET signature = '{}'")
    assert till.terminal.etims.view().phase is EtimsPhase.HEAD_OFFICE
    # the customer's page now shows the signed invoice
    status, html = page(provisional.qr_url)
    assert status == 200
    assert "TAX INVOICE" in html
    assert rows["CU Invoice No."] in html
    assert '<table id="bands">' in html
    assert f"<th>B 16%</th><td>{taxable_b}</td><td>{tax_b}</td>" in html
    assert page(f"{office.url}/r/{'a' * 26}")[0] == 404  # nobody issued that token
    assert page(f"{office.url}/r/short")[0] == 404


def test_a_refusal_reaches_the_tills_queue_screen_with_kras_reason(
    till: EnrolledTill, kra: EtimsSandbox, product: CatalogItem
) -> None:
    kra.inject(Fault("code", path="saveTrnsSalesOsdc", code="910"))
    sale_id = till.sell(product)
    end = time.monotonic() + 60
    while True:
        till.agent.run_once()
        rows = [r for r in till.terminal.etims.view().rows if r.doc_id == sale_id]
        if rows and rows[0].state == "parked":
            break
        if time.monotonic() > end:
            pytest.fail("the refusal did not reach the till")
        time.sleep(0.2)
    assert "910" in rows[0].reason
    assert till.terminal.etims.view().parked == 1
    block = till.terminal.etims.block_for(sale_id)
    assert block is not None
    assert not block.signed  # refused: still not a tax invoice


def test_the_cursor_is_kept_and_a_replay_changes_nothing(
    till: EnrolledTill, product: CatalogItem
) -> None:
    sale_id = till.sell(product)
    till.wait_block(sale_id)
    with till.terminal.db.read_session() as s:
        cursor = sync_state.get_value(s, ETIMS_CURSOR)
    assert cursor is not None
    assert int(cursor) > 0
    assert till.puller.pull().seen == 0  # nothing newer
    with sqlite3.connect(till.db_path) as rw:
        rw.execute("DELETE FROM sync_state WHERE name = ?", (ETIMS_CURSOR,))
    again = till.puller.pull()
    assert again.seen >= 1  # handed over again ...
    block = till.terminal.etims.block_for(sale_id)
    assert block is not None
    assert block.signed  # ... and found already stored
    with sqlite3.connect(till.db_path.with_name(FILE_NAME)) as conn:
        assert conn.execute("SELECT count(*) FROM etims_signed").fetchone()[0] == 1
