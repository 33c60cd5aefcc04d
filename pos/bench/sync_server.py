"""Head-office figures for ``kaunta bench sync --json`` (docs/headoffice.md, "Capacity").

- ``ingest_events_per_s``: sale events applied into PostgreSQL by the real head office
  (gunicorn, ``kaunta-hq serve``) from 8 concurrent agents pushing batches of 200 over HTTP
  on 127.0.0.1: every event parsed by the protocol's parser, deduplicated by UUID and
  projected into sales, lines, VAT and payments in one transaction per batch.
- ``ingest_raw_ratio``: that rate over a plain psycopg ``COPY`` of the very rows the run
  wrote (every ledger table), into empty copies of those tables, in the same run (the
  median of :data:`COPY_RUNS` COPY runs back to back, since 4 Dec);
  ``ingest_raw_cpu_ratio`` the COPY's CPU per event over the ingest's.
- ``api_p99_ms``: the 99th percentile of small API calls (heartbeat, changes) made by a
  probe while the ingest runs, one started every 40 ms (since 3 Dec; before, back to
  back with a 10 ms pause); ``push_p99_ms`` the same for the 200-event pushes.
- ``push_single_p50_ms`` / ``push_single_p99_ms``: an online till's push of one sale,
  :data:`SINGLE_PUSHES` of them back to back after the ingest, and their CPU per push in
  the head office (``push_single_app_cpu_ms``) and PostgreSQL (``push_single_db_cpu_ms``):
  the fixed cost of a push, which the 1,000-terminal arithmetic needs (since 7 Dec).
- ``native_kernel``: whether the head office ran the native ingest kernel (the quick sale
  check and the sale rows in C, built by setup.py; since 8 Dec) or the Python code alone.
- ``catalog_initial_100k_s``: a newly enrolled terminal pulls a 100,000-product catalog
  page by page (1,000 a page) over HTTP and reads every page as JSON.

The database is ``DATABASE_URL`` when it names PostgreSQL, otherwise a throwaway cluster
(``sync.server.devcluster``). Set-up (documents, terminals, the 100k products) is not timed.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pos.domain.ids import uuid7
from pos.domain.money import Money
from pos.domain.sale import CashRounding, ProductRef, Sale
from pos.domain.tax import KENYA_VAT
from pos.services.sync_events import sale_document
from pos.store.repositories import JournalHeader
from sync.protocol import content_hash
from sync.protocol.batch import ChainHead, batch_document

ROOT = Path(__file__).resolve().parents[2]
AGENTS = 8
#: the head office data folder (push slots) under the system temp folder
BENCH_DATA = "kaunta-bench-sync"
BATCH = 200
#: the probe starts a small call every this many seconds (25 a second)
PROBE_EVERY_S = 0.04
LEDGER_TABLES = (
    "hq_ledger_ledgerevent",
    "hq_ledger_sale",
    "hq_ledger_saleline",
    "hq_ledger_salevat",
    "hq_ledger_salepayment",
)


def _template(store_id: str, terminal_id: str) -> dict[str, Any]:
    t0 = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    cashier = str(uuid7(1, b"\x00" * 10))
    sale = Sale(str(uuid7(2, b"\x00" * 10)), "KES", t0, cashier)
    for n, (sku, price, vat) in enumerate((("DAI-0001", "65", "S"), ("FLR-0001", "88", "E"))):
        sale.add_product(
            ProductRef(n + 1, sku, None, sku, Money.parse(price, "KES"), vat),
            2,
            str(uuid7(3 + n, b"\x00" * 10)),
        )
    sale.pay_cash(
        Money.parse("1000", "KES"),
        table=KENYA_VAT,
        increment=100,
        mode=CashRounding.NEAREST,
        payment_id="cash-1",
        at=t0,
    )
    sale.complete(KENYA_VAT)
    header = JournalHeader(
        cashier_id=cashier,
        number=f"{store_id}-{terminal_id}-000001",
        seq=1,
        store_id=store_id,
        terminal_id=terminal_id,
        cashier_name="Bench",
        closed_at=t0 + timedelta(minutes=1),
        business_date="2026-03-02",
        training=False,
        change=sale.change_due(KENYA_VAT),
    )
    return sale_document(
        sale,
        sale.totals(KENYA_VAT),
        KENYA_VAT,
        header,
        event_id=str(uuid7(9, b"\x00" * 10)),
        seq=1,
    )


def batches(
    store_id: str, terminal_id: str, agent: int, count: int, size: int = BATCH
) -> list[bytes]:
    """``count`` batches of ``size`` distinct sale events for one terminal."""
    template = _template(store_id, terminal_id)
    ms = int(time.time() * 1000)
    out: list[bytes] = []
    seq = 0
    for b in range(count):
        events = []
        for _ in range(size):
            seq += 1
            salt = (agent << 40 | seq).to_bytes(10, "big")
            body = {
                **template["body"],
                "sale_id": str(uuid7(ms, salt)),
                "receipt_number": f"{store_id}-{terminal_id}-{seq:06d}",
            }
            events.append(
                {
                    **template,
                    "event_id": str(uuid7(ms + 1, salt)),
                    "seq": seq,
                    "body": body,
                    "hash": content_hash(body),
                }
            )
        doc = batch_document(
            store_id=store_id,
            terminal_id=terminal_id,
            sent_at=datetime.now(UTC),
            chain_head=ChainHead(b + 1, f"{b + 1:064x}"),
            events=events,
        )
        out.append(json.dumps(doc, separators=(",", ":")).encode())
    return out


@contextmanager
def _database() -> Iterator[str]:
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        yield url
        return
    from sync.server.devcluster import cluster

    with cluster() as url:
        yield url


def _env(url: str) -> dict[str, str]:
    # the server's files (push slots) go to a folder of the bench's own, never into the
    # checkout it runs from (settings' default data folder is the working directory)
    data = Path(os.environ.get("KAUNTA_HQ_DATA_DIR") or Path(tempfile.gettempdir()) / BENCH_DATA)
    data.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "KAUNTA_HQ_DATA_DIR": str(data),
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "sync.server.settings",
        "KAUNTA_HQ_SECRET_KEY": "bench-only-" + "k" * 40,
        "KAUNTA_HQ_THROTTLE_TERMINAL": "100000/min",
        "KAUNTA_HQ_THROTTLE_ADDRESS": "1000000/min",
        "KAUNTA_HQ_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def _prepare(url: str, products: int) -> list[tuple[str, str, str]]:
    """Migrate, make a store with AGENTS + 1 terminals and ``products`` products; returns
    (store, terminal, token) per terminal. Runs Django in this process."""
    os.environ.update({k: v for k, v in _env(url).items() if k != "PYTHONPATH"})
    import django
    from django.core.management import call_command
    from django.db import connections, transaction

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from sync.server.catalog.models import Product, VatClass, reserve_versions
    from sync.server.terminals.enroll import enroll
    from sync.server.terminals.models import EnrollmentCode, Organisation, Store

    org = Organisation.objects.create(name=f"Bench {time.time_ns()}")
    store = Store.objects.create(organisation=org, code=f"B{time.time_ns() % 10**9}", name="B")
    out = []
    for n in range(AGENTS + 1):
        _, code = EnrollmentCode.make(store)
        got = enroll(code, f"bench {n}")
        out.append((store.code, got.terminal.code, got.token))
    vat = VatClass.objects.get(code="S")
    with transaction.atomic():
        first = reserve_versions(products)
        Product.objects.bulk_create(
            (
                Product(
                    organisation=org,
                    sku=f"SKU-{n:06d}",
                    name=f"Product {n}",
                    category="Bench",
                    vat_class=vat,
                    price_minor=100 + n,
                    version=first + n,
                )
                for n in range(products)
            ),
            batch_size=5000,
        )
    connections.close_all()
    return out


@contextmanager
def _server(url: str, workers: int) -> Iterator[tuple[int, int]]:
    from sync.server.devcluster import free_port

    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sync.server.cli",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
        ],
        env=_env(url),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/readyz")
                if c.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.05)
        yield port, proc.pid  # the serve process becomes gunicorn's master (execv)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _call(
    conn: http.client.HTTPConnection, method: str, path: str, token: str, body: bytes | None = None
) -> tuple[int, bytes, float]:
    start = time.perf_counter()
    conn.request(
        method,
        path,
        body=body,
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    r = conn.getresponse()
    data = r.read()
    return r.status, data, time.perf_counter() - start


def _ledger_bytes(url: str) -> int:
    """Bytes on disk of the ledger tables with their indexes and TOAST (the JSON documents)."""
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT sum(pg_total_relation_size(t::regclass)) FROM unnest(%s::text[]) AS t",
            [list(LEDGER_TABLES)],
        ).fetchone()
    return int(row[0] or 0) if row else 0


#: the plain COPY baseline is timed this many times, back to back; its median is used
COPY_RUNS = 3


def _backend_cpu_s(conn: Any) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (Linux ``/proc``,
    a local server; None otherwise)."""
    row = conn.execute("SELECT pg_backend_pid()").fetchone()
    try:
        fields = Path(f"/proc/{row[0] if row else 0}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _dump_ledger(url: str) -> dict[str, bytes]:
    """Every ledger table's rows as ``COPY`` text: what the ingest wrote (taken before the
    single pushes, so the baseline copies exactly the ingest's rows)."""
    import psycopg

    dumps = {}
    with psycopg.connect(url) as conn:
        for table in LEDGER_TABLES:
            buf = io.BytesIO()
            with conn.cursor().copy(f"COPY (SELECT * FROM {table}) TO STDOUT") as cp:
                for chunk in cp:
                    buf.write(chunk)
            dumps[table] = buf.getvalue()
    return dumps


def _copy_baseline(url: str, dumps: dict[str, bytes]) -> tuple[list[float], float | None]:
    """Seconds for a plain COPY of ``dumps`` (every ledger row the ingest wrote) into empty
    copies of the ledger tables, :data:`COPY_RUNS` times (tables made again each time),
    and the median run's CPU (this process plus the PostgreSQL backend) in seconds, or
    None without ``/proc``.

    One COPY takes one to three seconds, a snapshot of a shared machine's load: timed
    once, it swung from 6,263 to 13,152 events/s between two runs a minute apart at the
    same load average (4 Dec), and the ratio with it; the median of three back to back
    swings less. The CPU is what the ceiling costs whatever the load."""
    import psycopg

    with psycopg.connect(url) as conn:
        runs: list[tuple[float, float | None]] = []
        for _ in range(COPY_RUNS):
            for table in LEDGER_TABLES:
                conn.execute(f"CREATE TABLE bench_{table} (LIKE {table} INCLUDING ALL)")
            conn.commit()
            backend = _backend_cpu_s(conn)
            mine = time.process_time()
            start = time.perf_counter()
            for table, data in dumps.items():
                with conn.cursor().copy(f"COPY bench_{table} FROM STDIN") as cp:
                    cp.write(data)
            conn.commit()
            took = time.perf_counter() - start
            mine = time.process_time() - mine
            after = _backend_cpu_s(conn)
            cpu = None if backend is None or after is None else mine + after - backend
            runs.append((took, cpu))
            for table in LEDGER_TABLES:
                conn.execute(f"DROP TABLE bench_{table}")
            conn.commit()
    median = sorted(runs)[len(runs) // 2]
    return [round(t, 3) for t, _ in runs], median[1]


def _tree_cpu_s(root: int | None) -> float | None:
    """CPU seconds (user + system) used so far by process ``root`` and every descendant
    alive now (Linux ``/proc``; None elsewhere or when ``root`` is unknown). Read before
    and after the ingest: the difference is what the ingest cost that tree, whatever else
    the machine was running meanwhile (throughput on a shared machine is not)."""
    proc = Path("/proc")
    if root is None or not (proc / str(root)).exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # ended meanwhile
            continue
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        used[pid] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(used.get(pid, 0.0) for pid in tree)


def _postmaster_pid(url: str) -> int | None:
    """The local PostgreSQL server's main process (the parent of our backend), or None
    when the database runs on another machine."""
    import psycopg

    with psycopg.connect(url) as conn:  # read while the backend lives (it ends with it)
        row = conn.execute("SELECT pg_backend_pid()").fetchone()
        try:
            text = Path(f"/proc/{row[0] if row else 0}/stat").read_text()
        except OSError:  # another machine's, or no /proc
            return None
    return int(text.rsplit(")", 1)[1].split()[1])


def _per_event_ms(before: float | None, after: float | None, events: int) -> float | None:
    if before is None or after is None or not events:
        return None
    return round((after - before) * 1000 / events, 3)


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


#: single-event pushes, one after another, as an online till sends each sale
SINGLE_PUSHES = 300


def _single_pushes(
    port: int, terminal: tuple[str, str, str], master: int | None, postmaster: int | None
) -> dict[str, Any]:
    """An online till pushes each sale alone as it completes: :data:`SINGLE_PUSHES`
    one-event batches back to back on one connection, nothing else running. Their
    latency and their CPU per push (head office and PostgreSQL) are what 1,000 tills
    selling online cost (docs/headoffice.md, "From these figures to 1,000 terminals")."""
    store, code, token = terminal
    work = batches(store, code, AGENTS + 1, SINGLE_PUSHES + 10, size=1)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for raw in work[:10]:  # warm: the worker's connection and compiled look-ups
        _call(conn, "POST", "/api/v1/events", token, raw)
    took: list[float] = []
    app, db = _tree_cpu_s(master), _tree_cpu_s(postmaster)
    for raw in work[10:]:
        status, data, seconds = _call(conn, "POST", "/api/v1/events", token, raw)
        if status != 200 or b'"applied"' not in data:
            raise RuntimeError(f"a single push failed: HTTP {status} {data[:200]!r}")
        took.append(seconds * 1000)
    app_ms = _per_event_ms(app, _tree_cpu_s(master), SINGLE_PUSHES)
    db_ms = _per_event_ms(db, _tree_cpu_s(postmaster), SINGLE_PUSHES)
    return {
        "push_single_p50_ms": round(_pct(took, 50), 2),
        "push_single_p99_ms": round(_pct(took, 99), 2),
        "push_single_app_cpu_ms": app_ms,
        "push_single_db_cpu_ms": db_ms,
        "push_single_count": SINGLE_PUSHES,
    }


def server_figures(
    *, batches_per_agent: int = 10, products: int = 100_000, workers: int | None = None
) -> dict[str, Any]:
    """The head-office figures (see the module docstring)."""
    workers = workers or max(2, (os.cpu_count() or 1) * 2)
    with _database() as url:
        terminals = _prepare(url, products)
        work = [
            batches(s, t, n, batches_per_agent) for n, (s, t, _) in enumerate(terminals[:AGENTS])
        ]
        postmaster = _postmaster_pid(url)
        with _server(url, workers) as (port, master):
            push_ms: list[float] = []
            probe_ms: list[float] = []
            failures: list[str] = []
            done = threading.Event()

            def agent(n: int) -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                for raw in work[n]:
                    status, data, took = _call(conn, "POST", "/api/v1/events", terminals[n][2], raw)
                    push_ms.append(took * 1000)
                    results = json.loads(data).get("results", []) if status == 200 else []
                    if status != 200 or any(r["status"] != "applied" for r in results):
                        failures.append(f"agent {n}: HTTP {status} {data[:200]!r}")

            def probe() -> None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                token = terminals[AGENTS][2]
                beat = json.dumps(
                    {
                        "at": "2026-03-02T07:30:00Z",
                        "outbox_waiting": 0,
                        "last_sync_at": None,
                        "app_version": "bench",
                    }
                ).encode()
                # paced, not back to back: a call starts every PROBE_EVERY_S (a late one
                # starts at once, missed starts are dropped), so the probe stands for a
                # fixed number of terminals, and its own CPU does not grow when its
                # calls get faster (back to back, a faster server drew more probe calls,
                # which counted in the ingest's CPU per event)
                due = time.perf_counter()
                while not done.is_set():
                    for method, path, body in (
                        ("POST", "/api/v1/heartbeat", beat),
                        ("GET", "/api/v1/changes?limit=1&cursor=v1.0", None),
                    ):
                        _, _, took = _call(conn, method, path, token, body)
                        probe_ms.append(took * 1000)
                        due = max(due + PROBE_EVERY_S, time.perf_counter())
                        done.wait(max(0.0, due - time.perf_counter()))

            threads = [threading.Thread(target=agent, args=(n,)) for n in range(AGENTS)]
            prober = threading.Thread(target=probe)
            prober.start()
            app_cpu, db_cpu = _tree_cpu_s(master), _tree_cpu_s(postmaster)
            start = time.perf_counter()
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            ingest_s = time.perf_counter() - start
            app_cpu_after, db_cpu_after = _tree_cpu_s(master), _tree_cpu_s(postmaster)
            done.set()
            prober.join()
            events = AGENTS * batches_per_agent * BATCH
            ledger_bytes = _ledger_bytes(url)
            dumps = _dump_ledger(url)
            single = _single_pushes(port, terminals[AGENTS], master, postmaster)

            # a new terminal pulls the whole catalog
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            token, cursor, pulled, pages = terminals[AGENTS][2], "", 0, 0
            start = time.perf_counter()
            while True:
                _, data, _ = _call(
                    conn, "GET", f"/api/v1/changes?limit=1000&cursor={cursor}", token
                )
                page = json.loads(data)
                pulled += sum(c["kind"] == "product" for c in page["changes"])
                pages += 1
                cursor = page["cursor"]
                if not page["more"]:
                    break
            catalog_s = time.perf_counter() - start
        copy_runs, copy_cpu = _copy_baseline(url, dumps)
    raw_s = statistics.median(copy_runs)
    rate = events / ingest_s
    app_ms = _per_event_ms(app_cpu, app_cpu_after, events)
    db_ms = _per_event_ms(db_cpu, db_cpu_after, events)
    return {
        "ingest_events_per_s": round(rate, 1),
        "ingest_events": events,
        "ingest_s": round(ingest_s, 3),
        "ingest_raw_copy_events_per_s": round(events / raw_s, 1),
        "ingest_raw_ratio": round(rate / (events / raw_s), 3),
        # every COPY run's seconds (the ratio uses their median)
        "ingest_raw_copy_runs_s": copy_runs,
        "ingest_failures": failures[:5],
        # CPU time per event applied, the probe's small calls included (a few per cent):
        # the figures capacity is planned from, less bent by a shared machine than rates
        "ingest_app_cpu_ms_per_event": app_ms,
        "ingest_db_cpu_ms_per_event": db_ms,
        # the plain COPY's CPU per event (client and server), and it over the ingest's
        # (application and database): the ratio of the work each does, whatever the load
        "ingest_raw_copy_cpu_ms_per_event": (
            round(copy_cpu * 1000 / events, 3) if copy_cpu is not None else None
        ),
        "ingest_raw_cpu_ratio": (
            round(copy_cpu * 1000 / events / (app_ms + db_ms), 3)
            if copy_cpu is not None and app_ms is not None and db_ms is not None
            else None
        ),
        "load_average_1min": round(os.getloadavg()[0], 2),
        # every ledger table with its indexes and TOAST, after the run: storage per sale
        "ledger_bytes_per_event": round(ledger_bytes / events) if events else None,
        "api_p99_ms": round(_pct(probe_ms, 99), 1),
        "api_p50_ms": round(_pct(probe_ms, 50), 1),
        "api_probe_calls": len(probe_ms),
        "push_p99_ms": round(_pct(push_ms, 99), 1),
        "push_p50_ms": round(_pct(push_ms, 50), 1),
        **single,
        "catalog_initial_100k_s": round(catalog_s, 3),
        "catalog_products_pulled": pulled,
        "catalog_pages": pages,
        # the native ingest kernel (sync/protocol/_quickc.c, sync/server/ledger/_rowsc.c):
        # built and not turned off by KAUNTA_NATIVE=0 (the server runs with this
        # process's environment and install); False: the Python code alone
        "native_kernel": native_kernel(),
        "server_workers": workers,
        "agents": AGENTS,
        "batch_events": BATCH,
        "cpus": os.cpu_count(),
    }


def native_kernel() -> bool:
    """Does the head office started from here run the native ingest kernel (both halves
    built, not turned off)?"""
    import importlib.util

    from sync.protocol import quick

    return quick.NATIVE and importlib.util.find_spec("sync.server.ledger._rowsc") is not None


def run_sync(args: Any) -> int:
    """``kaunta bench sync``: the head-office figures merged with the till's drain."""
    figures = server_figures(
        batches_per_agent=getattr(args, "batches", 10),
        products=getattr(args, "products", 100_000),
    )
    try:
        from pos.bench.sync_drain import drain_figures

        figures.update(drain_figures())
    except ImportError:  # the till-side drain bench is another module's
        pass
    if getattr(args, "json", False):
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:32} {value}")
    return 0 if not figures["ingest_failures"] else 1


if __name__ == "__main__":  # python -m pos.bench.sync_server [batches] [products]
    with tempfile.TemporaryDirectory():
        a = sys.argv[1:]
        print(
            json.dumps(
                server_figures(
                    batches_per_agent=int(a[0]) if a else 10,
                    products=int(a[1]) if len(a) > 1 else 100_000,
                ),
                indent=2,
            )
        )
