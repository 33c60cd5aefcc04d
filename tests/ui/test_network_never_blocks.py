"""A gateway that accepts the connection and never answers must not freeze the counter.

Through the real window: an M-Pesa request goes to a server that holds every connection
open without a word. While that call (and the background re-check) hang, the cashier
scans twenty items and every one lands in the basket; closing the window returns while the
gateway still has not answered. No timings are asserted: the proof is that the scans and
the close finish while the hanging server is still holding the call.
"""

from __future__ import annotations

import csv
import socket
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from pos.bench.hang import HangingServer
from pos.demo import CATALOG_CSV
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.registry import MethodContext

if TYPE_CHECKING:
    from conftest import MakeTill, Till

PHONE = "0712 345 678"


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    try:
        yield server
    finally:
        server.release()


def _hang_mpesa(till: Till, server: HangingServer) -> None:
    """Point the till's M-Pesa at the silent server, with the shipped timeouts."""
    payments = till.terminal.payments
    assert payments is not None
    method = create_mpesa(
        MethodContext(training=True, currency="KES", settings={"base_url": server.url})
    )
    methods = {m.code: payments._methods[m.code] for m in payments.methods()}
    methods["mpesa"] = method
    payments.replace_methods(methods)


def _scan_burst(till: Till, codes: list[str]) -> None:
    field = till.window.sale.scan
    for code in codes:
        till.qtbot.keyClicks(field, code)
        till.qtbot.keyClick(field, Qt.Key.Key_Return)


def test_scans_land_while_a_gateway_hangs_and_closing_does_not_wait(
    make_paying_till: MakeTill, hanging: HangingServer
) -> None:
    till = make_paying_till()
    till.login()
    _hang_mpesa(till, hanging)
    with CATALOG_CSV.open(encoding="utf-8", newline="") as f:
        barcodes = [row["barcode"] for row in csv.DictReader(f)][:21]
    till.scan(barcodes[0])
    till.press(Qt.Key.Key_F10)
    dialog = till.dialog()
    till.qtbot.keyClicks(dialog.phone, PHONE)
    till.qtbot.keyClick(dialog.phone, Qt.Key.Key_Return)
    till.until(lambda: hanging.accepted >= 1)  # the request is in flight, unanswered
    till.qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # warned: the customer may still pay
    till.qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # the cashier stops waiting
    till.until(lambda: till.window.sale.dialog is None)
    till.window.resolve_payments(everything=True)  # the background re-check joins the hang
    till.activate()
    _scan_burst(till, barcodes[1:])
    till.until(lambda: len(till.rows()) == 21)
    assert not hanging.released  # every scan landed while the gateway still said nothing
    assert till.window.runner.pending >= 1  # ...and its call is still waiting
    with till.terminal.db.session() as s:
        [(state,)] = s.connection().exec_driver_sql("SELECT state FROM payment_attempts").all()
    assert state == "created"  # stored before the call; resolved by asking on next start
    till.window.close_confirmed = True  # the open basket's question is not what is tested
    till.window.close()
    assert not till.window.isVisible()
    assert not hanging.released
    # the window closed while the call still waited: had closing waited for it to end
    # (its read timeout), the till would have closed its end of every connection
    assert hanging.waiting() >= 1
    till.closed = True
    till.terminal.close()


def test_the_hanging_server_tells_a_waiting_request_from_one_its_client_closed(
    hanging: HangingServer,
) -> None:
    """What the closing check above relies on: ``waiting()`` counts a request whose
    client still waits, and not one whose client closed its end."""
    host, port = hanging.url.removeprefix("http://").split(":")
    first = socket.create_connection((host, int(port)))
    second = socket.create_connection((host, int(port)))
    for conn in (first, second):
        conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    end = time.monotonic() + 10
    while hanging.accepted < 2 and time.monotonic() < end:
        time.sleep(0.01)
    assert hanging.waiting() == 2
    second.close()
    end = time.monotonic() + 10
    while hanging.waiting() != 1 and time.monotonic() < end:
        time.sleep(0.01)
    assert hanging.waiting() == 1
    first.close()
