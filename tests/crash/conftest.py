"""Fixtures of the crash tests (their helpers are in ``harness.py``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest


@pytest.fixture
def readonly() -> Iterator[list[sqlite3.Connection]]:
    """Connections opened with ``harness.open_readonly``; closed after the test."""
    opened: list[sqlite3.Connection] = []
    yield opened
    for conn in opened:
        conn.close()
