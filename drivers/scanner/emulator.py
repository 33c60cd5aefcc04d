"""A serial barcode scanner over a pty or socket: sends the codes it is given."""

from __future__ import annotations

from drivers.scanner.codec import frame


class ScannerEmulator:
    """Scanners only talk; whatever the till sends them is ignored."""

    def __init__(self, terminator: str = "CR", *, stx_etx: bool = False, aim: str = "") -> None:
        self.terminator = terminator
        self.stx_etx = stx_etx
        self.aim = aim

    def feed(self, data: bytes) -> bytes:
        return b""

    def scan(self, code: str) -> bytes:
        return frame(code, self.terminator, stx_etx=self.stx_etx, aim=self.aim)


def main(argv: list[str] | None = None) -> int:
    """``kaunta emulate scanner [--tcp PORT | --pty]``: each line typed is scanned."""
    import argparse
    import sys

    from drivers.emulator_link import EmulatorServer, Link, PtyLink, TcpLink

    p = argparse.ArgumentParser(prog="kaunta emulate scanner")
    p.add_argument("--tcp", type=int, metavar="PORT")
    p.add_argument("--pty", action="store_true")
    p.add_argument("--terminator", default="CR", choices=("CR", "LF", "CRLF", "TAB"))
    args = p.parse_args(argv)
    model = ScannerEmulator(args.terminator)
    link: Link = PtyLink() if args.pty else TcpLink(args.tcp or 9102)
    server = EmulatorServer(link, model, name="scanner-emulator").start()
    print(f"scanner emulator on {server.url}; type a code and Enter", flush=True)
    try:
        for line in sys.stdin:
            if line.strip():
                link.write(model.scan(line.strip()))
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
