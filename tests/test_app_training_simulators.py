"""Training's sandboxes start after the window: their ports are taken first, then served.

``start_payments(..., defer_simulators=True)`` (the till's start-up) builds the methods
against reserved addresses; ``payments.simulators.start()`` serves them. A reserved port
lost in the instant it is let go is replaced, and the methods follow the new address.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from pos.app import Payments, start_payments
from pos.config import load_config
from pos.services.terminal import Terminal


@pytest.fixture
def training_payments(tmp_path: Path, terminal: Terminal) -> Iterator[Payments]:
    config = load_config(config_path=None, data_dir=tmp_path, training=True, env={})
    payments = start_payments(config, terminal, defer_simulators=True)
    try:
        yield payments
    finally:
        payments.close()


def _answers(url: str) -> bool:
    try:
        requests.get(url + "/", timeout=2)
    except requests.ConnectionError:
        return False
    return True


def test_the_methods_get_addresses_before_the_sandboxes_serve_them(
    training_payments: Payments, terminal: Terminal
) -> None:
    urls = dict(training_payments.urls)
    assert {"mpesa", "paypal", "card_zvt"} <= set(urls)
    assert not _answers(urls["mpesa"])  # reserved, not yet listening
    before = terminal.phone
    assert before is None  # no simulated customers until the sandboxes serve
    assert training_payments.simulators is not None
    phone = training_payments.simulators.start()
    assert training_payments.urls == urls  # served where the methods already point
    assert _answers(urls["mpesa"])
    assert _answers(urls["paypal"])
    assert terminal.phone is phone
    assert training_payments.simulators.start() is phone  # once
    payments = terminal.payments
    assert payments is not None
    payments._method("mpesa").check_connection()  # the built method reaches the sandbox


def test_a_reserved_port_taken_meanwhile_moves_the_sandbox_and_the_methods(
    training_payments: Payments, terminal: Terminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    simulators = training_payments.simulators
    assert simulators is not None
    squatter = socket.create_server(("127.0.0.1", 0))  # another program on "our" port
    taken = squatter.getsockname()[1]
    reserved = simulators._port
    monkeypatch.setattr(
        simulators, "_port", lambda code: taken if code == "mpesa" else reserved(code)
    )
    try:
        before = training_payments.urls["mpesa"]
        simulators.start()
        after = training_payments.urls["mpesa"]
        assert after not in (before, f"http://127.0.0.1:{taken}")
        assert _answers(after)
        payments = terminal.payments
        assert payments is not None
        payments._method("mpesa").check_connection()  # rebuilt against the sandbox's new address
    finally:
        squatter.close()
