"""``kaunta bench devices``: printer figures (and the card figure from ``pos.bench.card``).

- ``print_wire_ratio``: a typical 40-line receipt (stored NV logo, QR, barcode) printed by
  the real driver (status before and after the job, as in the till) at 115200 baud over a
  pty to the emulated printer, which consumes bytes at that line speed as a serial printer
  does; wall time over the wire time ``bytes * 10 / baud``. Goal < 1.15 (median).
- ``receipt_bytes``: the size of that job. Goal < 2048 (logo stored, not sent).
- ``card_overhead_ms``: see :mod:`pos.bench.card`. Goal < 30 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from drivers.emulator_link import EmulatorServer, PtyLink
from drivers.escpos.document import (
    Align,
    Barcode,
    Block,
    Logo,
    Pair,
    PrintDocument,
    QrCode,
    Rule,
    Text,
)
from drivers.escpos.driver import EscPosPrinter
from drivers.escpos.emulator import PrinterEmulator
from drivers.escpos.encoder import encode
from drivers.escpos.profiles import profile
from drivers.transport import Connection, PortSettings

BAUD = 115200
ITEMS = (
    ("Unga wa Ngano Exe 2kg", "2 x 195.00", "390.00 A"),
    ("Sukari Kabras 1kg", "1 x 160.00", "160.00 A"),
    ("Maziwa Brookside 500ml", "4 x 65.00", "260.00 A"),
    ("Mkate Supaloaf 400g", "2 x 60.00", "120.00 A"),
    ("Mayai Trei 30", "1 x 450.00", "450.00 A"),
    ("Sabuni Menengai 800g", "1 x 210.00", "210.00 A"),
    ("Chai Ketepa 100 bags", "1 x 185.00", "185.00 A"),
    ("Mchele Pishori 2kg", "1 x 380.00", "380.00 E"),
    ("Mafuta Elianto 1L", "1 x 420.00", "420.00 A"),
    ("Unga wa Mahindi Jogoo 2kg", "2 x 165.00", "330.00 A"),
)


def typical_receipt() -> PrintDocument:
    """About 40 printed lines, as a 10-item M-Pesa sale prints on 80 mm paper."""
    blocks: list[Block] = [
        Logo(1),
        Text("DUKA LA MAMA NJERI", Align.CENTER, bold=True, size=2),
        Text("Moi Avenue, Nairobi", Align.CENTER),
        Text("PIN P051234567X", Align.CENTER),
        Rule(),
        Pair("Receipt", "S001-T01-000123"),
        Pair("Date", "2026-03-02 10:30"),
        Pair("Cashier", "Amina"),
        Rule(),
    ]
    for name, qty, amount in ITEMS:
        blocks += [Text(name), Pair("  " + qty, amount)]
    blocks += [
        Rule(),
        Pair("Subtotal (15 items)", "2,905.00"),
        Pair("TOTAL KES", "2,905.00", bold=True, size=2),
        Pair("M-Pesa", "2,905.00"),
        Text("  M-Pesa receipt SGH7K2L9PQ"),
        Pair("Change", "0.00"),
        Rule(),
        Pair("VAT", "Net      VAT    Gross"),
        Pair("A 16%", " 2,176.72   348.28  2,525.00"),
        Pair("E 0%", "   380.00     0.00    380.00"),
        Rule(),
        Text("Asante kwa kununua! Karibu tena.", Align.CENTER),
        QrCode("https://itax.kra.go.ke/KRA-Portal/invoiceChk.htm?S001-T01-000123"),
        Barcode("S001-T01-000123"),
    ]
    return PrintDocument(tuple(blocks))


def print_figures(samples: int = 10) -> dict[str, float | int]:
    data = encode(typical_receipt(), profile("80mm-48"))
    model = PrinterEmulator(pace_baud=BAUD)
    link = PtyLink()
    ratios: list[float] = []
    with EmulatorServer(link, model, name="bench-printer"):
        conn = Connection(PortSettings(link.url, baudrate=BAUD, timeout=1.0))
        printer = EscPosPrinter(conn, status_timeout=2.0)
        printer.status()  # open the port outside the timing
        wire = len(data) * 10 / BAUD
        for _ in range(samples):
            start = time.perf_counter()
            printer.print_job(data)
            ratios.append((time.perf_counter() - start) / wire)
        conn.close()
    lines = sum(1 for b in typical_receipt().blocks if not isinstance(b, (Logo, QrCode)))
    return {
        "print_wire_ratio": round(statistics.median(ratios), 3),
        "print_wire_ratio_max": round(max(ratios), 3),
        "receipt_bytes": len(data),
        "receipt_blocks": lines,
        "baud": BAUD,
        "samples": samples,
    }


def run_devices(args: argparse.Namespace) -> int:
    figures: dict[str, float | int] = dict(print_figures(getattr(args, "samples", 10)))
    try:
        from pos.bench.card import card_overhead
    except ImportError:  # the card terminal is optional
        pass
    else:
        figures.update(card_overhead())
    if getattr(args, "json", False):
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>22}: {value}")
    return 0
