"""``kaunta sandbox etims``: run the simulator in the foreground until Ctrl+C."""

from __future__ import annotations

import time

from sync.etims.sandbox.server import (
    CONTROL_PREFIX,
    DEMO_SERIAL,
    DEMO_SERIAL_01,
    DEMO_TIN,
    EtimsSandbox,
)

__all__ = ["serve"]


def serve(host: str = "127.0.0.1", port: int = 0) -> None:
    """Run a sandbox until Ctrl+C, printing its URL and the demo device."""
    box = EtimsSandbox(host=host, port=port).start()
    print(f"eTIMS OSCU sandbox running at {box.base_url}")
    print(f"  KRA PIN (tin):   {DEMO_TIN}")
    print(f"  branch 00:       device serial {DEMO_SERIAL}")
    print(f"  branch 01:       device serial {DEMO_SERIAL_01}")
    print(f"  verification:    {box.verify_host}/common/link/etims/receipt/indexEtimsReceiptData")
    print(f"  control:         {box.verify_host}{CONTROL_PREFIX}fault, …/settings, …/invoices")
    print("Press Ctrl+C to stop.", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        box.stop()
