"""The product's head office as PayPal through it needs it, in real processes: ``kaunta-hq
serve`` and ``kaunta-hq worker`` (as :mod:`tests.e2e.relay_head_office`), set up to verify
the PayPal sandbox's webhooks offline (its certificate URL on 127.0.0.1, its root in the
trust store) and to ask it about IPN messages; the sandbox delivers its webhooks there.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pos.payments.paypal.sandbox import PayPalSandbox
from sync.agent import ClientSettings, HeadOfficeClient
from tests.e2e.real_head_office import ROOT, RealHeadOffice
from tests.e2e.relay_head_office import free_port

WEBHOOK_PATH = "/hooks/paypal/webhook"


@dataclass
class PayPalHeadOffice:
    hq: RealHeadOffice
    worker: subprocess.Popen[bytes]
    sandbox: PayPalSandbox

    @property
    def url(self) -> str:
        return self.hq.url

    @property
    def webhook_url(self) -> str:
        return self.hq.url + WEBHOOK_PATH

    def enroll(self, store: str = "DEMO", name: str = "PayPal till") -> str:
        """A new terminal of ``store``; returns its token."""
        [code] = self.hq.codes([store])
        client = HeadOfficeClient(ClientSettings(self.hq.url))
        try:
            return client.enroll(code, name).token
        finally:
            client.close()

    def client(self, token: str) -> HeadOfficeClient:
        return HeadOfficeClient(ClientSettings(self.hq.url, read_timeout_s=10), token=token)

    def results(self, token: str) -> list[dict[str, Any]]:
        """Every PayPal result of the terminal with ``token``, as its pull sees them."""
        client = self.client(token)
        try:
            results: list[dict[str, Any]] = client.paypal_results(0)["results"]
            return results
        finally:
            client.close()

    def wait_results(
        self, token: str, order_id: str, count: int = 1, timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The results of ``order_id`` once head office made ``count`` of them."""
        end = time.monotonic() + timeout
        while True:
            mine = [r for r in self.results(token) if r["order_id"] == order_id]
            if len(mine) >= count:
                return mine
            if time.monotonic() > end:
                raise AssertionError(f"head office made {len(mine)} results for {order_id}")
            time.sleep(0.1)

    def order(self, order_id: str) -> dict[str, Any] | None:
        """Head office's registration of ``order_id`` (None: not registered)."""
        out = self.hq.shell(
            "import json\n"
            "from sync.server.callbacks.paypal_models import PayPalOrder\n"
            f"o = PayPalOrder.objects.filter(order_id={order_id!r}).first()\n"
            "print(json.dumps(None if o is None else {'amount_minor': o.amount_minor,"
            " 'currency': o.currency, 'terminal': o.terminal.code}))"
        )
        found: dict[str, Any] | None = json.loads(out)
        return found

    def set_order(self, order_id: str, amount_minor: int, currency: str) -> None:
        """Change a registered order's amount at head office (a bug or tampering there)."""
        self.hq.shell(
            "from sync.server.callbacks.paypal_models import PayPalOrder\n"
            f"n = PayPalOrder.objects.filter(order_id={order_id!r})"
            f".update(amount_minor={amount_minor}, currency={currency!r})\n"
            "assert n == 1, n"
        )

    def deliver(self, event: dict[str, Any]) -> int:
        """POST ``event`` to head office signed by the sandbox, as PayPal would; the status."""
        body = json.dumps(event, separators=(",", ":")).encode()
        box = self.sandbox
        headers = box.signer.headers(body, box.webhook_id, box.cert_url, datetime.now(UTC))
        request = urllib.request.Request(self.webhook_url, body, headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return int(response.status)
        except urllib.error.HTTPError as exc:
            return int(exc.code)


def capture_completed(
    order_id: str, capture_id: str, value: str, currency: str = "USD"
) -> dict[str, Any]:
    """A PAYMENT.CAPTURE.COMPLETED event as PayPal (and the sandbox) shape it."""
    stamp = f"{time.time_ns():x}".upper()
    return {
        "id": f"WH-{stamp}-{capture_id}",
        "event_version": "1.0",
        "create_time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "resource_type": "capture",
        "resource_version": "2.0",
        "event_type": "PAYMENT.CAPTURE.COMPLETED",
        "summary": "Payment completed",
        "resource": {
            "id": capture_id,
            "status": "COMPLETED",
            "amount": {"currency_code": currency, "value": value},
            "supplementary_data": {"related_ids": {"order_id": order_id}},
        },
    }


@contextlib.contextmanager
def paypal_head_office(folder: Path, sandbox: PayPalSandbox) -> Iterator[PayPalHeadOffice]:
    """Serve and work until the block ends; both SIGKILLed then (process groups). The
    sandbox's webhooks go to this head office from now on."""
    folder.mkdir(parents=True, exist_ok=True)
    trust = folder / "paypal-trust.pem"
    trust.write_bytes(sandbox.signer.ca_pem)
    hq = RealHeadOffice(folder, free_port())
    hq.env.update(
        {
            "KAUNTA_HQ_PUBLIC_URL": hq.url,
            "KAUNTA_HQ_PAYPAL_WEBHOOK_ID": sandbox.webhook_id,
            "KAUNTA_HQ_PAYPAL_VERIFY": "offline",
            "KAUNTA_HQ_PAYPAL_CERT_HOSTS": "127.0.0.1",
            "KAUNTA_HQ_PAYPAL_TRUST_STORE": str(trust),
            "KAUNTA_HQ_PAYPAL_CERT_INSECURE": "1",
            "KAUNTA_HQ_PAYPAL_IPN_URL": sandbox.base_url + "/cgi-bin/webscr",
        }
    )
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
    sandbox.add_webhook_listener(hq.url + WEBHOOK_PATH)
    try:
        yield PayPalHeadOffice(hq, worker, sandbox)
    finally:
        with contextlib.suppress(ValueError):
            sandbox.webhook_urls.remove(hq.url + WEBHOOK_PATH)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        hq.kill()
