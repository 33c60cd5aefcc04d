"""What the head office eTIMS tests share: a branch of their own on a simulator that
approves it, the client settings for that simulator, and a push that must be applied.

Each module makes its own branch numbers (``branch_fixtures(start)``): a module's database
keeps the devices of its earlier tests, so every test needs a branch id nobody used."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import EtimsSettings
from tests.server.factory import Till


def branch_fixtures(
    start: int,
) -> tuple[Iterator[int], Callable[[], tuple[str, str]], Callable[..., Iterator[EtimsSandbox]]]:
    """(the module's branch counter, its ``branch`` fixture, its ``box`` fixture): a
    branch id and serial from ``start`` up, and a simulator approving that device."""
    numbers = itertools.count(start)

    @pytest.fixture
    def branch() -> tuple[str, str]:
        bhf = f"{next(numbers):02d}"
        return bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"

    @pytest.fixture
    def box(branch: tuple[str, str]) -> Iterator[EtimsSandbox]:
        with EtimsSandbox(devices=[(DEMO_TIN, branch[0], branch[1])]) as sandbox:
            yield sandbox

    return numbers, branch, box


def hq_settings(box: EtimsSandbox) -> EtimsSettings:
    """Head office's client settings for ``box``, with short timeouts for tests."""
    return EtimsSettings(
        base_url=box.base_url, verify_host=box.verify_host, timeout_s=3.0, init_timeout_s=3.0
    )


def applied(client: Client, till: Till, docs: list[dict[str, Any]]) -> None:
    """Push ``docs`` from ``till``; every one must be applied."""
    got = till.push(client, docs)
    assert got.status_code == 200, got.content
    assert [r["status"] for r in got.json()["results"]] == ["applied"] * len(docs)


def swahili_catalogue() -> None:
    """Compile head office's Kiswahili catalogue and make Django load it afresh: a test
    that reads Kiswahili pages must not depend on another test (or ``dev.py setup``)
    having compiled it first."""
    from django.utils.translation import trans_real

    from sync.server.etims.i18n import compile_catalogue

    compile_catalogue()
    trans_real._translations = {}
