"""What the crash tests share: the till a worker opens, the worker process the parent kills,
and read-only access to the file it leaves behind.

Two sides use it:

* the workers (``worker.py``, ``payment_worker.py``), run as scripts by the parent: they
  open the till the way the app does (:func:`open_till`) and report what they know to be
  committed, one flushed line at a time (:func:`say`);
* the tests, which start a worker (a fresh interpreter, :class:`WorkerProcess`, or a
  process forked from a server that did the imports once, :class:`ForkedWorker`), collect
  its complete lines (:class:`Lines`), SIGKILL it, and then read the database with plain
  sqlite3 (:func:`open_readonly`).

It imports neither pytest nor Qt, so a worker pays nothing for it at start-up. Worker
scripts find it through ``PYTHONPATH`` (the repository root), which :class:`WorkerProcess`
sets; to run one by hand: ``PYTHONPATH=. python tests/crash/worker.py ...``.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any

from pos.demo import CATALOG_CSV, DEMO_USERS
from pos.domain.receipt import StoreInfo
from pos.services.auth import Role
from pos.services.context import Policy, TerminalContext
from pos.services.terminal import DemoUser, Terminal
from pos.store.instance_lock import InstanceLock

REPO_ROOT = Path(__file__).resolve().parents[2]
CASHIER_PIN = "1111"
SUPERVISOR_PIN = "2222"
MANAGER_PIN = "3333"


def make_context() -> TerminalContext:
    """The demo store's till T1 in training mode, with a cheap PIN hash (tests only)."""
    return TerminalContext(
        StoreInfo("DEMO", "Demo"), "T1", training=True, policy=Policy(pin_kdf_log2_n=10)
    )


# -- the worker's side -------------------------------------------------------------------------


def say(line: str) -> None:
    """Tell the parent one fact, flushed at once: a kill can swallow only the next one."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def open_till(db_path: Path) -> tuple[Terminal, InstanceLock]:
    """Open the till as the app does: instance lock, migrations, the demo seed on a first
    run, the demo cashier logged in. The lock must live as long as the process."""
    lock = InstanceLock(db_path.parent)
    lock.acquire()
    terminal = Terminal.open(db_path, make_context())
    terminal.seed_demo(CATALOG_CSV, [DemoUser(n, Role(r), p) for n, r, p in DEMO_USERS])
    terminal.auth.login(user_of(terminal, Role.CASHIER), CASHIER_PIN)
    return terminal, lock


def user_of(terminal: Terminal, role: Role) -> str:
    """The id of the demo user with ``role``."""
    return next(u.user_id for u in terminal.auth.users() if u.role is role)


# -- the parent's side -------------------------------------------------------------------------


class Lines:
    """The complete lines a worker prints, collected by a thread as they arrive.

    A torn last line (the kill landed mid-write) is not a report and is dropped: every line
    kept was printed after the call it reports returned.
    """

    def __init__(self, stream: IO[bytes]) -> None:
        self.lines: list[list[str]] = []
        self._stream = stream
        self._changed = threading.Condition()
        self._eof = False
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for raw in self._stream:
            if not raw.endswith(b"\n"):  # a torn last line is not a report
                break
            words = raw.decode().split()
            if words:
                with self._changed:
                    self.lines.append(words)
                    self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    def wait_for(self, word: str, timeout: float) -> list[str] | None:
        """The first line starting with ``word``; None if the worker ended or stalled first."""
        end = time.monotonic() + timeout
        with self._changed:
            while True:
                for words in self.lines:
                    if words[0] == word:
                        return words
                left = end - time.monotonic()
                if self._eof or left <= 0:
                    return None
                self._changed.wait(left)

    def join(self, timeout: float) -> None:
        """Wait for the end of the stream (the worker is dead), then close it."""
        self._reader.join(timeout)
        self._stream.close()


class WorkerProcess:
    """One worker script run by a fresh interpreter (``python script args``), as the app
    starts; :class:`Lines` collects what it prints."""

    def __init__(
        self,
        script: Path,
        args: list[str],
        stderr_path: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        full_env = dict(
            os.environ,
            QT_QPA_PLATFORM="offscreen",
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(
                p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p
            ),
        )
        full_env.update(env or {})
        self._stderr_path = stderr_path
        self._stderr = stderr_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), *args],
            cwd=REPO_ROOT,
            env=full_env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
        )
        assert self.proc.stdout is not None
        self._lines = Lines(self.proc.stdout)
        self.lines = self._lines.lines

    def wait_for(self, word: str, timeout: float) -> list[str] | None:
        """The first line starting with ``word``; None if the worker ended or stalled first."""
        return self._lines.wait_for(word, timeout)

    def stderr(self) -> str:
        """The last 3000 characters the worker wrote to stderr."""
        if not self._stderr.closed:
            self._stderr.flush()
        return self._stderr_path.read_text(errors="replace")[-3000:]

    def kill(self) -> int | None:
        """SIGKILL (unless it already died); returns the status if it had died by itself."""
        died_alone = self.proc.poll()
        if died_alone is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._lines.join(timeout=30)
        self._stderr.close()
        return died_alone

    def wait_dead(self, timeout: float) -> int:
        """Wait for a worker that is killing itself; returns its exit status."""
        status = self.proc.wait(timeout=timeout)
        self.kill()
        return status

    def wait_exit(self, timeout: float) -> int | None:
        """Wait for a worker that ends by itself; its exit status, or None (then killed)
        if it did not end within ``timeout``."""
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self._lines.join(timeout=30)
        self._stderr.close()
        return status


#: The worker modules a fork server imports once, before it forks any till.
_forkserver: multiprocessing.context.ForkServerContext | None = None


def forkserver(preload: list[str]) -> multiprocessing.context.ForkServerContext:
    """The standard library's fork server, with ``preload`` imported in it once.

    A crash loop restarts the till a hundred times; a fresh interpreter spends most of a
    restart importing SQLAlchemy and the app (about 0.8 s of CPU each time on this machine,
    more than the selling between two kills). Forked from a server that has done the
    imports, each till is still a process of its own, opening the database, locking the
    data folder, migrating, seeding and logging in from scratch, and is SIGKILLed like any
    other; only the imports are shared. The server itself holds no database, no thread and
    no socket of the app.
    """
    global _forkserver
    if _forkserver is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(preload)
        _forkserver = context
    return _forkserver


def _run_forked(
    target: Callable[..., object], out: Connection, stderr_path: str, args: tuple[object, ...]
) -> None:
    """In the forked till: stdout is the parent's pipe, stderr its log file; then run."""
    os.dup2(out.fileno(), 1)
    out.close()
    err = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(err, 2)
    os.close(err)
    target(*args)


class ForkedWorker:
    """A worker function run in a process forked by :func:`forkserver`; :class:`Lines`
    collects what it prints on its stdout (a pipe to this process)."""

    def __init__(
        self,
        context: multiprocessing.context.ForkServerContext,
        target: Callable[..., object],
        args: tuple[object, ...],
        stderr_path: Path,
    ) -> None:
        self._stderr_path = stderr_path
        reader, writer = context.Pipe(duplex=False)
        self.proc = context.Process(
            target=_run_forked, args=(target, writer, str(stderr_path), args), daemon=True
        )
        self.proc.start()
        writer.close()  # the till holds the only write end: its death is the end of file
        stream = os.fdopen(os.dup(reader.fileno()), "rb")
        reader.close()
        self._lines = Lines(stream)
        self.lines = self._lines.lines

    def wait_for(self, word: str, timeout: float) -> list[str] | None:
        """The first line starting with ``word``; None if the worker ended or stalled first."""
        return self._lines.wait_for(word, timeout)

    def stderr(self) -> str:
        """The last 3000 characters the worker wrote to stderr."""
        if not self._stderr_path.exists():
            return ""
        return self._stderr_path.read_text(errors="replace")[-3000:]

    def kill(self) -> int | None:
        """SIGKILL (unless it already died); returns the status if it had died by itself."""
        died_alone = self.proc.exitcode
        if died_alone is None:
            self.proc.kill()
        self.proc.join(timeout=30)
        self._lines.join(timeout=30)
        self.proc.close()
        return died_alone


def open_readonly(db_path: Path, opened: list[sqlite3.Connection]) -> sqlite3.Connection:
    """A read-only connection (the checks must not change what they check); ``opened``
    (the ``readonly`` fixture) closes it after the test."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    opened.append(conn)
    return conn


def one(conn: sqlite3.Connection, sql: str, *params: object) -> Any:
    """The first column of the first row, or None."""
    row = conn.execute(sql, params).fetchone()
    return None if row is None else row[0]
