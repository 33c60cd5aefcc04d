"""Training's KRA block names the training store's own PIN: the simulator's device is
made for ``[terminal] tax_pin`` (the demo store's P000000000X), so the receipt's PIN and
the QR code's verification URL agree (they once printed P000000000X over a QR carrying
the simulator's P051234567X)."""

from __future__ import annotations

import threading
from pathlib import Path

from pos.config import load_config
from pos.etims_link import TrainingEtims, start_etims
from pos.services.etims import EtimsView
from pos.services.terminal import Terminal
from sync.etims.sandbox import DEMO_TIN

UHT = "6168232799285"
WAIT_S = 30.0  # a bound for the worker's thread, not a performance claim


def test_the_training_kra_block_carries_the_receipts_pin(cashier: Terminal, tmp_path: Path) -> None:
    config = load_config(data_dir=tmp_path, training=True, env={})
    assert config.training
    pin = config.store.tax_pin
    assert pin != DEMO_TIN  # the demo store's PIN is not the simulator's default one
    config.database_path.parent.mkdir(parents=True, exist_ok=True)
    signed = threading.Event()

    def news(view: EtimsView) -> None:
        if view.signed:
            signed.set()

    cashier.etims.subscribe(news)
    started = start_etims(config, cashier)
    assert isinstance(started, TrainingEtims)
    try:
        assert started.link.branch.tin == pin
        cashier.checkout.scan(UHT, 1)
        sale = cashier.checkout.pay_cash(cashier.checkout.view().cash_due).receipt
        assert sale is not None
        started.link.wake()
        assert signed.wait(WAIT_S)
        block = cashier.etims.block_for(sale.sale_id)
        assert block is not None
        assert block.signed
        assert f"Data={pin}00" in block.qr_url  # the verification URL's taxpayer
        assert started.sandbox.device("00", tin=pin).invoices
    finally:
        started.stop()
