"""``kaunta sandbox mpesa``: run a sandbox in the foreground until Ctrl+C."""

from __future__ import annotations

import time

from pos.payments.mpesa.sandbox.control import CONTROL_PREFIX
from pos.payments.mpesa.sandbox.server import (
    DEMO_CONSUMER_KEY,
    DEMO_CONSUMER_SECRET,
    DEMO_PASSKEY,
    DEMO_PHONE,
    DEMO_PIN,
    DEMO_SHORTCODE,
    DEMO_TILL,
    MpesaSandbox,
)

__all__ = ["serve"]


def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Run a sandbox until Ctrl+C, printing its URL and demo credentials.

    CallBackURLs must be HTTPS, as on Daraja (the permissive ``local_callbacks`` mode is
    for sandboxes started from Python)."""
    sandbox = MpesaSandbox(host=host, port=port)
    sandbox.start()
    print(f"M-Pesa sandbox running at {sandbox.base_url}")
    print(f"  consumer key:    {DEMO_CONSUMER_KEY}")
    print(f"  consumer secret: {DEMO_CONSUMER_SECRET}")
    print(f"  shortcode:       {DEMO_SHORTCODE} (paybill)   demo till: {DEMO_TILL}")
    print(f"  passkey:         {DEMO_PASSKEY}")
    print(f"  test phone:      {DEMO_PHONE}   customer PIN: {DEMO_PIN}")
    print("  CallBackURL:     https only, as on Daraja")
    print(f"  customer control: {sandbox.base_url}{CONTROL_PREFIX}pending, …/customer")
    print(f"  callback modes:   {sandbox.base_url}{CONTROL_PREFIX}callback-mode")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        _block_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()


def _block_forever() -> None:
    """Sleep until interrupted (a seam so tests can stand in for Ctrl+C)."""
    while True:
        time.sleep(3600)
