"""``kaunta sandbox etims``: run the simulator in the foreground until Ctrl+C.

The approved devices are the demo ones unless ``--device TIN:BHF:SERIAL`` (repeatable)
names others, so an integrator can initialise the device their own till is set up with.
``python -m sync.etims.sandbox`` takes the same options; :func:`add_options` and
:func:`devices_from` let the ``kaunta`` command line offer them too.
"""

from __future__ import annotations

import argparse
import re
import sys
import time

from sync.etims.sandbox.server import (
    CONTROL_PREFIX,
    DEMO_SERIAL,
    DEMO_SERIAL_01,
    DEMO_TIN,
    EtimsSandbox,
)

__all__ = ["add_options", "devices_from", "main", "parse_device", "serve"]

#: a KRA PIN: a letter, nine digits, a letter (P051234567X)
PIN = re.compile(r"[A-Z][0-9]{9}[A-Z]")
#: a branch id: two digits, 00 the head office
BRANCH = re.compile(r"[0-9]{2}")

Devices = list[tuple[str, str, str]]


def parse_device(text: str) -> tuple[str, str, str]:
    """``TIN:BHF:SERIAL`` as (tin, bhf_id, serial); the serial may hold colons and
    slashes. ``argparse.ArgumentTypeError`` names what is wrong."""
    parts = text.split(":", 2)
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(f"{text!r} is not TIN:BHF:SERIAL")
    tin, bhf, serial = (p.strip() for p in parts)
    if not PIN.fullmatch(tin):
        raise argparse.ArgumentTypeError(
            f"{tin!r} is not a KRA PIN (a letter, nine digits, a letter)"
        )
    if not BRANCH.fullmatch(bhf):
        raise argparse.ArgumentTypeError(f"branch {bhf!r} is not two digits (00, 01, ...)")
    if not serial:
        raise argparse.ArgumentTypeError(f"{text!r} has no device serial")
    return tin, bhf, serial


def add_options(parser: argparse.ArgumentParser) -> None:
    """The simulator's own options (``--device``) on ``parser``."""
    parser.add_argument(
        "--device",
        action="append",
        type=parse_device,
        metavar="TIN:BHF:SERIAL",
        help=(
            "an approved device (repeatable); without any, the demo devices "
            f"{DEMO_TIN}:00:{DEMO_SERIAL} and {DEMO_TIN}:01:{DEMO_SERIAL_01}"
        ),
    )


def devices_from(args: argparse.Namespace) -> Devices | None:
    """The devices ``--device`` named (None: the demo ones); the same one twice is an
    error, as KRA approves a (PIN, branch, serial) once."""
    devices: Devices | None = getattr(args, "device", None)
    if devices is not None and len(set(devices)) != len(devices):
        raise ValueError("the same --device is given twice")
    return devices


def serve(host: str = "127.0.0.1", port: int = 0, devices: Devices | None = None) -> None:
    """Run a sandbox until Ctrl+C, printing its URL and its approved devices."""
    box = EtimsSandbox(host=host, port=port, devices=devices).start()
    print(f"eTIMS OSCU sandbox running at {box.base_url}")
    if devices is None:
        print(f"  KRA PIN (tin):   {DEMO_TIN}")
        print(f"  branch 00:       device serial {DEMO_SERIAL}")
        print(f"  branch 01:       device serial {DEMO_SERIAL_01}")
    else:
        for tin, bhf, serial in devices:
            print(f"  device:          tin {tin}, branch {bhf}, serial {serial}")
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


def main(argv: list[str] | None = None) -> int:
    """``python -m sync.etims.sandbox [--host H] [--port P] [--device TIN:BHF:SERIAL]``:
    0 after Ctrl+C, 2 for bad options or a port it cannot listen on."""
    parser = argparse.ArgumentParser(
        prog="kaunta sandbox etims", description="a local KRA eTIMS OSCU simulator"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    add_options(parser)
    args = parser.parse_args(argv)
    try:
        devices = devices_from(args)
    except ValueError as exc:
        parser.error(str(exc))
    try:
        serve(args.host, args.port, devices)
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(
            f"kaunta: cannot listen on {args.host}:{args.port}: {exc.strerror or exc}",
            file=sys.stderr,
        )
        return 2
    return 0
