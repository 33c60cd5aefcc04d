"""``kaunta`` command line: run the till, import a catalog, run benchmarks."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pos.config import Config, ConfigError, load_config

#: ``kaunta emulate NAME``: each device's emulator module, with a ``main(argv)``.
EMULATORS: dict[str, str] = {
    "printer": "drivers.escpos.emulator",
    "display": "drivers.display.emulator",
    "scanner": "drivers.scanner.emulator",
    "zvt": "drivers.zvt.emulator",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="kaunta",
        description="Kaunta point of sale. With no command, starts the till.",
        epilog=(
            "With no config file, `kaunta` shows the set-up wizard: set up the shop, or try "
            "training mode (demo store and catalog) in one click."
        ),
    )
    p.add_argument("--config", type=Path, help="config file (default: platform config dir)")
    p.add_argument("--data-dir", type=Path, help="data folder (default: platform data dir)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--training", action="store_true", default=None, help="training mode")
    mode.add_argument(
        "--live",
        dest="training",
        action="store_false",
        help="real sales (needs the config the set-up wizard writes)",
    )
    p.add_argument("--print-paths", action="store_true", help="show config/data paths and exit")
    sub = p.add_subparsers(dest="command")

    run = sub.add_parser("run", help="start the till (the default)")
    run.add_argument(
        "--smoke",
        action="store_true",
        help="training only: log in the demo cashier, report start-up time and RSS, quit",
    )
    run.add_argument(
        "--smoke-sale",
        action="store_true",
        help="with --smoke: also ring up and pay one sale through the screens (installer check)",
    )

    imp = sub.add_parser("import-catalog", help="import products from a CSV file")
    imp.add_argument("file", type=Path)
    imp.add_argument("--skip-errors", action="store_true", help="import the good rows anyway")

    sub.add_parser(
        "verify",
        help="verify every seal of the journal and the stored KRA eTIMS signatures (exit 0 "
        "verified, 1 tampered with, 2 cannot be checked); changes nothing",
    )

    bench = sub.add_parser("bench", help="performance benchmarks (see docs/performance.md)")
    bench_sub = bench.add_subparsers(dest="bench_target", required=True)
    store = bench_sub.add_parser("store", help="catalog, sale and report speed on SQLite")
    store.add_argument("--products", type=int, default=1_000_000)
    store.add_argument("--sales", type=int, default=1_000_000, help="sales in the year")
    store.add_argument("--samples", type=int, default=2000, help="timed operations per metric")
    store.add_argument("--json", action="store_true", help="print one JSON object")
    store.add_argument("--dir", type=Path, help="keep the bench database here")
    store.add_argument(
        "--built-app",
        type=Path,
        help="also time the start-up of this built till (installer/build.py: dist/kaunta/kaunta)",
    )
    pay = bench_sub.add_parser(
        "payments", help="gateway clients vs raw HTTP, and approval-to-receipt time"
    )
    pay.add_argument(
        "--samples", type=int, default=200, help="payments per method (approval test: max 30)"
    )
    pay.add_argument("--json", action="store_true", help="print one JSON object")
    _add_bench_ui(bench_sub)
    devices = bench_sub.add_parser(
        "devices", help="receipt printing over a pty vs wire time, receipt size, card overhead"
    )
    devices.add_argument("--samples", type=int, default=10, help="timed receipts")
    devices.add_argument("--json", action="store_true", help="print one JSON object")
    emulate = sub.add_parser(
        "emulate", help="run a device emulator (printer, display, scanner...) for integrators"
    )
    emulate.add_argument("device", choices=sorted(EMULATORS))
    emulate.add_argument("options", nargs=argparse.REMAINDER, help="--tcp PORT | --pty ...")
    _add_bench_etims(bench_sub)
    _add_bench_sync(bench_sub)
    _add_bench_headoffice(bench_sub)
    sandbox = sub.add_parser(
        "sandbox",
        help="run a local simulator (M-Pesa Daraja, PayPal or KRA eTIMS OSCU) for integrators",
    )
    sandbox.add_argument("gateway", choices=("mpesa", "paypal", "etims"))
    sandbox.add_argument("--host", default="127.0.0.1", help="address to listen on")
    sandbox.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    sandbox.add_argument(
        "--device",
        action="append",
        metavar="TIN:BHF:SERIAL",
        help="eTIMS only: an approved device (repeatable); without any, the demo devices",
    )  # checked by the simulator's own parser when it starts (no import at every start)
    _add_backup_commands(sub)
    key = sub.add_parser(
        "etims-key",
        help="back up (export) or restore (import) this till's KRA eTIMS communication key",
    )
    key.add_argument("action", choices=("export", "import"))
    key.add_argument("file", type=Path, help="the backup file (export: a new one)")
    return p


# -- kaunta bench ui (docs/performance.md, "UI") ---------------------------------------------


def _add_bench_ui(bench_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    ui = bench_sub.add_parser(
        "ui", help="the real window offscreen: scan to paint, scans lost, dialog opens"
    )
    ui.add_argument("--samples", type=int, default=200, help="timed scans (scan to paint)")
    ui.add_argument("--dialog-samples", type=int, default=30, help="timed opens of each dialog")
    ui.add_argument("--burst", type=int, default=20, help="scans per state in the bursts")
    ui.add_argument("--json", action="store_true", help="print one JSON object")


def run_bench_ui(args: argparse.Namespace) -> int:
    from pos.bench.ui import run_ui

    return run_ui(args)


# -- kaunta bench etims (docs/etims.md, "Performance") --------------------------------------


def _add_bench_etims(bench_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    etims = bench_sub.add_parser(
        "etims", help="eTIMS client overhead over raw HTTP, and a 10,000-sale backlog"
    )
    etims.add_argument("--samples", type=int, default=300, help="timed invoices (overhead)")
    etims.add_argument("--backlog", type=int, default=10_000, help="sales queued in the outage")
    etims.add_argument(
        "--latency-s", type=float, default=0.0, help="seconds each simulator answer waits"
    )
    etims.add_argument(
        "--hq", action="store_true", help="also the backlog at head office (PostgreSQL)"
    )
    etims.add_argument("--hq-database", choices=("postgres", "sqlite"), default="postgres")
    etims.add_argument("--json", action="store_true", help="print one JSON object")


def run_bench_etims(args: argparse.Namespace) -> int:
    from pos.bench.etims import run_etims

    return run_etims(args)


# -- kaunta bench sync (docs/headoffice.md, "Capacity") -------------------------------------


def _add_bench_sync(bench_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sync = bench_sub.add_parser(
        "sync", help="head-office ingest (8 agents, PostgreSQL), API p99, 100k catalog pull"
    )
    sync.add_argument("--batches", type=int, default=10, help="200-event batches per agent")
    sync.add_argument("--products", type=int, default=100_000, help="catalog size to pull")
    sync.add_argument("--json", action="store_true", help="print one JSON object")


def run_bench_sync(args: argparse.Namespace) -> int:
    from pos.bench.sync_server import run_sync

    return run_sync(args)


def _add_bench_headoffice(bench_sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from pos.bench.headoffice import add_arguments

    add_arguments(
        bench_sub.add_parser(
            "headoffice", help="head office: reconcile a 100k-line month; callback figures"
        )
    )


# -- backup and restore (docs/backups.md) ---------------------------------------------------


def _add_backup_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sub.add_parser(
        "backup", help="make a checked backup of the database now (prints the backup file)"
    )
    restore = sub.add_parser(
        "restore",
        help="put a backup in place of the database (the till must be closed; "
        "the current file is kept aside)",
    )
    restore.add_argument("file", type=Path, help="the backup file, e.g. from `kaunta backup`")


def run_backup_command(config: Config, command: str, file: Path | None) -> int:
    """``kaunta backup`` / ``kaunta restore FILE``: 0 done, 2 refused (message on stderr)."""
    from datetime import UTC, datetime

    from pos.logging_setup import setup_logging
    from pos.services.backups import BackupService, restore_lines
    from pos.store.backup import restore_backup
    from pos.store.errors import StoreError

    setup_logging(config.log_dir)
    try:
        if command == "backup":
            done = BackupService(config.database_path, config.backup).backup_now("kaunta backup")
            print(done.path)
            return 0
        assert file is not None
        result = restore_backup(config.database_path, file, now=datetime.now(UTC))
    except StoreError as exc:
        print(f"kaunta: {exc}", file=sys.stderr)
        return 2
    for line in restore_lines(result):  # the database, then each eTIMS file
        print(line)
    return 0


def no_live_setup_text(config_path: Path) -> str:
    """Live mode asked for (``--live``, ``KAUNTA_TRAINING=0``) on a computer with no live
    set-up: what to do, not a traceback. The set-up wizard writes the file; it shows when
    Kaunta starts with no mode asked for."""
    forced = (
        " and without KAUNTA_TRAINING in the environment" if "KAUNTA_TRAINING" in os.environ else ""
    )
    return (
        f"live mode needs a config file, and there is none at {config_path}: this "
        "computer has no live set-up yet.\n"
        f"Run the set-up wizard: start Kaunta without --live{forced} (type `kaunta`, or "
        "open Kaunta from the menu or desktop) and choose 'Set up my shop'. It asks for the "
        "shop's details and the first manager and writes that file; `kaunta --live` works "
        "from then on.\n"
        "To practise meanwhile: `kaunta --training`. Details: docs/setup-wizard.md."
    )


def _say_in_a_window(config_path: Path) -> None:
    """What to do, in a message box, when the till was started from an icon (no terminal
    shows stderr; a windowed build writes it only to console.log). A terminal run, and
    tests (offscreen), read stderr."""
    if sys.stderr is not None and sys.stderr.isatty():
        return
    if os.environ.get("QT_QPA_PLATFORM", "") in ("offscreen", "minimal"):
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        return  # no screen: Qt would abort the process rather than raise
    try:
        from PySide6.QtWidgets import QApplication

        from pos.ui.startup_dialog import show_no_live_setup

        app = QApplication.instance() or QApplication(sys.argv[:1])
        show_no_live_setup(config_path)
        del app
    except Exception:  # no display at all: stderr said it
        return


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = load_config(args.config, args.data_dir, args.training)
    except ConfigError as exc:
        print(f"kaunta: {exc}", file=sys.stderr)
        return 2
    for warning in config.warnings:
        print(f"kaunta: warning: {warning}", file=sys.stderr)
    if not config.training and not config.config_found:
        text = no_live_setup_text(config.config_path)
        print(f"kaunta: {text}", file=sys.stderr)
        if (args.command or "run") == "run":
            _say_in_a_window(config.config_path)
        return 2
    if args.print_paths:
        print(f"config:   {config.config_path} ({'found' if config.config_found else 'none'})")
        print(f"data:     {config.data_dir}")
        print(f"database: {config.database_path}")
        print(f"logs:     {config.log_dir}")
        print(f"mode:     {'training' if config.training else 'live'}")
        return 0
    command = args.command or "run"
    if command in ("backup", "restore"):
        return run_backup_command(config, command, getattr(args, "file", None))
    if command == "etims-key":
        from pos.etims_key_cli import run_etims_key

        return run_etims_key(config, args.action, args.file)
    if command == "import-catalog":
        from pos.app import import_catalog

        return import_catalog(config, args.file, skip_errors=args.skip_errors)
    if command == "sandbox":
        return run_sandbox(args.gateway, args.host, args.port, args)
    if command == "verify":
        from pos.verify_cli import run_verify

        return run_verify(config)
    if command == "emulate":
        import importlib

        return int(importlib.import_module(EMULATORS[args.device]).main(args.options))
    if command == "bench" and args.bench_target == "devices":
        from pos.bench.devices import run_devices

        return run_devices(args)
    if command == "bench" and args.bench_target == "ui":
        return run_bench_ui(args)
    if command == "bench" and args.bench_target == "etims":
        return run_bench_etims(args)
    if command == "bench" and args.bench_target == "sync":
        return run_bench_sync(args)
    if command == "bench" and args.bench_target == "headoffice":
        from pos.bench.headoffice import run_headoffice

        return run_headoffice(args)
    if command == "bench":
        from pos.bench import run_bench

        return run_bench(args)
    from pos.app import run_gui

    return run_gui(
        config,
        smoke=getattr(args, "smoke", False),
        smoke_sale=getattr(args, "smoke_sale", False),
        # no config file and no mode asked for: the set-up wizard (training one click away)
        offer_setup=args.training is None and "KAUNTA_TRAINING" not in os.environ,
    )


def run_sandbox(gateway: str, host: str, port: int, args: argparse.Namespace | None = None) -> int:
    """Serve a simulator until Ctrl+C; it prints its base URL and demo credentials (the
    eTIMS one its approved devices: ``--device``, else the demo ones)."""
    if getattr(args, "device", None) and gateway != "etims":
        print("kaunta: --device is for the eTIMS simulator only", file=sys.stderr)
        return 2
    try:
        if gateway == "etims":
            from sync.etims.sandbox.cli import devices_from, parse_device
            from sync.etims.sandbox.cli import serve as serve_etims

            try:
                named = getattr(args, "device", None)
                parsed = argparse.Namespace(
                    device=None if named is None else [parse_device(d) for d in named]
                )
                devices = devices_from(parsed)
            except (ValueError, argparse.ArgumentTypeError) as exc:
                print(f"kaunta: {exc}", file=sys.stderr)
                return 2
            serve_etims(host, port, devices)
            return 0
        if gateway == "mpesa":
            from pos.payments.mpesa.sandbox import serve
        else:
            from pos.payments.paypal.sandbox import serve
        serve(host, port)
    except KeyboardInterrupt:
        return 0
    except OSError as exc:
        print(f"kaunta: cannot listen on {host}:{port}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
