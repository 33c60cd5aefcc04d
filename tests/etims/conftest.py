"""Fixtures: a running OSCU simulator on 127.0.0.1 and clients of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sync.etims.client import OscuClient
from sync.etims.mapping import Registrar
from sync.etims.models import CodeCache
from sync.etims.queue import Submitter
from sync.etims.queue_sqlite import SqliteQueue
from sync.etims.sandbox import DEMO_SERIAL, DEMO_TIN, EtimsSandbox
from sync.etims.settings import Branch, EtimsSettings
from tests.etims.docs import items


class DictSecrets:
    """A secret store in memory (the till's is the keyring wrapper)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value


@pytest.fixture
def box() -> Iterator[EtimsSandbox]:
    with EtimsSandbox() as sandbox:
        yield sandbox


def make_client(
    box: EtimsSandbox, secrets: DictSecrets, timeout: float = 5.0, **settings: object
) -> OscuClient:
    cfg = EtimsSettings(
        base_url=box.base_url,
        verify_host=box.verify_host,
        timeout_s=timeout,
        init_timeout_s=timeout,
        **settings,  # type: ignore[arg-type]
    )
    return OscuClient(Branch(DEMO_TIN, "00", DEMO_SERIAL), cfg, secrets)


@pytest.fixture
def secrets() -> DictSecrets:
    return DictSecrets()


@pytest.fixture
def client(box: EtimsSandbox, secrets: DictSecrets) -> OscuClient:
    c = make_client(box, secrets, timeout=2.0)
    c.initialize()
    return c


def make_submitter(client: OscuClient, path: Path) -> tuple[Submitter, SqliteQueue]:
    cache = CodeCache()
    client.refresh_codes(cache, datetime.now(UTC))
    queue = SqliteQueue(path)
    # the device was initialised for this test: KRA holds no invoice of it, so the new
    # file's counter needs no check against KRA's (tests of that check open their own)
    queue.mark_probed(client.branch.key, datetime.now(UTC))
    sub = Submitter(
        queue,
        client,
        client.settings,
        items=items,
        rates=cache.tax_rates,
        registrar=Registrar("till01", "Till 01"),
        clock=lambda: datetime.now(UTC),
    )
    return sub, queue


@pytest.fixture
def submitter(client: OscuClient, tmp_path: Path) -> Iterator[tuple[Submitter, SqliteQueue]]:
    sub, queue = make_submitter(client, tmp_path / "etims.sqlite")
    yield sub, queue
    queue.close()
