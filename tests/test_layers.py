"""Architecture test: enforce the import rules between Kaunta's layers.

Every ``.py`` file under the packages ``pos/``, ``drivers/`` and ``sync/`` is
parsed with :mod:`ast` (never imported) and each of its imports -- including
those inside functions and ``if TYPE_CHECKING:`` blocks -- is checked against
the table in :data:`LAYERS`, which mirrors the architecture doc:

* a layer may import the standard library (minus any module it forbids) and
  whatever its ``allowed`` prefixes name; everything else is a violation;
* ``forbidden`` prefixes are spelled out explicitly so the failure message says
  *why* an import is wrong, and so stdlib modules can be banned too;
* ``pos.domain`` may not read clocks: calls such as ``datetime.now()`` or
  ``date.today()`` are flagged even though :mod:`datetime` itself is allowed;
* the composition root (``pos.app``, ``pos.cli``, ``pos.config``,
  ``pos.logging_setup``, ``pos.bench*`` and any other module directly under
  ``pos/``) may import anything;
* a subpackage that no rule covers is itself reported, so a new package must be
  added to the table before it can be merged.
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]

#: Top-level project packages that are scanned. ``pos`` must exist; the others
#: are skipped silently while they have not been written yet.
PACKAGES: tuple[str, ...] = ("pos", "drivers", "sync")
REQUIRED_PACKAGES: frozenset[str] = frozenset({"pos"})

STDLIB: frozenset[str] = frozenset(sys.stdlib_module_names)


@dataclass(frozen=True)
class Rule:
    """What one layer may import.

    ``allowed`` and ``forbidden`` hold dotted prefixes: ``"pos.store"`` matches
    ``pos.store`` and ``pos.store.models`` but not ``pos.storefront``. The
    standard library is always allowed unless a ``forbidden`` prefix says
    otherwise; ``forbidden`` wins over everything.
    """

    allowed: tuple[str, ...] = ()
    forbidden: tuple[str, ...] = ()
    unrestricted: bool = False
    no_clocks: bool = False
    #: ``fnmatch`` patterns of modules refused wherever they live (e.g. sandboxes).
    forbidden_patterns: tuple[str, ...] = ()


#: stdlib modules that perform I/O or read clocks: banned from the domain.
DOMAIN_IO: tuple[str, ...] = (
    "sqlite3",
    "socket",
    "subprocess",
    "http",
    "urllib",
    "ssl",
    "shutil",
    "time",
)

#: stdlib I/O refused in the wire protocol (``time`` stays: it is not used, but harmless).
PROTOCOL_IO: tuple[str, ...] = tuple(m for m in DOMAIN_IO if m != "time")

#: HTTP clients: never in the head office's view of the till, never in pure parsers.
HTTP_CLIENTS: tuple[str, ...] = (
    "requests",
    "urllib3",
    "httpx",
    "aiohttp",
    "http.client",
    "urllib.request",
)

#: Gateway and device simulators: training and tests only, never the head office.
SANDBOXES: tuple[str, ...] = ("*.sandbox", "*.sandbox.*", "*.sandbox_*", "*.emulator*")

#: Pure payment modules (callback parsing, webhook verification) the head office shares.
PURE_PAYMENT_MODULES: tuple[str, ...] = (
    "pos.payments.mpesa.callback",
    "pos.payments.paypal.webhook_verify",
)

#: Everything of the till that ``sync.server`` may import.
SERVER_PURE_MODULES: tuple[str, ...] = (
    "pos.domain.money",
    "pos.domain.tax",
    "pos.domain.ids",
    "pos.domain.errors",  # what money and tax raise, so the server can catch it
    *PURE_PAYMENT_MODULES,
)

#: The layer table, keyed by module prefix; the longest matching key wins.
LAYERS: dict[str, Rule] = {
    # Pure business logic: standard library only, no I/O, no clocks.
    "pos.domain": Rule(
        allowed=("pos.domain",),
        forbidden=(
            "pos.store",
            "pos.services",
            "pos.ui",
            "pos.payments",
            "pos.demo",
            "drivers",
            "sync",
            *DOMAIN_IO,
        ),
        no_clocks=True,
    ),
    # Demo data: stdlib and the domain only.
    "pos.demo": Rule(
        allowed=("pos.demo", "pos.domain"),
        forbidden=("pos.store", "pos.services", "pos.ui", "pos.payments", "drivers", "sync"),
    ),
    # Payment providers: talk HTTP and to devices, know nothing of storage or UI.
    "pos.payments": Rule(
        allowed=(
            "pos.payments",
            "pos.domain",
            "requests",
            "urllib3",
            "certifi",
            "cryptography",
            "drivers",
        ),
        forbidden=("PySide6", "pos.store", "pos.services", "pos.ui", "sqlalchemy"),
    ),
    # Persistence: SQLAlchemy models, repositories and Alembic migrations (orjson: the
    # fast encoder of basket and journal snapshots; pure, no I/O).
    "pos.store": Rule(
        allowed=("pos.store", "pos.domain", "sqlalchemy", "alembic", "orjson"),
        forbidden=(
            "PySide6",
            "requests",
            "drivers",
            "serial",
            "pos.services",
            "pos.ui",
            "pos.payments",
        ),
    ),
    # Use cases: orchestrate domain, store and payments; no UI, no raw I/O. The outbox
    # documents they write are built with the wire protocol.
    "pos.services": Rule(
        allowed=(
            "pos.services",
            "pos.domain",
            "pos.store",
            "pos.payments",
            "sqlalchemy",
            "sync.protocol",
            "drivers",  # devices (printer, drawer) through their workers, never serial itself
        ),
        forbidden=("PySide6", "pos.ui", "requests", "serial"),
    ),
    # Qt front end: reaches everything else through services.
    "pos.ui": Rule(
        allowed=("pos.ui", "pos.services", "pos.domain", "PySide6", "qrcode"),
        forbidden=(
            "sqlalchemy",
            "serial",
            "requests",
            "pos.store",
            "drivers",
            "pos.payments",
        ),
    ),
    # Hardware drivers: pyserial and stdlib only.
    "drivers": Rule(
        allowed=("drivers", "serial"),
        forbidden=("pos", "sync", "PySide6"),
    ),
    # Wire protocol shared by agent and server: pure, no I/O, no clocks. Standard library
    # plus orjson, the canonical encoder (held byte for byte to ``json`` by
    # tests/sync/protocol/test_canonical_orjson.py, with ``json`` as its fallback).
    "sync.protocol": Rule(
        allowed=("sync.protocol", "orjson"),
        forbidden=("pos", "drivers", "sync.agent", "sync.server", "PySide6", *PROTOCOL_IO),
        no_clocks=True,
    ),
    # Terminal-side sync agent: drains the store's outbox as protocol documents, over its
    # own HTTP client.
    "sync.agent": Rule(
        allowed=("sync.agent", "sync.protocol", "pos.store", "requests", "urllib3"),
        forbidden=(
            "pos.ui",
            "pos.services",
            "pos.payments",
            "PySide6",
            "sync.server",
            "drivers",
        ),
        forbidden_patterns=SANDBOXES,
    ),
    # Head office (Django): the protocol and only the named pure modules of the till.
    "sync.server": Rule(
        allowed=(
            "sync.server",
            "sync.protocol",
            *SERVER_PURE_MODULES,
            "django",
            "rest_framework",
            "drf_spectacular",
            "psycopg",
            "prometheus_client",
            # background work: Django's Tasks API backport and its database queue
            "django_tasks",
            "django_tasks_db",
        ),
        forbidden=(
            "pos.ui",
            "pos.store",
            "pos.services",
            "PySide6",
            "sync.agent",
            "drivers",
            *HTTP_CLIENTS,
        ),
        forbidden_patterns=SANDBOXES,
    ),
    # The head office's two PayPal exceptions (sync/server/callbacks/outbound.py and
    # paypal_trust.py docstrings): the one module that calls PayPal (certificates,
    # verification postbacks, IPN) on the standard library's urllib.request, and the one
    # that validates certificate paths with ``cryptography``. Nothing else of sync.server.
    "sync.server.callbacks.outbound": Rule(
        allowed=("sync.server", "django"),
        forbidden=("pos", "drivers", "sync.agent", "PySide6", "requests", "urllib3", "httpx"),
        forbidden_patterns=SANDBOXES,
    ),
    "sync.server.callbacks.paypal_trust": Rule(
        allowed=("sync.server", "django", "cryptography", "pos.payments.paypal.webhook_verify"),
        forbidden=("drivers", "sync.agent", "PySide6", *HTTP_CLIENTS),
        forbidden_patterns=SANDBOXES,
    ),
    # Head office's eTIMS for enrolled stores: the pure OSCU client and queue (sync.etims,
    # which holds the one HTTP client) over Django; still no till, no sandbox. cryptography:
    # Fernet seals the communication key KRA gives at initialisation (store.py).
    "sync.server.etims": Rule(
        allowed=(
            "sync.server",
            "sync.etims",
            "sync.protocol",
            "django",
            "django_tasks",
            "cryptography",
        ),
        forbidden=("pos", "drivers", "sync.agent", "PySide6", "sync.etims.sandbox"),
        forbidden_patterns=SANDBOXES,
    ),
    # Its two endpoints (the tills' results pull, the customer page): DRF views too.
    "sync.server.etims.views": Rule(
        allowed=(
            "sync.server",
            "sync.etims",
            "sync.protocol",
            "django",
            "django_tasks",
            "rest_framework",
            "drf_spectacular",
        ),
        forbidden=("pos", "drivers", "sync.agent", "PySide6", "sync.etims.sandbox"),
        forbidden_patterns=SANDBOXES,
    ),
    # KRA eTIMS OSCU client and queue: stdlib, requests (certifi: its CA bundle, for the
    # http.client transport) and the protocol; no Qt, no store.
    "sync.etims": Rule(
        allowed=("sync.etims", "sync.protocol", "requests", "urllib3", "certifi"),
        forbidden=("pos", "drivers", "sync.agent", "sync.server", "PySide6"),
        forbidden_patterns=SANDBOXES,
    ),
    # Its simulator: the standard library and itself only (tests/etims checks it too).
    "sync.etims.sandbox": Rule(
        allowed=("sync.etims.sandbox",),
        forbidden=("pos", "drivers", "sync.agent", "sync.server", "sync.protocol", "PySide6"),
    ),
    # ``sync/__init__.py`` and any shared helper: standard library and the protocol.
    "sync": Rule(
        allowed=("sync.protocol",),
        forbidden=("pos", "drivers", "sync.agent", "sync.server", "PySide6"),
    ),
}

#: The composition root and tooling: allowed to import anything. Any other
#: plain module directly under ``pos/`` (and ``pos/__init__.py``) counts too.
COMPOSITION_ROOT: tuple[str, ...] = (
    "pos.app",
    "pos.cli",
    "pos.config",
    "pos.logging_setup",
    "pos.bench*",
)
UNRESTRICTED = Rule(unrestricted=True)

#: Clock reads banned from the domain: ``<datetime|date>.<attr>()``.
CLOCK_CLASSES: frozenset[str] = frozenset({"datetime", "date"})
CLOCK_ATTRS: frozenset[str] = frozenset({"now", "utcnow", "today"})


@dataclass(frozen=True)
class Violation:
    """One offending import (or clock call) in one source file."""

    path: str
    lineno: int
    target: str
    reason: str

    def __str__(self) -> str:
        """Render as ``path:line: target -- reason``."""
        return f"{self.path}:{self.lineno}: {self.target} -- {self.reason}"


def matches(name: str, prefix: str) -> bool:
    """Return whether dotted ``name`` equals ``prefix`` or lies beneath it."""
    return name == prefix or name.startswith(prefix + ".")


def is_stdlib(name: str) -> bool:
    """Return whether ``name`` belongs to the standard library."""
    return name.split(".", 1)[0] in STDLIB


def source_files(root: Path) -> list[Path]:
    """Return every ``.py`` file under the project packages in ``root``, sorted.

    Missing optional packages are skipped; missing required ones are not an
    error here (the caller checks that the result is non-empty).
    """
    files: list[Path] = []
    for package in PACKAGES:
        base = root / package
        if not base.is_dir():
            continue
        files.extend(p for p in base.rglob("*.py") if "__pycache__" not in p.parts)
    return sorted(files)


def module_name(path: Path, root: Path) -> str:
    """Return the dotted module name of ``path`` relative to ``root``."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_name(path: Path, root: Path) -> str:
    """Return the package that ``path`` belongs to (itself, for ``__init__``)."""
    return ".".join(path.relative_to(root).parent.parts)


def rule_for(module: str, path: Path, root: Path) -> Rule | None:
    """Return the rule governing ``module``, or ``None`` if no rule covers it."""
    keys = [key for key in LAYERS if matches(module, key)]
    if keys:
        return LAYERS[max(keys, key=len)]
    if any(
        fnmatchcase(module, pattern) or fnmatchcase(module, pattern + ".*")
        for pattern in COMPOSITION_ROOT
    ):
        return UNRESTRICTED
    if path.parent == root / "pos":  # pos/__init__.py and plain modules in pos/
        return UNRESTRICTED
    return None


def resolve_from(node: ast.ImportFrom, package: str) -> str | None:
    """Return the absolute base module of a ``from ... import`` statement.

    ``None`` means a relative import that climbs above the top-level package.
    """
    if node.level == 0:
        return node.module or ""
    parts = package.split(".") if package else []
    if node.level - 1 >= len(parts):
        return None
    base = parts[: len(parts) - (node.level - 1)]
    if node.module:
        base.append(node.module)
    return ".".join(base)


def imported_modules(tree: ast.AST, package: str) -> list[tuple[int, str]]:
    """Return ``(line, absolute dotted name)`` for every import in ``tree``.

    ``from a.b import c`` yields ``a.b.c``: ``c`` may be a submodule, and prefix
    matching makes this harmless when it is merely an attribute. A relative
    import that cannot be resolved yields the name ``"<relative beyond top>"``.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = resolve_from(node, package)
            if base is None:
                found.append((node.lineno, "<relative beyond top>"))
                continue
            for alias in node.names:
                if alias.name == "*" or not base:
                    found.append((node.lineno, base or alias.name))
                else:
                    found.append((node.lineno, f"{base}.{alias.name}"))
    return found


def clock_calls(tree: ast.AST) -> list[tuple[int, str]]:
    """Return ``(line, dotted call)`` for every clock read in ``tree``.

    Flags ``datetime.now()``, ``datetime.utcnow()``, ``date.today()`` (also via
    ``datetime.datetime.now()`` and ``from datetime import datetime as dt``) and
    ``time.time()``.
    """
    class_names = set(CLOCK_CLASSES)
    module_names = {"datetime"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "datetime" and node.level == 0:
            class_names.update(
                alias.asname or alias.name for alias in node.names if alias.name in CLOCK_CLASSES
            )
        elif isinstance(node, ast.Import):
            module_names.update(
                alias.asname or alias.name for alias in node.names if alias.name == "datetime"
            )

    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        func = node.func
        owner = func.value
        if func.attr in CLOCK_ATTRS:
            if isinstance(owner, ast.Name) and owner.id in class_names:
                found.append((node.lineno, f"{owner.id}.{func.attr}()"))
            elif (
                isinstance(owner, ast.Attribute)
                and owner.attr in CLOCK_CLASSES
                and isinstance(owner.value, ast.Name)
                and owner.value.id in module_names
            ):
                found.append((node.lineno, f"{owner.value.id}.{owner.attr}.{func.attr}()"))
        elif func.attr == "time" and isinstance(owner, ast.Name) and owner.id == "time":
            found.append((node.lineno, "time.time()"))
    return found


def judge(name: str, rule: Rule, layer: str) -> str | None:
    """Return why importing ``name`` breaks ``rule``, or ``None`` if it is fine."""
    if name.startswith("<"):
        return "relative import climbs above the top-level package"
    for prefix in rule.forbidden:
        if matches(name, prefix):
            return f"forbidden in {layer} (matches {prefix!r})"
    for pattern in rule.forbidden_patterns:
        if fnmatchcase(name, pattern):
            return f"forbidden in {layer} (matches {pattern!r})"
    if is_stdlib(name) or any(matches(name, prefix) for prefix in rule.allowed):
        return None
    allowed = ", ".join(("stdlib", *rule.allowed))
    return f"not allowed in {layer} (allowed: {allowed})"


def check_file(path: Path, root: Path) -> list[Violation]:
    """Return every layer violation in the source file ``path`` under ``root``."""
    rel = path.relative_to(root).as_posix()
    module = module_name(path, root)
    rule = rule_for(module, path, root)
    if rule is None:
        return [Violation(rel, 1, module, "no layer rule covers this module; add it to LAYERS")]
    if rule.unrestricted:
        return []
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return [Violation(rel, exc.lineno or 1, module, f"cannot parse: {exc.msg}")]

    layer = max((key for key in LAYERS if matches(module, key)), key=len)
    violations = [
        Violation(rel, lineno, name, reason)
        for lineno, name in imported_modules(tree, package_name(path, root))
        if (reason := judge(name, rule, layer)) is not None
    ]
    if rule.no_clocks:
        violations.extend(
            Violation(rel, lineno, call, f"{layer} must not read clocks; pass time in")
            for lineno, call in clock_calls(tree)
        )
    return sorted(violations, key=lambda v: (v.path, v.lineno, v.target))


def check_tree(root: Path) -> list[Violation]:
    """Return every layer violation in all project packages under ``root``."""
    return [v for path in source_files(root) for v in check_file(path, root)]


SOURCE_FILES = source_files(REPO_ROOT)


def test_required_packages_exist() -> None:
    """``pos/`` must exist, so the checks below cannot pass vacuously."""
    missing = sorted(p for p in REQUIRED_PACKAGES if not (REPO_ROOT / p).is_dir())
    assert not missing, f"missing required packages: {missing}"


def test_source_files_found() -> None:
    """The parametrized list is non-empty: guards against a vacuous pass."""
    assert SOURCE_FILES, f"no .py files found under {PACKAGES} in {REPO_ROOT}"
    assert any(p.relative_to(REPO_ROOT).parts[0] == "pos" for p in SOURCE_FILES)


@pytest.mark.parametrize(
    "path",
    SOURCE_FILES,
    ids=[p.relative_to(REPO_ROOT).as_posix() for p in SOURCE_FILES],
)
def test_layer_imports(path: Path) -> None:
    """Each source file imports only what its layer allows."""
    violations = check_file(path, REPO_ROOT)
    assert not violations, "layer violations:\n" + "\n".join(f"  {v}" for v in violations)


def _write(root: Path, rel: str, text: str = "") -> None:
    """Create ``root/rel`` (and its parent directories) containing ``text``."""
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def test_rules_catch_a_violation(tmp_path: Path) -> None:
    """The checker reports known-bad imports, so the rule test cannot pass silently."""
    _write(tmp_path, "pos/__init__.py")
    _write(tmp_path, "pos/app.py", "import sqlalchemy\nimport PySide6\n")
    _write(tmp_path, "pos/domain/__init__.py")
    _write(
        tmp_path,
        "pos/domain/x.py",
        "from __future__ import annotations\n"
        "from datetime import datetime\n"
        "from typing import TYPE_CHECKING\n"
        "import sqlalchemy\n"
        "if TYPE_CHECKING:\n"
        "    import time\n"
        "def stamp() -> datetime:\n"
        "    return datetime.now()\n",
    )
    _write(tmp_path, "pos/domain/ok.py", "from . import x\nfrom .x import stamp\n")
    _write(tmp_path, "pos/store/__init__.py")
    _write(tmp_path, "pos/ui/__init__.py")
    _write(tmp_path, "pos/ui/y.py", "from ..store import session\nfrom ..services import cart\n")
    _write(tmp_path, "pos/mystery/__init__.py")

    found = {(v.path, v.lineno, v.target) for v in check_tree(tmp_path)}

    assert found == {
        ("pos/domain/x.py", 4, "sqlalchemy"),
        ("pos/domain/x.py", 6, "time"),
        ("pos/domain/x.py", 8, "datetime.now()"),
        ("pos/ui/y.py", 1, "pos.store.session"),
        ("pos/mystery/__init__.py", 1, "pos.mystery"),
    }


def test_optional_packages_may_be_missing(tmp_path: Path) -> None:
    """Absent ``drivers/`` and ``sync/`` are skipped; present ones are checked."""
    _write(tmp_path, "pos/__init__.py")
    assert source_files(tmp_path) == [tmp_path / "pos" / "__init__.py"]
    assert check_tree(tmp_path) == []

    _write(tmp_path, "drivers/__init__.py", "import serial\nfrom pos.domain import money\n")
    _write(tmp_path, "sync/server/__init__.py", "import django\nfrom pos.store import db\n")
    found = {(v.path, v.target) for v in check_tree(tmp_path)}
    assert found == {
        ("drivers/__init__.py", "pos.domain.money"),
        ("sync/server/__init__.py", "pos.store.db"),
    }


# -- what the head office may share with the till ---------------------------------------------


def module_file(name: str, root: Path) -> Path | None:
    """The source file of project module ``name`` under ``root``, if it is one."""
    base = root.joinpath(*name.split("."))
    if (base / "__init__.py").is_file():
        return base / "__init__.py"
    if base.with_suffix(".py").is_file():
        return base.with_suffix(".py")
    return None


def transitive_imports(module: str, root: Path) -> tuple[set[str], dict[str, str]]:
    """What importing ``module`` loads: the project modules (parent packages included, as
    Python runs their ``__init__`` first) and every outside module, mapped to the project
    module that imports it."""
    seen: set[str] = set()
    outside: dict[str, str] = {}
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.split(".")
        todo.extend(".".join(parts[:i]) for i in range(1, len(parts)))
        path = module_file(current, root)
        if path is None:
            continue
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for _, name in imported_modules(tree, package_name(path, root)):
            if name.startswith("<"):
                continue
            if name.split(".", 1)[0] in PACKAGES:
                target = name
                while target and module_file(target, root) is None:
                    target = target.rpartition(".")[0]
                if target:
                    todo.append(target)
            else:
                outside.setdefault(name, current)
    return {m for m in seen if module_file(m, root) is not None}, outside


def impure_imports(module: str, root: Path) -> list[str]:
    """Why ``module`` is not pure enough for the head office (empty when it is)."""
    if module_file(module, root) is None:
        return [f"{module}: no such module"]
    project, outside = transitive_imports(module, root)
    problems = [
        f"{module} loads {name} (imported by {via})"
        for name, via in sorted(outside.items())
        if any(matches(name, client) for client in (*HTTP_CLIENTS, "PySide6", "sqlalchemy"))
    ]
    problems += [
        f"{module} loads {name}"
        for name in sorted(project)
        if any(matches(name, p) for p in ("pos.store", "pos.services", "pos.ui", "sync.agent"))
        or any(fnmatchcase(name, pattern) for pattern in SANDBOXES)
    ]
    return problems


@pytest.mark.parametrize("module", PURE_PAYMENT_MODULES)
def test_pure_payment_modules_load_no_http_client(module: str) -> None:
    """The callback parser and webhook verifier the head office shares load no HTTP
    client, store, UI or sandbox, directly or through anything they import."""
    assert impure_imports(module, REPO_ROOT) == []


def test_impure_imports_are_found_through_other_modules(tmp_path: Path) -> None:
    """The purity check follows imports and parent packages, so it can fail."""
    _write(tmp_path, "pos/__init__.py")
    _write(tmp_path, "pos/payments/__init__.py", "import urllib3\n")
    _write(tmp_path, "pos/payments/mpesa/__init__.py")
    _write(tmp_path, "pos/payments/mpesa/codes.py", "from pos.payments.http import post\n")
    _write(tmp_path, "pos/payments/http.py", "import requests\nfrom http import client\n")
    _write(tmp_path, "pos/payments/mpesa/callback.py", "from .codes import result_key\n")
    _write(tmp_path, "pos/payments/paypal/__init__.py")
    _write(
        tmp_path, "pos/payments/paypal/webhook_verify.py", "from . import sandbox\nimport json\n"
    )
    _write(tmp_path, "pos/payments/paypal/sandbox.py", "")

    assert impure_imports("pos.payments.mpesa.callback", tmp_path) == [
        "pos.payments.mpesa.callback loads http.client (imported by pos.payments.http)",
        "pos.payments.mpesa.callback loads requests (imported by pos.payments.http)",
        "pos.payments.mpesa.callback loads urllib3 (imported by pos.payments)",
    ]
    assert impure_imports("pos.payments.paypal.webhook_verify", tmp_path) == [
        "pos.payments.paypal.webhook_verify loads urllib3 (imported by pos.payments)",
        "pos.payments.paypal.webhook_verify loads pos.payments.paypal.sandbox",
    ]
    assert impure_imports("pos.payments.mpesa.gone", tmp_path) == [
        "pos.payments.mpesa.gone: no such module"
    ]


def test_sync_rules_catch_violations(tmp_path: Path) -> None:
    """The protocol is stdlib only; the agent sees the store and the protocol; the server
    sees the protocol and only the named pure modules, never a client or sandbox."""
    _write(tmp_path, "pos/__init__.py")
    _write(tmp_path, "sync/__init__.py", "from sync.protocol import parse_event\n")
    _write(
        tmp_path,
        "sync/protocol/__init__.py",
        "import json\nimport socket\nfrom datetime import datetime\n"
        "from pos.domain.money import Money\n"
        "def now() -> datetime:\n    return datetime.now()\n",
    )
    _write(
        tmp_path,
        "sync/agent/__init__.py",
        "from pos.store import repositories\nfrom sync.protocol import parse_event\n"
        "import requests\nfrom pos.ui import sale_screen\n"
        "from pos.payments.paypal import sandbox\n",
    )
    _write(
        tmp_path,
        "sync/server/__init__.py",
        "import django\nfrom pos.domain.money import Money\nfrom pos.domain import tax\n"
        "from pos.payments.mpesa.callback import parse_callback\n"
        "from pos.payments.paypal import webhook_verify\n"
        "from sync.protocol import parse_event\n"
        "from pos.domain.sale import Sale\n"
        "from pos.payments.mpesa import client\n"
        "from pos.payments.mpesa.sandbox import DarajaSandbox\n"
        "from pos.store import db\n"
        "import requests\nimport http.client\nimport urllib3\n",
    )
    found = {(v.path, v.target) for v in check_tree(tmp_path)}
    assert found == {
        ("sync/protocol/__init__.py", "socket"),
        ("sync/protocol/__init__.py", "pos.domain.money.Money"),
        ("sync/protocol/__init__.py", "datetime.now()"),
        ("sync/agent/__init__.py", "pos.ui.sale_screen"),
        ("sync/agent/__init__.py", "pos.payments.paypal.sandbox"),
        ("sync/server/__init__.py", "pos.domain.sale.Sale"),
        ("sync/server/__init__.py", "pos.payments.mpesa.client"),
        ("sync/server/__init__.py", "pos.payments.mpesa.sandbox.DarajaSandbox"),
        ("sync/server/__init__.py", "pos.store.db"),
        ("sync/server/__init__.py", "requests"),
        ("sync/server/__init__.py", "http.client"),
        ("sync/server/__init__.py", "urllib3"),
    }
