"""A throwaway PostgreSQL cluster from the Debian ``postgresql`` packages: ``initdb`` and
``pg_ctl`` in a temp dir on a free port (no Docker), for tests and the benchmarks (``kaunta
bench sync``, ``kaunta bench headoffice``). Run as the ``postgres`` (or ``nobody``) user
when running as root, since PostgreSQL refuses to run as root. Never used by a deployed head
office."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def find_bin(name: str) -> str | None:
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        p = Path(d) / name
        if p.exists():
            return str(p)
    return shutil.which(name)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no postgres/nobody user to run PostgreSQL as")


@contextmanager
def cluster(*, durable: bool = False) -> Iterator[str]:
    """Start a cluster; yields a ``postgres://`` URL of its ``postgres`` database.

    Tests run with ``fsync`` off (nothing they check depends on surviving a power cut, and
    the disk is shared). ``durable`` keeps a deployed server's settings (``fsync`` and
    ``synchronous_commit`` on, every commit waits for its WAL flush): what a benchmark of
    acknowledgement times must measure.
    """
    initdb, pg_ctl = find_bin("initdb"), find_bin("pg_ctl")
    assert initdb
    assert pg_ctl
    user = _run_as()
    root = Path(tempfile.mkdtemp(prefix="kaunta-pg-"))
    data = root / "data"
    if user:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    port = free_port()
    kw: dict[str, object] = {"check": True, "capture_output": True, "cwd": root}
    if user:
        kw["user"] = user
    subprocess.run(
        [initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
        **kw,  # type: ignore[call-overload]
    )
    sync = "-c fsync=on -c synchronous_commit=on" if durable else "-c fsync=off"
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 {sync} -c max_connections=200"
    subprocess.run(
        [pg_ctl, "-D", str(data), "-o", opts, "-l", str(root / "log"), "-w", "start"],
        **kw,  # type: ignore[call-overload]
    )
    try:
        yield f"postgres://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
            **{**kw, "check": False},  # type: ignore[call-overload]
        )
        shutil.rmtree(root, ignore_errors=True)
