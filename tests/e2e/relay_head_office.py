"""The product's head office as M-Pesa pushes through it need it, in real processes:
``kaunta-hq serve`` (gunicorn, :class:`~tests.e2e.real_head_office.RealHeadOffice`) with
``KAUNTA_HQ_PUBLIC_URL`` pointing at itself (the CallBackURLs it hands out reach it), and a
``kaunta-hq worker`` deciding the callbacks it stores. Terminals of the demo store are
enrolled through the real API; head office's own rows are read back in a Django shell.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sync.agent import ClientSettings, HeadOfficeClient
from tests.e2e.real_head_office import ROOT, RealHeadOffice


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RelayHeadOffice:
    hq: RealHeadOffice
    worker: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return self.hq.url

    def enroll(self, store: str = "DEMO", name: str = "Relay till") -> str:
        """A new terminal of ``store``; returns its token."""
        [code] = self.hq.codes([store])
        client = HeadOfficeClient(ClientSettings(self.hq.url))
        try:
            return client.enroll(code, name).token
        finally:
            client.close()

    def results(self, token: str) -> list[dict[str, Any]]:
        """Every decided push of the terminal with ``token``, as its pull sees them."""
        client = HeadOfficeClient(ClientSettings(self.hq.url), token=token)
        try:
            results: list[dict[str, Any]] = client.push_results(0)["results"]
            return results
        finally:
            client.close()

    def wait_result(self, token: str, attempt_id: str, timeout: float = 30.0) -> dict[str, Any]:
        """The decided push of ``attempt_id``, once the worker has decided it."""
        end = time.monotonic() + timeout
        while True:
            for result in self.results(token):
                if result["attempt_id"] == attempt_id:
                    return result
            if time.monotonic() > end:
                raise AssertionError(f"head office decided no push {attempt_id} in {timeout}s")
            time.sleep(0.1)

    def set_amount(self, attempt_id: str, amount_minor: int) -> None:
        """Change a registered push's amount at head office (a bug or tampering there)."""
        self.hq.shell(
            "from sync.server.callbacks.models import PushAttempt\n"
            f"n = PushAttempt.objects.filter(attempt_id={attempt_id!r})"
            f".update(amount_minor={amount_minor})\n"
            "assert n == 1, n"
        )

    def callback_received_at(self, attempt_id: str) -> list[float]:
        """When head office stored each accepted callback of ``attempt_id`` (epoch s)."""
        out = self.hq.shell(
            "import json\n"
            "from sync.server.callbacks.models import StkCallbackRecord\n"
            "print(json.dumps([r.received_at.timestamp() for r in "
            f"StkCallbackRecord.objects.filter(attempt__attempt_id={attempt_id!r})]))"
        )
        times: list[float] = json.loads(out)
        return times


def post_json(url: str, body: dict[str, Any]) -> int:
    """POST ``body`` as Daraja does; the HTTP status (errors included)."""
    request = urllib.request.Request(
        url, json.dumps(body).encode(), {"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def stk_callback(checkout: str, amount_kes: int, phone: str, receipt: str) -> dict[str, Any]:
    """A paid Daraja STK callback body (``reference/gateways.md`` shape)."""
    return {
        "Body": {
            "stkCallback": {
                "MerchantRequestID": "29115-34620561-1",
                "CheckoutRequestID": checkout,
                "ResultCode": 0,
                "ResultDesc": "The service request is processed successfully.",
                "CallbackMetadata": {
                    "Item": [
                        {"Name": "Amount", "Value": amount_kes},
                        {"Name": "MpesaReceiptNumber", "Value": receipt},
                        {"Name": "Balance"},
                        {"Name": "TransactionDate", "Value": 20261203103000},
                        {"Name": "PhoneNumber", "Value": int(phone)},
                    ]
                },
            }
        }
    }


@contextlib.contextmanager
def relay_head_office(folder: Path) -> Iterator[RelayHeadOffice]:
    """Serve and work until the block ends; both SIGKILLed then (process groups)."""
    folder.mkdir(parents=True, exist_ok=True)
    hq = RealHeadOffice(folder, free_port())
    hq.env["KAUNTA_HQ_PUBLIC_URL"] = hq.url
    hq.start()
    with (folder / "worker.err").open("wb") as err:
        worker = subprocess.Popen(
            [sys.executable, "-m", "sync.server.cli", "worker", "--interval", "0.05"],
            env=hq.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=err,
            start_new_session=True,
        )
    try:
        yield RelayHeadOffice(hq, worker)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        hq.kill()
