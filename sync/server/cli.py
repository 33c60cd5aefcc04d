"""``kaunta-hq``: run the head office.

kaunta-hq migrate                 create or upgrade the database (DATABASE_URL)
kaunta-hq create-admin NAME       a head-office admin (asks for the password)
kaunta-hq serve [--bind H:P] [--workers N]   gunicorn, refuses the development key
kaunta-hq status                  database, migrations, native kernel, terminals, ledger (JSON)
kaunta-hq schema [PATH]           write the OpenAPI schema (default: sync/server/openapi.yaml)
kaunta-hq reconcile GATEWAY FILE  import an M-Pesa/PayPal statement CSV and reconcile it (JSON)
kaunta-hq worker [--batch]        run background tasks (callbacks); one process per worker
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("openapi.yaml")


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
    import django

    django.setup()


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)
    return 0


def cmd_create_admin(args: argparse.Namespace) -> int:
    from django.contrib.auth.models import User
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    from sync.server.accounts.models import HqRole, Profile

    password = os.environ.get("KAUNTA_HQ_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    user = User(username=args.name, is_staff=True, is_superuser=True)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        print("Password refused: " + " ".join(exc.messages), file=sys.stderr)
        return 2
    if User.objects.filter(username=args.name).exists():
        print(f"A user named {args.name} exists already.", file=sys.stderr)
        return 2
    user.set_password(password)
    user.save()
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    print(f"Head-office admin {args.name} created.")
    return 0


def native_kernel() -> str:
    """Whether this install runs the native ingest kernel (the quick sale check and the
    sale rows in C, built by setup.py where a C compiler was installed)."""
    from sync.protocol import quick
    from sync.server.ledger import bulk

    if os.environ.get("KAUNTA_NATIVE", "1") == "0":
        return "off (KAUNTA_NATIVE=0): the Python code runs"
    if quick.NATIVE and bulk._native_rows is not None:
        return "on"
    return "not built (no C compiler at install): the Python code runs, slower"


def status() -> dict[str, Any]:
    """What ``kaunta-hq status`` prints (also used by tests)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    from sync.server.ledger.models import EventConflict, LedgerEvent
    from sync.server.terminals.models import ChainState, Terminal

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    out: dict[str, Any] = {
        "database": connection.vendor,
        "pending_migrations": len(pending),
        "native_kernel": native_kernel(),
    }
    if not pending:
        out.update(
            terminals=Terminal.objects.filter(revoked_at__isnull=True).count(),
            revoked_terminals=Terminal.objects.filter(revoked_at__isnull=False).count(),
            flagged_chains=Terminal.objects.exclude(chain_state=ChainState.OK).count(),
            ledger_events=LedgerEvent.objects.count(),
            conflicts=EventConflict.objects.count(),
        )
    return out


def cmd_status(args: argparse.Namespace) -> int:
    print(json.dumps(status(), indent=2))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings

    if settings.SECRET_KEY == settings.INSECURE_DEV_KEY and not settings.DEBUG:
        print("Set KAUNTA_HQ_SECRET_KEY (a long random string) before serving.", file=sys.stderr)
        return 2
    # /metrics adds up every worker's request counts from files here (prometheus_client's
    # multiprocess mode); counts of an earlier run are cleared.
    metrics_dir = Path(os.environ.get("PROMETHEUS_MULTIPROC_DIR") or settings.DATA_DIR / "metrics")
    metrics_dir.mkdir(parents=True, exist_ok=True)
    for stale in metrics_dir.glob("*.db"):
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    # No gunicorn access log: the app writes one JSON line per request (kaunta.hq.access).
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        args.bind,
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        # the application (and its URL configuration) imported once in the master, every
        # worker forked warm; a worker takes no more connections than it has threads, and
        # each request comes on a connection of its own, so a request is accepted by a
        # worker with a thread free for it (warm workers otherwise let the first one take
        # every keep-alive connection, its threads all held by pushes waiting for its
        # push thread; sync/server/wsgi.py, docs/headoffice.md "Capacity")
        "--preload",
        "--worker-connections",
        str(args.threads),
        "--keep-alive",
        "0",
        "sync.server.wsgi:application",
    ]
    os.execv(sys.executable, command)  # gunicorn replaces this process (signals reach it)


def write_schema(path: Path = SCHEMA_PATH) -> str:
    """Generate the OpenAPI schema; returns the YAML text (written to ``path``)."""
    from drf_spectacular.generators import SchemaGenerator
    from drf_spectacular.renderers import OpenApiYamlRenderer

    schema = SchemaGenerator().get_schema(request=None, public=True)
    text = OpenApiYamlRenderer().render(schema, renderer_context={}).decode()
    path.write_text(text, encoding="utf-8")
    return text


def cmd_schema(args: argparse.Namespace) -> int:
    write_schema(Path(args.path))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    """django-tasks' database worker for the default queue (PayPal, eTIMS) with, on threads
    beside it, one for the ``stk`` queue (STK callbacks' wake-ups) and the STK sweeper and
    heartbeat (sync/server/tasks.py); first re-enqueues what a killed worker left.
    ``--batch``: each queue runs until nothing is ready, then the command exits.
    """
    import threading

    from django.core.management import call_command

    from sync.server import tasks

    again = tasks.requeue_unprocessed()
    if again:
        print(f"Re-enqueued {again} unprocessed callback(s).", flush=True)
    opts: dict[str, Any] = {"interval": args.interval, "batch": args.batch, "verbosity": 1}
    if args.batch:
        tasks.run_stk_tasks()
        call_command("db_worker", **opts)
        return 0
    stop = threading.Event()
    stk = tasks.queue_worker(tasks.STK_QUEUE, tasks.worker_name(), args.interval)
    threads = [
        threading.Thread(target=stk.run, name="stk-callbacks", daemon=True),
        threading.Thread(target=tasks.run_stk_sweeper, args=(1.0, stop), name="stk-sweeper"),
    ]
    for thread in threads:
        thread.start()
    try:
        call_command("db_worker", **opts)  # returns after SIGTERM/SIGINT (its own handlers)
    finally:
        stop.set()
        stk.running = False  # the STK task in hand commits first; a killed one is rolled back
        for thread in threads:
            thread.join(timeout=30)
    return 0


def cmd_reconcile(args: argparse.Namespace) -> int:
    """Import a statement (docs/reconciliation.md) and print its counts as JSON."""
    from sync.server.reconcile.service import import_statement
    from sync.server.reconcile.statements import StatementError

    path = Path(args.file)
    try:
        done = import_statement(
            args.gateway,
            path.read_text(encoding="utf-8-sig"),
            file_name=path.name,
            day_first=not args.month_first,
        )
    except (OSError, UnicodeDecodeError, StatementError) as exc:
        print(f"Statement refused: {exc}", file=sys.stderr)
        return 2
    row = done.statement
    out = {
        "statement": row.pk,
        "lines": row.lines,
        "ignored_lines": row.ignored_lines,
        "matched": row.matched,
        "gateway_only": row.gateway_only,
        "ledger_only": row.ledger_only,
        "amount_mismatch": row.amount_mismatch,
    }
    print(json.dumps(out))
    return 0


def cmd_etims_verify(args: argparse.Namespace) -> int:
    """Verify every enrolled branch's signed-invoice chain from the start under the chain
    key (and keep the result for the worker, the metrics and the admin), and that the
    immutability triggers exist; ``--upgrade`` first runs the one-time re-chaining of
    chains written unkeyed before the key (refused for a chain that does not hold).
    An entry the queue calls signed whose signature row is gone is a break too (at the
    first such number, and listed under ``signatures_gone``): deleting the newest
    signature leaves every remaining link whole.
    Prints JSON; exit 1 on any break (branch and invoice number named) or missing
    trigger."""
    import getpass

    from django.db import connection

    from sync.server.etims import immutable
    from sync.server.etims.models import BranchDevice
    from sync.server.etims.store import DjangoQueue
    from sync.server.etims.tasks import check_chain

    out: dict[str, Any] = {}
    if args.upgrade:
        out["upgraded"] = DjangoQueue().upgrade_chains(f"cli:{getpass.getuser()}")
    out["missing_triggers"] = immutable.missing(connection)
    out["broken"] = {}
    out["signatures_gone"] = {}
    bad = bool(out["missing_triggers"])
    for name in out["missing_triggers"]:
        print(f"eTIMS immutability trigger missing: {name}", file=sys.stderr)
    for device in BranchDevice.objects.order_by("tin", "bhf_id"):
        point = check_chain(device, full=True)
        if point.broken_invc_no is not None:
            bad = True
            out["broken"][device.key] = point.broken_invc_no
            print(
                f"eTIMS chain broken: branch {device.key} invoice {point.broken_invc_no}",
                file=sys.stderr,
            )
            gone = DjangoQueue().signatures_gone(device.key, device=device)
            if gone:
                out["signatures_gone"][device.key] = list(gone)
            for number in gone:
                print(
                    f"eTIMS signature gone: branch {device.key} invoice {number}: signed "
                    "in the queue, but its signature is gone",
                    file=sys.stderr,
                )
    print(json.dumps(out))
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kaunta-hq", description="Kaunta head office")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="create or upgrade the database").set_defaults(f=cmd_migrate)
    p = sub.add_parser("create-admin", help="create a head-office admin")
    p.add_argument("name")
    p.set_defaults(f=cmd_create_admin)
    p = sub.add_parser("serve", help="serve with gunicorn")
    p.add_argument("--bind", default="127.0.0.1:8000")
    p.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    p.add_argument(
        "--threads",
        type=int,
        default=4,
        help="threads per worker: small calls interleave with long pushes instead of queueing",
    )
    p.set_defaults(f=cmd_serve)
    sub.add_parser("status", help="show status as JSON").set_defaults(f=cmd_status)
    p = sub.add_parser("schema", help="write the OpenAPI schema")
    p.add_argument("path", nargs="?", default=str(SCHEMA_PATH))
    p.set_defaults(f=cmd_schema)
    p = sub.add_parser("reconcile", help="import a gateway statement and reconcile it")
    p.add_argument("gateway", choices=("mpesa", "paypal"))
    p.add_argument("file", help="the M-Pesa org portal statement or PayPal activity CSV")
    p.add_argument("--month-first", action="store_true", help="PayPal dates are MM/DD/YYYY")
    p.set_defaults(f=cmd_reconcile)
    etims = sub.add_parser("etims", help="head office's eTIMS").add_subparsers(
        dest="etims_command", required=True
    )
    p = etims.add_parser("verify", help="verify the signed-invoice chains and triggers")
    p.add_argument(
        "--upgrade", action="store_true", help="re-chain old unkeyed chains keyed (once)"
    )
    p.set_defaults(f=cmd_etims_verify)
    p = sub.add_parser("worker", help="run background tasks")
    p.add_argument("--batch", action="store_true", help="exit when the queue is empty")
    p.add_argument("--interval", type=float, default=0.2, help="seconds between polls")
    p.set_defaults(f=cmd_worker)
    args = parser.parse_args(argv)
    setup()
    return int(args.f(args))


if __name__ == "__main__":
    sys.exit(main())
