"""``kaunta sandbox paypal`` / ``python -m pos.payments.paypal.sandbox``: run one until Ctrl+C."""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Sequence
from typing import TextIO

from pos.payments.paypal.sandbox.server import DEFAULT_HOST, DEFAULT_PORT, PayPalSandbox

__all__ = ["main", "serve"]


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    *,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Run a sandbox until interrupted (Ctrl+C) or ``stop`` is set: ``kaunta sandbox paypal``."""
    stream = out or sys.stdout
    sandbox = PayPalSandbox(host, port)
    with sandbox:
        print(f"PayPal sandbox running at {sandbox.base_url}", file=stream)
        print(f"  client id:     {sandbox.client_id}", file=stream)
        print(f"  client secret: {sandbox.client_secret}", file=stream)
        print(f"  webhook id:    {sandbox.webhook_id}", file=stream)
        print(f"  approve page:  {sandbox.base_url}/checkoutnow?token=<order id>", file=stream)
        print(f"  waiting:       {sandbox.base_url}/__sandbox__/pending", file=stream)
        print("Press Ctrl+C to stop.", file=stream, flush=True)
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            print("Stopping.", file=stream)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m pos.payments.paypal.sandbox [--host H] [--port P]``."""
    parser = argparse.ArgumentParser(description="Run Kaunta's local PayPal sandbox.")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    serve(args.host, args.port)
    return 0
