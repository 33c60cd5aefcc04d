"""The terminal API views: thin, over the apps' services."""

from __future__ import annotations

import contextlib
import contextvars
import os
import random
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no machine-wide push slots
    fcntl = None  # type: ignore[assignment]

from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.request import Request
from rest_framework.response import Response

from sync.protocol.canonical import json_text
from sync.protocol.errors import ProtocolError
from sync.server.api import schema as _schema  # noqa: F401  (registers the auth scheme)
from sync.server.api import serializers as s
from sync.server.api.auth import terminal_of, touch
from sync.server.api.errors import ApiError, error_body
from sync.server.api.throttles import EnrollThrottle
from sync.server.catalog.changes import DEFAULT_LIMIT, BadCursor, changes_page
from sync.server.ledger.apply import WrongTerminal, apply_batch
from sync.server.terminals.enroll import EnrollRefused, enroll
from sync.server.terminals.models import Terminal

_ERR = OpenApiResponse(s.ErrorBody)

#: Pushes applied at once per worker process (``KAUNTA_HQ_PUSHES_PER_WORKER``, default 1),
#: on a thread of their own that runs at a lower CPU priority (``KAUNTA_HQ_PUSH_NICE``,
#: default +10; Linux sets it per thread). Other pushes wait for it, asleep.
#:
#: A push is CPU work (parsing and hashing 200 events) that holds the GIL most of the time.
#: Two in one process only take turns, while every small call landing there (heartbeat,
#: changes) queues behind both for the GIL at each database round trip; with one, a small
#: call shares its process with at most one busy thread. The lower priority lets the
#: worker's own threads (accepting connections, small calls) and the database run first
#: when they wake: measured in pairs under the same load, p50 of small calls 26-29 ms
#: instead of 127-144 ms and p99 148-290 ms instead of 862-1,073 ms, and ingest faster too
#: (455-474 events/s instead of 209-238: the worker's main thread hands pushes over sooner).
#: Pushes still run concurrently across workers and machines, racing at the primary key.
PUSHES_PER_WORKER = max(1, int(os.environ.get("KAUNTA_HQ_PUSHES_PER_WORKER", "1")))
PUSH_NICE = int(os.environ.get("KAUNTA_HQ_PUSH_NICE", "10"))

#: Pushes applied at once on this machine, across all its worker processes
#: (``KAUNTA_HQ_PUSH_SLOTS``; default: the CPUs it may use, :func:`cpus`; ``0``: no limit).
#:
#: A push is CPU work for its worker and for its database backend. With one push per
#: worker and 2 x CPUs workers, twice as many pushes as CPUs ran at once: they only took
#: turns on the CPUs (each push slower, every process's caches colder), and every worker
#: had a busy push thread, so every small call shared its process (and the GIL) with one.
#: With as many pushes as CPUs the machine does the same work with fewer of them
#: runnable, and the other workers have no push at all (docs/headoffice.md, "Capacity").
#: A slot is an exclusive ``flock`` on one of N files under ``DATA_DIR/push-slots``:
#: released by the kernel if the process dies, shared by every ``kaunta-hq serve`` on
#: the machine with the same data folder. Where ``fcntl`` is missing (Windows, the training
#: head office) there is no machine-wide limit.
PUSH_SLOTS = int(os.environ.get("KAUNTA_HQ_PUSH_SLOTS", "-1"))
#: The largest batch body taken (``KAUNTA_HQ_MAX_BATCH_BYTES``, default 32 MiB).
#:
#: Django refuses any request body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MiB) with a
#: bare HTML 400, and the agent sends up to 250 events a batch: 250 sales of 30 lines are
#: about 5 MB, so a till with a busy day's basket-sized sales was refused the same batch on
#: every try, and nothing after it ever reached head office. A push is read here with this
#: limit instead (only after its terminal's token was accepted): room for 250 sales of 100
#: lines, or one of the protocol's largest documents (``MAX_DOCUMENT_BYTES``, 4 MiB) with
#: others; beyond it a 413 in the API's error shape says to send fewer events a batch.
MAX_BATCH_BYTES = int(os.environ.get("KAUNTA_HQ_MAX_BATCH_BYTES", str(32 * 1024 * 1024)))
_READ_CHUNK = 1 << 20
#: how long a push waiting for a slot sleeps between tries (seconds)
_SLOT_POLL_S = 0.005


class PushSlots:
    """``count`` slots shared by the processes of one machine (see :data:`PUSH_SLOTS`).

    Each thread locks through its own open files: ``flock`` locks belong to an open file,
    so two threads sharing one could both "hold" a slot."""

    def __init__(self, folder: Path, count: int) -> None:
        self.folder = folder
        self.count = count
        self._mine = threading.local()

    def _paths(self) -> list[Path]:
        self.folder.mkdir(parents=True, exist_ok=True)
        return [self.folder / f"slot-{n}.lock" for n in range(self.count)]

    def _files(self) -> list[Any]:
        files = getattr(self._mine, "files", None)
        if files is None:  # once per thread (a worker's push thread lives as long as it)
            files = [open(p, "a+b") for p in self._paths()]  # noqa: SIM115 (kept open)
            self._mine.files = files
        return files

    def free(self) -> int:
        """How many slots nobody holds now (each tried through a file of its own)."""
        free = 0
        for path in self._paths():
            with open(path, "a+b") as f:
                try:
                    fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                fcntl.flock(f.fileno(), fcntl.LOCK_UN)
                free += 1
        return free

    @contextlib.contextmanager
    def held(self) -> Iterator[int]:
        """Wait (asleep) for a free slot, hold it for the ``with`` block; yields its number."""
        files = self._files()
        start = random.randrange(len(files))
        while True:
            for n in range(len(files)):
                slot = (start + n) % len(files)
                try:
                    fcntl.flock(files[slot].fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue
                try:
                    yield slot
                finally:
                    fcntl.flock(files[slot].fileno(), fcntl.LOCK_UN)
                return
            time.sleep(_SLOT_POLL_S)


def cpus() -> int:
    """The CPUs this process may run on (its affinity where the OS tells, as in a container
    pinned to some CPUs; else the machine's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _machine_slots() -> PushSlots | None:
    count = PUSH_SLOTS if PUSH_SLOTS >= 0 else cpus()
    if count <= 0 or fcntl is None:
        return None
    from django.conf import settings

    return PushSlots(Path(settings.DATA_DIR) / "push-slots", count)


_SLOTS = _machine_slots()


def _lower_priority() -> None:
    """The push thread's start: nice it (once: an unprivileged thread cannot go back up)."""
    if PUSH_NICE > 0:
        with contextlib.suppress(AttributeError, OSError):  # not Linux, or not allowed
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), PUSH_NICE)


_PUSHES = ThreadPoolExecutor(PUSHES_PER_WORKER, "push", initializer=_lower_priority)


def _apply_on_push_thread(terminal: Terminal, body: bytes) -> dict[str, Any]:
    """``apply_batch`` on the push thread, in one of the machine's push slots, with its
    database connection looked after as Django looks after a request's (closed when too
    old or broken)."""
    with _SLOTS.held() if _SLOTS is not None else contextlib.nullcontext():
        close_old_connections()
        try:
            return apply_batch(terminal, body)
        finally:
            close_old_connections()


_AUTH_ERRORS: dict[int, Any] = {401: _ERR, 403: _ERR, 429: _ERR}


def _json(document: dict[str, Any]) -> HttpResponse:
    """A large plain answer (a catalog page, a batch's acks) as JSON, encoded by the
    protocol's encoder rather than DRF's renderer: the same JSON (compact, UTF-8), at a
    tenth of the cost of a 1,000-product page."""
    return HttpResponse(json_text(document), content_type="application/json")


def _too_large() -> ApiError:
    return ApiError(
        413,
        "batch_too_large",
        f"The batch is larger than head office takes ({MAX_BATCH_BYTES} bytes): send fewer "
        "events in each batch.",
    )


def _batch_body(request: Request) -> bytes:
    """The pushed body, read with :data:`MAX_BATCH_BYTES` as its limit rather than Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; :func:`_too_large` beyond it (refused before reading
    when the declared length says so)."""
    http = request._request
    if hasattr(http, "_body"):  # read already (by a middleware): Django's limit applied
        return bytes(http._body)
    try:
        declared = int(http.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BATCH_BYTES:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = http.read(min(_READ_CHUNK, MAX_BATCH_BYTES + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BATCH_BYTES:
            raise _too_large()
    return b"".join(chunks)


def _valid(serializer: Any) -> Any:
    if not serializer.is_valid():
        raise ApiError(400, "invalid", s_message(serializer.errors))
    return serializer.validated_data


def s_message(errors: Any) -> str:
    return "; ".join(f"{k}: {' '.join(str(e) for e in v)}" for k, v in errors.items())


@extend_schema(
    request=s.EnrollRequest,
    responses={201: s.EnrollResponse, 400: _ERR, 403: _ERR, 429: _ERR},
    auth=[],
)
@api_view(["POST"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([EnrollThrottle])
def enroll_view(request: Request) -> Response:
    """Trade a one-time enrollment code (made at head office) for this terminal's identity
    and token. The token is shown once: the till keeps it in the OS keyring."""
    data = _valid(s.EnrollRequest(data=request.data if isinstance(request.data, dict) else {}))
    try:
        done = enroll(data["code"], data["terminal_name"])
    except EnrollRefused as exc:
        raise ApiError(403, exc.code, exc.message) from None
    t = done.terminal
    return Response(
        {
            "store_id": t.store.code,
            "terminal_id": t.code,
            "token": done.token,
            "organisation": t.store.organisation.name,
            "store": t.store.identity(),
        },
        status=status.HTTP_201_CREATED,
    )


@extend_schema(
    request=s.BatchSchema, responses={200: s.AcksSchema, 400: _ERR, 413: _ERR, **_AUTH_ERRORS}
)
@api_view(["POST"])
def events_view(request: Request) -> Response:
    """Push a batch of events (docs/protocol.md): all applied in one transaction, one answer
    per event (applied, duplicate or rejected with its reason)."""
    terminal = terminal_of(request)
    touch(terminal)
    body = _batch_body(request)
    try:
        context = contextvars.copy_context()  # the request id goes with it into the logs
        done = _PUSHES.submit(context.run, _apply_on_push_thread, terminal, body)
        return _json(done.result())
    except ProtocolError as exc:
        raise ApiError(400, "bad_batch", f"The batch was refused: {exc}") from None
    except WrongTerminal as exc:
        raise ApiError(403, "wrong_terminal", str(exc)) from None


@extend_schema(
    parameters=[
        OpenApiParameter("cursor", str, required=False),
        OpenApiParameter("limit", int, required=False),
    ],
    responses={200: s.ChangesSchema, 400: _ERR, **_AUTH_ERRORS},
)
@api_view(["GET"])
def changes_view(request: Request) -> Response:
    """Catalog and staff changes for this terminal's store after ``cursor`` (empty: all)."""
    terminal = terminal_of(request)
    touch(terminal)
    q = _valid(s.ChangesQuery(data=request.query_params))
    try:
        page = changes_page(terminal.store, q.get("cursor", ""), q.get("limit", DEFAULT_LIMIT))
    except BadCursor as exc:
        raise ApiError(400, "bad_cursor", str(exc)) from None
    return _json(page)


@extend_schema(
    request=s.HeartbeatRequest, responses={200: s.HeartbeatResponse, 400: _ERR, **_AUTH_ERRORS}
)
@api_view(["POST"])
def heartbeat_view(request: Request) -> Response:
    """The terminal is alive: what it waits to send and when it last synced."""
    terminal = terminal_of(request)
    data = _valid(s.HeartbeatRequest(data=request.data if isinstance(request.data, dict) else {}))
    now = timezone.now()
    Terminal.objects.filter(pk=terminal.pk).update(
        last_seen_at=now,
        last_heartbeat={
            "at": data["at"].isoformat(),
            "outbox_waiting": data["outbox_waiting"],
            "last_sync_at": data["last_sync_at"].isoformat() if data["last_sync_at"] else None,
            "app_version": data["app_version"],
            "received_at": now.isoformat(),
        },
    )
    return Response({"server_time": now.isoformat()})


@extend_schema(responses={200: s.HealthResponse}, auth=[])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def healthz_view(request: Request) -> Response:
    """The process is up (no database touched)."""
    return Response({"status": "ok"})


@extend_schema(responses={200: s.HealthResponse, 503: s.HealthResponse}, auth=[])
@api_view(["GET"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def readyz_view(request: Request) -> Response:
    """The database answers: ready for traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"
        return Response({"status": "database unreachable"}, status=503)
    return Response({"status": "ok"})


__all__ = ["error_body"]
