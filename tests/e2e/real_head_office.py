"""The product's head office (``sync/server``) as the end-to-end test runs it: ``kaunta-hq
migrate``, a chain with two stores and one-time codes made in a Django shell, then
``kaunta-hq serve`` (gunicorn) in a process group of its own, so that a SIGKILL takes the
master and its workers at once and it can be started again on the same port.

The ledger is read back from its database (``LedgerEvent``: event id and content hash).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


class RealHeadOffice:
    def __init__(self, folder: Path, port: int, database_url: str | None = None) -> None:
        """``database_url``: the head office's database (default: a SQLite file in
        ``folder``; a ``postgres://`` URL runs it on PostgreSQL)."""
        self.port = port
        self.starts = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.db_path = folder / "hq.sqlite3"
        self.database_url = database_url or f"sqlite:///{self.db_path}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "DATABASE_URL": self.database_url,
            "KAUNTA_HQ_SECRET_KEY": "e2e-only-" + "x" * 40,
            "KAUNTA_HQ_DATA_DIR": str(folder),
            "PYTHONPATH": str(ROOT),
        }
        self._run("-m", "sync.server.cli", "migrate")

    def _run(self, *args: str) -> str:
        out = subprocess.run(
            [sys.executable, *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        return out.stdout.strip()

    def shell(self, code: str) -> str:
        return self._run("-c", "import django; django.setup()\n" + code)

    def codes(self, stores: list[str]) -> list[str]:
        """One enrollment code per entry of ``stores`` (store codes; made when new)."""
        codes: list[str] = json.loads(
            self.shell(
                "import json\n"
                "from sync.server.terminals.models import Organisation, Store, EnrollmentCode\n"
                "org, _ = Organisation.objects.get_or_create(name='E2E Chain')\n"
                "out = []\n"
                f"for code in {stores!r}:\n"
                "    store, _ = Store.objects.get_or_create(organisation=org, code=code,"
                " defaults={'name': 'Store ' + code})\n"
                "    out.append(EnrollmentCode.make(store)[1])\n"
                "print(json.dumps(out))"
            )
        )
        return codes

    def revoke(self, store: str, terminal: str) -> None:
        self.shell(
            "from django.utils import timezone\n"
            "from sync.server.terminals.models import Terminal\n"
            f"Terminal.objects.filter(store__code={store!r}, code={terminal!r})"
            ".update(revoked_at=timezone.now())"
        )

    def ledger(self) -> dict[str, str]:
        rows: dict[str, str] = json.loads(
            self.shell(
                "import json\n"
                "from sync.server.ledger.models import LedgerEvent\n"
                "print(json.dumps({str(e): h for e, h in "
                "LedgerEvent.objects.values_list('event_id', 'content_hash')}))"
            )
        )
        return rows

    def applied(self) -> int:
        """How many events are in the ledger (read straight from its database: quick)."""
        if self.database_url.startswith("postgres"):
            import psycopg

            try:
                with psycopg.connect(self.database_url, connect_timeout=5) as conn:
                    row = conn.execute("SELECT count(*) FROM hq_ledger_ledgerevent").fetchone()
            except psycopg.Error:
                return 0
            return int(row[0]) if row else 0
        try:
            conn = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        except sqlite3.Error:
            return 0
        try:
            return int(conn.execute("SELECT count(*) FROM hq_ledger_ledgerevent").fetchone()[0])
        except sqlite3.Error:
            return 0
        finally:
            conn.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "sync.server.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
            ],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        for _ in range(600):
            try:
                with urllib.request.urlopen(self.url + "/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.05)
        else:
            raise AssertionError("the head office did not become ready")
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL the gunicorn master and its workers (its own process group)."""
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
