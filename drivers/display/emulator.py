"""A 2 x 20 pole display over a pty or socket: keeps the text it was sent."""

from __future__ import annotations

import threading

from drivers.display.codec import decode


class DisplayEmulator:
    """The display's behaviour (a :class:`drivers.emulator_link.DeviceModel`)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._lock = threading.Lock()
        self.text: tuple[str, str] = (" " * 20, " " * 20)

    def feed(self, data: bytes) -> bytes:
        with self._lock:
            self._buf += data
            # a new screen starts with ESC @: keep only the latest one
            start = self._buf.rfind(b"\x1b\x40")
            if start > 0:
                del self._buf[:start]
            self.text = decode(bytes(self._buf))
        return b""


def main(argv: list[str] | None = None) -> int:
    """``kaunta emulate display [--tcp PORT | --pty]``: show what the till displays."""
    import argparse
    import time

    from drivers.emulator_link import EmulatorServer, Link, PtyLink, TcpLink

    p = argparse.ArgumentParser(prog="kaunta emulate display")
    p.add_argument("--tcp", type=int, metavar="PORT")
    p.add_argument("--pty", action="store_true")
    args = p.parse_args(argv)
    model = DisplayEmulator()
    link: Link = PtyLink() if args.pty else TcpLink(args.tcp or 9101)
    server = EmulatorServer(link, model, name="display-emulator").start()
    print(f"display emulator on {server.url} (Ctrl+C to stop)", flush=True)
    shown = model.text
    try:
        while True:
            time.sleep(0.1)
            if model.text != shown:
                shown = model.text
                print(f"+{'-' * 20}+\n|{shown[0]}|\n|{shown[1]}|\n+{'-' * 20}+", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
