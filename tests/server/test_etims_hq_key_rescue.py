"""Head office keeps KRA's communication key when its sealed store refuses it right after
KRA's one-time set-up answered (KRA never sends the key again: 902 afterwards). The key goes
to a rescue file under ``KAUNTA_HQ_DATA_DIR/etims-keys`` (never to the log), the round says
why it stopped, and the next round moves the key into the store and signs; KRA is asked to
set the device up once. Over real HTTP against the eTIMS simulator."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import EtimsSettings
from sync.server.etims.models import BranchDevice, SignedInvoice
from sync.server.etims.store import HeadOfficeSecrets
from sync.server.etims.worker import key_rescue_dir, run_round
from tests.server.conftest import new_store
from tests.server.factory import enroll

BHF = "61"
SERIAL = f"KAUNTA/{DEMO_TIN}/{BHF}"


class RefusingOnce(HeadOfficeSecrets):
    """The sealed store failing to write while ``refuse`` is set (a database gone away
    between KRA's answer and the write)."""

    refuse = True

    def set(self, name: str, value: str) -> None:
        if self.refuse:
            raise OSError("the database went away")
        super().set(name, value)


@pytest.fixture
def box() -> Iterator[EtimsSandbox]:
    with EtimsSandbox(devices=[(DEMO_TIN, BHF, SERIAL)]) as sandbox:
        yield sandbox


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from django.conf import settings

    monkeypatch.setattr(settings, "DATA_DIR", tmp_path)
    return tmp_path


def test_a_key_the_store_refuses_is_rescued_and_moved_in_by_the_next_round(
    client: Client, box: EtimsSandbox, data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = new_store()
    device = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=BHF, device_serial=SERIAL
    )
    till = enroll(client, store)
    assert till.push(client, [till.sale("65")]).status_code == 200
    settings = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host)
    secrets = RefusingOnce(env={})
    name = f"etims.cmc_key.{DEMO_TIN}.{BHF}"

    with caplog.at_level(logging.INFO):
        first = run_round(device, settings=settings, secrets=secrets)
    assert "kept in" in first.stopped
    assert first.signed == 0
    rescued = list(key_rescue_dir().glob("*.json"))
    assert len(rescued) == 1
    assert rescued[0].stat().st_mode & 0o077 == 0
    key = box.devices[(DEMO_TIN, BHF, SERIAL)].cmc_key  # what KRA gave
    assert key
    assert key in rescued[0].read_text()
    assert key not in caplog.text
    assert key not in first.stopped

    secrets.refuse = False
    device.refresh_from_db()
    second = run_round(device, settings=settings, secrets=secrets)
    assert second.signed == 1, second.stopped
    assert list(key_rescue_dir().glob("*.json")) == []
    assert HeadOfficeSecrets(env={}).get(name) == key  # sealed in the database now
    assert SignedInvoice.objects.filter(branch=device).count() == 1
    assert box.activated == 1  # KRA set the device up once
