"""Head-office test fixtures: Django set up once; each test module runs on a fresh SQLite
file and on a fresh database in one throwaway PostgreSQL cluster per session."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sync.server.settings")
os.environ.setdefault("KAUNTA_HQ_DATA_DIR", tempfile.mkdtemp(prefix="kaunta-hq-"))

import django

django.setup()

import psycopg  # noqa: E402
from asgiref.local import Local  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connections  # noqa: E402
from django.test import Client  # noqa: E402

from sync.server.devcluster import cluster, find_bin  # noqa: E402
from sync.server.settings import database_from_url  # noqa: E402

BACKENDS = ["sqlite", "postgresql"]


# Sign-in checks hash passwords: a fast hasher keeps the lockout tests quick (the product
# keeps Django's default PBKDF2).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    if find_bin("initdb") is None or find_bin("pg_ctl") is None:
        pytest.skip(
            "PostgreSQL binaries (initdb, pg_ctl) are not installed: apt install postgresql"
        )
    with cluster() as url:
        yield url


def use_database(url: str) -> None:
    """Point Django's default connection at ``url`` (closing what was open)."""
    connections.close_all()
    cfg = database_from_url(url)
    if cfg["ENGINE"] == "django.db.backends.sqlite3":
        cfg["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    settings.DATABASES = {"default": cfg}
    connections.__dict__["settings"] = connections.configure_settings(settings.DATABASES)
    connections._connections = Local(connections.thread_critical)


_templates: dict[str, str] = {}


def _template(backend: str, request: pytest.FixtureRequest, tmp: Path) -> str:
    """A database migrated once per session and backend; modules get copies of it."""
    if backend not in _templates:
        if backend == "sqlite":
            url = f"sqlite:///{tmp / 'template.sqlite3'}"
        else:
            base = str(request.getfixturevalue("pg_url"))
            with psycopg.connect(base, autocommit=True) as conn:
                conn.execute('CREATE DATABASE "hq_template"')
            url = base.rsplit("/", 1)[0] + "/hq_template"
        use_database(url)
        call_command("migrate", verbosity=0, interactive=False)
        connections.close_all()
        _templates[backend] = url
    return _templates[backend]


def fresh_database(backend: str, request: pytest.FixtureRequest, tmp: Path) -> str:
    template = _template(backend, request, tmp)
    connections.close_all()
    if backend == "sqlite":
        target = tmp / f"hq-{uuid.uuid4().hex[:8]}.sqlite3"
        shutil.copyfile(template.removeprefix("sqlite:///"), target)
        return f"sqlite:///{target}"
    base = str(request.getfixturevalue("pg_url"))
    name = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "hq_template"')
    return base.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module", params=BACKENDS)
def hq_db(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated head-office database of its own for this module, on each backend."""
    url = fresh_database(request.param, request, tmp_path_factory.getbasetemp())
    use_database(url)
    return url


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    # the throttle counters are a table of the head-office database; a test with no
    # migrated head-office database has no counters to clear
    with contextlib.suppress(DatabaseError):
        cache.clear()


@pytest.fixture
def client(hq_db: str) -> Client:
    return Client()


def new_store(code: str | None = None, **kw: Any) -> Any:
    from sync.server.terminals.models import Organisation, Store

    code = code or "S" + uuid.uuid4().hex[:8].upper()
    org, _ = Organisation.objects.get_or_create(name=kw.pop("organisation", "Duka Chain"))
    return Store.objects.create(
        organisation=org,
        code=code,
        name=kw.pop("name", f"Store {code}"),
        kra_pin=kw.pop("kra_pin", "P051234567X"),
        **kw,
    )
