"""Training mode's PayPal sandbox and its training head office, joined (``pos.training_hq``).

The training head office (:class:`pos.training_hq.TrainingHeadOffice`) verifies the
sandbox's signed webhooks as a live head office verifies PayPal's; what it needs to know
about PayPal for that (the settings, the webhook path, the trust file) and the link that
joins the two whichever starts first live here, in PayPal's own package, so the training
head office names no gateway (``tests/test_no_gateway_codes.py``).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox import PayPalSandbox

#: where the head office takes PayPal's webhooks (``sync/server/urls.py``)
PAYPAL_WEBHOOK_PATH = "/hooks/paypal/webhook"
#: the training PayPal sandbox's root certificate, the training head office's trust store
PAYPAL_TRUST_FILE = "paypal-trust.pem"

log = logging.getLogger(__name__)


class TrainingOffice(Protocol):
    """What the link needs of the training head office."""

    @property
    def folder(self) -> Path: ...

    @property
    def port(self) -> int: ...

    @property
    def paypal_webhook_url(self) -> str: ...


def paypal_env(folder: Path) -> dict[str, str]:
    """The head-office settings that make it verify the training sandbox's webhooks as a
    live head office verifies PayPal's (docs/headoffice.md, "PayPal webhooks and IPN")."""
    from pos.payments.paypal.sandbox.server import DEMO_WEBHOOK_ID

    return {
        "KAUNTA_HQ_PAYPAL_WEBHOOK_ID": DEMO_WEBHOOK_ID,
        "KAUNTA_HQ_PAYPAL_VERIFY": "offline",
        "KAUNTA_HQ_PAYPAL_CERT_HOSTS": "127.0.0.1",
        "KAUNTA_HQ_PAYPAL_TRUST_STORE": str((folder / PAYPAL_TRUST_FILE).resolve()),
        # the sandbox serves its certificates over plain http on loopback (training only)
        "KAUNTA_HQ_PAYPAL_CERT_INSECURE": "1",
        # training never asks live PayPal: the sandbox sends no IPN by itself, and an IPN
        # posted here by hand is not verified (nothing answers on the discard port)
        "KAUNTA_HQ_PAYPAL_IPN_URL": "http://127.0.0.1:9/cgi-bin/webscr",
    }


class PayPalWebhookLink:
    """Joins training mode's PayPal sandbox and its head office, whichever is up first.

    Both live as long as the till (the sandbox in its process, the head office as its
    child); the till's process has at most one of each at a time. Once both are offered,
    the sandbox's root certificate is written to the head office's trust store and then
    the head office is added as a webhook listener of the sandbox.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sandbox: PayPalSandbox | None = None
        self._office: TrainingOffice | None = None
        #: (head-office webhook URL, sandbox base URL) of the joins made (tests, log)
        self.joined: list[tuple[str, str]] = []

    def offer_sandbox(self, sandbox: PayPalSandbox) -> None:
        """The training sandbox serves; its webhooks go to the head office once it is up."""
        with self._lock:
            self._sandbox = sandbox
            self._join()

    def withdraw_sandbox(self, sandbox: PayPalSandbox) -> None:
        with self._lock:
            if self._sandbox is sandbox:
                office, self._sandbox = self._office, None
                if office is not None:
                    sandbox.remove_webhook_listener(office.paypal_webhook_url)

    def offer_head_office(self, office: TrainingOffice) -> None:
        """The training head office serves (its port is known)."""
        with self._lock:
            self._office = office
            self._join()

    def withdraw_head_office(self, office: TrainingOffice) -> None:
        """The head office stops: the sandbox stops delivering to it."""
        with self._lock:
            if self._office is not office:
                return
            self._office = None
            if self._sandbox is not None and office.port:
                self._sandbox.remove_webhook_listener(office.paypal_webhook_url)

    def _join(self) -> None:
        sandbox, office = self._sandbox, self._office
        if sandbox is None or office is None:
            return
        if not sandbox.running:  # stopped since it was offered (the till closed payments)
            self._sandbox = None
            return
        expected = paypal_env(office.folder)["KAUNTA_HQ_PAYPAL_WEBHOOK_ID"]
        if sandbox.webhook_id != expected:
            log.warning(
                "training PayPal sandbox signs for webhook id %s, the training head office "
                "expects %s: its webhooks are not sent there",
                sandbox.webhook_id,
                expected,
            )
            return
        trust = office.folder / PAYPAL_TRUST_FILE
        try:
            part = trust.with_suffix(".part")
            part.write_bytes(sandbox.signer.ca_pem)
            os.replace(part, trust)
        except OSError:
            log.exception("training head office: the PayPal sandbox's root was not written")
            return
        sandbox.add_webhook_listener(office.paypal_webhook_url)
        self.joined.append((office.paypal_webhook_url, sandbox.base_url))
        log.info("training PayPal sandbox sends its webhooks to %s", office.paypal_webhook_url)


#: the till process's one link between its training PayPal sandbox and head office
PAYPAL_WEBHOOKS = PayPalWebhookLink()


def offer_paypal_sandbox(sandbox: PayPalSandbox) -> None:
    """``pos.app``: the training PayPal sandbox serves (see :class:`PayPalWebhookLink`)."""
    PAYPAL_WEBHOOKS.offer_sandbox(sandbox)


__all__ = [
    "PAYPAL_TRUST_FILE",
    "PAYPAL_WEBHOOKS",
    "PAYPAL_WEBHOOK_PATH",
    "PayPalWebhookLink",
    "TrainingOffice",
    "offer_paypal_sandbox",
    "paypal_env",
]
