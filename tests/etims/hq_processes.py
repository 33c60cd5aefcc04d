"""Head office in real processes for an enrolled store's eTIMS: ``kaunta-hq serve``
(gunicorn) and a ``kaunta-hq worker`` (which runs the branch's submission task), both
pointed at an OSCU simulator over real HTTP on 127.0.0.1, with the demo store's branch
device created in a Django shell."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.agent import ClientSettings, HeadOfficeClient
from sync.agent.client import Enrollment
from sync.etims.sandbox import EtimsSandbox
from tests.e2e.real_head_office import ROOT, RealHeadOffice
from tests.e2e.relay_head_office import free_port


@dataclass
class EtimsHeadOffice:
    hq: RealHeadOffice
    worker: subprocess.Popen[bytes]
    folder: Path

    def restart_worker(self) -> None:
        """SIGKILL the worker (its process group) and start a new one: nothing of the
        old one's memory survives, as after a crash or a deploy."""
        self.kill_worker()
        self.start_worker()

    def kill_worker(self) -> None:
        """SIGKILL the worker's process group and wait for it to be gone."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGKILL)
        self.worker.wait()

    def start_worker(self) -> None:
        """A new ``kaunta-hq worker`` (after :meth:`kill_worker`)."""
        self.worker = _start_worker(self.hq, self.folder)

    @property
    def url(self) -> str:
        return self.hq.url

    def enroll(self, store: str = "DEMO", name: str = "eTIMS till") -> Enrollment:
        [code] = self.hq.codes([store])
        client = HeadOfficeClient(ClientSettings(self.hq.url))
        try:
            return client.enroll(code, name)
        finally:
            client.close()

    def add_device(self, store: str, tin: str, bhf_id: str, serial: str) -> None:
        self.hq.codes([store])  # the store exists
        self.hq.shell(
            "from sync.server.etims.models import BranchDevice\n"
            "from sync.server.terminals.models import Store\n"
            f"BranchDevice.objects.get_or_create(store=Store.objects.get(code={store!r}), "
            f"defaults=dict(tin={tin!r}, bhf_id={bhf_id!r}, device_serial={serial!r}))"
        )

    def entries(self) -> list[dict[str, Any]]:
        """Head office's queue, read back in a Django shell."""
        rows: list[dict[str, Any]] = json.loads(
            self.hq.shell(
                "import json\n"
                "from sync.server.etims.models import QueueEntry\n"
                "print(json.dumps(list(QueueEntry.objects.order_by('id').values("
                "'doc_id', 'state', 'invc_no', 'reason', 'result_seq', 'public_token'))))"
            )
        )
        return rows


@contextlib.contextmanager
def etims_head_office(
    folder: Path, kra: EtimsSandbox, *, timeout_s: float = 3.0
) -> Iterator[EtimsHeadOffice]:
    """Serve and work until the block ends; both SIGKILLed then (process groups).
    ``timeout_s`` is the worker's wait for KRA's answer (``KAUNTA_ETIMS_TIMEOUT_S``)."""
    folder.mkdir(parents=True, exist_ok=True)
    hq = RealHeadOffice(folder, free_port())
    hq.env.update(
        KAUNTA_HQ_PUBLIC_URL=hq.url,
        KAUNTA_ETIMS_BASE_URL=kra.base_url,
        KAUNTA_ETIMS_VERIFY_HOST=kra.verify_host,
        KAUNTA_ETIMS_TIMEOUT_S=f"{timeout_s:g}",
    )
    hq.start()
    running = EtimsHeadOffice(hq, _start_worker(hq, folder), folder)
    try:
        yield running
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(running.worker.pid, signal.SIGKILL)
        running.worker.wait()
        hq.kill()


def _start_worker(hq: RealHeadOffice, folder: Path) -> subprocess.Popen[bytes]:
    """``kaunta-hq worker`` in its own process group, its stderr appended to
    ``worker.err``."""
    with (folder / "worker.err").open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "worker", "--interval", "0.05"],
            env=hq.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
