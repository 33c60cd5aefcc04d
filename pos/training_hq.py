"""Training mode's own head office: the product's Django head office (``sync/server``) on
loopback, with a SQLite database in the training data folder and the demo store in it.

The till starts it in the background (:class:`TrainingHeadOffice`, from
:mod:`pos.sync_link`): a child process (``python -m pos.training_hq FOLDER STORE NAME``)
migrates its database, makes sure the demo organisation, store and a head-office sign-in
for the trainee exist, makes a one-time enrollment code, binds a free port on 127.0.0.1,
writes one JSON line (port, code) to its standard output and then serves (Django's
threaded development WSGI server, static files included, which needs no gunicorn and runs
on Windows too). The child ends when its standard input closes, so it never outlives the
till, even when the till is killed.

The demo till enrolls with that code through the same ``sync.agent.enroll`` a manager uses
and keeps the (training) token in ``till.json`` in the same folder: a training token to a
loopback server is not a secret worth the OS keyring, and training mode uses none. When
``till.json`` is missing the head-office database is started afresh, so the demo till is
always its store's first terminal (``T1``, the training configuration's id).

PayPal's webhooks reach it as M-Pesa's callbacks do: the training PayPal sandbox (in the
till's process) signs its webhooks with a certificate chain of its own and delivers them to
this head office's ``/hooks/paypal/webhook``, which verifies them offline exactly as a live
head office verifies PayPal's (certificate URL on the allow-list, the chain to the trust
store, the signature, the webhook id; ``sync/server/callbacks/paypal.py``). The child starts
with the sandbox's webhook id, ``127.0.0.1`` as the only certificate host (plain http allowed:
loopback, training only) and ``paypal-trust.pem`` in its folder as the trust store.
:data:`PAYPAL_WEBHOOKS` joins the two in the till's process, whichever is up first: once
both are, it writes the sandbox's root certificate to that file and only then adds the head
office as a webhook listener, so no webhook arrives before the file is there. The sandbox
is offered by ``pos.app`` (:func:`offer_paypal_sandbox`) when it serves; the head office by
:meth:`TrainingHeadOffice.start`, and withdrawn by :meth:`TrainingHeadOffice.stop`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import secrets
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

from pos.payments.paypal.training_hq_link import (
    PAYPAL_TRUST_FILE,
    PAYPAL_WEBHOOK_PATH,
    PAYPAL_WEBHOOKS,
    paypal_env,
)
from sync.agent.enroll import Credentials, SecretStore, enroll

#: the trainee's sign-in at the training head office (training only, loopback only)
TRAINEE_USER = "trainer"
TRAINEE_PASSWORD = "kaunta-training"  # 15 characters: the head office asks for 12 or more
ORGANISATION = "Kaunta training"
START_TIMEOUT_S = 90.0

log = logging.getLogger(__name__)


class TrainingHqError(RuntimeError):
    """The training head office could not be started; the till works without it."""


class _FileSecrets:
    """The training till's head-office token and identity, in ``till.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, name: str) -> str | None:
        return self._read().get(name)

    def set(self, name: str, value: str) -> None:
        data = self._read()
        data[name] = value
        self.path.write_text(json.dumps(data), encoding="utf-8")

    def delete(self, name: str) -> None:
        data = self._read()
        data.pop(name, None)
        self.path.write_text(json.dumps(data), encoding="utf-8")


class TrainingHeadOffice:
    """The launcher (in the till's process): start, enroll the demo till, stop."""

    def __init__(self, folder: Path, store_code: str, store_name: str) -> None:
        self.folder = folder
        self.store_code = store_code
        self.store_name = store_name
        self.proc: subprocess.Popen[str] | None = None
        self.port = 0
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pages_url(self) -> str:
        """The head-office pages a trainee opens in a browser."""
        return f"{self.url}/admin/"

    @property
    def pages_login(self) -> str:
        return f"{TRAINEE_USER} / {TRAINEE_PASSWORD}"

    @property
    def till_file(self) -> Path:
        return self.folder / "till.json"

    def start(self) -> str:
        """Start the child and wait until it serves; returns a fresh enrollment code."""
        self.folder.mkdir(parents=True, exist_ok=True)
        if not self.till_file.exists():  # a fresh start: the demo till becomes T1 again
            for name in ("kaunta-hq.sqlite3", "kaunta-hq.sqlite3-wal", "kaunta-hq.sqlite3-shm"):
                with contextlib.suppress(FileNotFoundError):
                    (self.folder / name).unlink()
        key_file = self.folder / "secret-key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(48), encoding="utf-8")
        # a root from an earlier run's sandbox is never trusted: this run's is written
        # when its sandbox and this head office are both up (PAYPAL_WEBHOOKS)
        with contextlib.suppress(FileNotFoundError):
            (self.folder / PAYPAL_TRUST_FILE).unlink()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sync.server.settings",
            "KAUNTA_HQ_DATA_DIR": str(self.folder),
            "DATABASE_URL": f"sqlite:///{(self.folder / 'kaunta-hq.sqlite3').resolve()}",
            "KAUNTA_HQ_SECRET_KEY": key_file.read_text(encoding="utf-8").strip(),
            "KAUNTA_HQ_INSECURE_COOKIES": "1",  # http on loopback: cookies without Secure
            "KAUNTA_HQ_ALLOWED_HOSTS": "127.0.0.1,localhost",
            **paypal_env(self.folder),
        }
        self._log = (self.folder / "head-office.log").open("ab")
        try:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "pos.training_hq",
                    str(self.folder),
                    self.store_code,
                    self.store_name,
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                env=env,
                text=True,
            )
        except OSError as exc:
            raise TrainingHqError(f"cannot start the training head office: {exc}") from exc
        answer = self._first_line(START_TIMEOUT_S)
        try:
            data = json.loads(answer)
            self.port = int(data["port"])
            code = str(data["code"])
        except (ValueError, KeyError, TypeError):
            self.stop()
            raise TrainingHqError(
                f"the training head office did not start (see {self.folder / 'head-office.log'})"
            ) from None
        PAYPAL_WEBHOOKS.offer_head_office(self)
        return code

    def _first_line(self, timeout: float) -> str:
        assert self.proc is not None
        assert self.proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        stdout = self.proc.stdout
        threading.Thread(
            target=lambda: lines.put(stdout.readline()), name="training-hq-read", daemon=True
        ).start()
        try:
            return lines.get(timeout=timeout)
        except queue.Empty:
            self.stop()
            raise TrainingHqError(
                f"the training head office did not answer within {timeout:.0f} s"
            ) from None

    def start_and_enroll(self, terminal_id: str) -> Credentials:
        """Start, then enroll the demo till (first time) or reuse its stored token."""
        code = self.start()
        store: SecretStore = _FileSecrets(self.till_file)
        from sync.agent.enroll import load

        creds = load(store)
        if creds is None:
            try:
                creds = enroll(self.url, code, f"Training till {terminal_id}", store)
            except Exception as exc:
                self.stop()
                raise TrainingHqError(f"the demo till could not enroll: {exc}") from exc
        return Credentials(
            self.url, creds.store_id, creds.terminal_id, creds.token, creds.organisation
        )

    @property
    def paypal_webhook_url(self) -> str:
        """Where the training PayPal sandbox delivers its webhooks."""
        return self.url + PAYPAL_WEBHOOK_PATH

    def stop(self) -> None:
        PAYPAL_WEBHOOKS.withdraw_head_office(self)
        proc, self.proc = self.proc, None
        if proc is not None:
            with contextlib.suppress(OSError, ValueError):
                if proc.stdin is not None:
                    proc.stdin.close()  # the child's signal to end
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
            for stream in (proc.stdout,):
                with contextlib.suppress(OSError, ValueError):
                    if stream is not None:
                        stream.close()
        if self._log is not None:
            self._log.close()
            self._log = None


# -- the child process -----------------------------------------------------------------------


def _prepare(store_code: str, store_name: str) -> str:
    """Migrate, make sure the demo store and the trainee exist; return an enrollment code."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth.models import User

    from sync.server.accounts.models import HqRole, Profile
    from sync.server.terminals.models import EnrollmentCode, Organisation, Store

    org, _ = Organisation.objects.get_or_create(name=ORGANISATION)
    store, _ = Store.objects.get_or_create(
        code=store_code, defaults={"organisation": org, "name": store_name}
    )
    if not User.objects.filter(username=TRAINEE_USER).exists():
        user = User(username=TRAINEE_USER, is_staff=True, is_superuser=True)
        user.set_password(TRAINEE_PASSWORD)
        user.save()
        Profile.objects.create(user=user, role=HqRole.ADMIN)
    return EnrollmentCode.make(store)[1]


def _start_task_worker() -> None:
    """django-tasks' database worker for the default queue, and for the ``stk`` queue (STK
    callbacks' wake-ups, sync/server/tasks.py) with the STK sweeper, on daemon threads (no
    signal handlers: not the main thread); callbacks a killed training head office left are
    enqueued again first."""
    from sync.server.tasks import STK_QUEUE, queue_worker, requeue_unprocessed, run_stk_sweeper

    requeue_unprocessed()
    for queue_name, name in ((STK_QUEUE, "training-hq-stk"), ("default", "training-hq")):
        worker = queue_worker(queue_name, name, 0.2)
        threading.Thread(target=worker.run, name=name, daemon=True).start()
    threading.Thread(target=run_stk_sweeper, name="training-hq-sweeper", daemon=True).start()


def _serve_until_stdin_closes(httpd: Any) -> None:
    def watch() -> None:
        sys.stdin.read()  # returns at EOF: the till closed the pipe or ended
        httpd.shutdown()

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()
    httpd.serve_forever()


def main(argv: list[str]) -> int:
    folder, store_code, store_name = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
    os.environ.setdefault("KAUNTA_HQ_DATA_DIR", folder)
    code = _prepare(store_code, store_name)
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):  # type: ignore[misc]  # Django has no type hints here
        def log_message(self, format: str, *args: Any) -> None:
            return

    httpd = ThreadedWSGIServer(("127.0.0.1", 0), Quiet)
    httpd.set_app(StaticFilesHandler(get_wsgi_application()))
    # M-Pesa pushes through head office: the training sandbox calls back here, and the
    # callbacks are decided by a task worker in this process (``kaunta-hq worker`` live)
    os.environ["KAUNTA_HQ_PUBLIC_URL"] = f"http://127.0.0.1:{httpd.server_address[1]}"
    _start_task_worker()
    print(json.dumps({"port": httpd.server_address[1], "code": code}), flush=True)
    _serve_until_stdin_closes(httpd)
    return 0


if __name__ == "__main__":  # pragma: no cover - the child process
    sys.exit(main(sys.argv[1:]))


__all__ = ["TrainingHeadOffice", "TrainingHqError"]
