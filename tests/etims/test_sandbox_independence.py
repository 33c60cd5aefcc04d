"""The eTIMS simulator checks KRA's rules with its own code, never the client's.

If the sandbox borrowed the client's band sums, rounding or code lists, a bug there
would pass on both sides. Every sandbox module is parsed with :mod:`ast` (never
imported) and may import the standard library and its own package, nothing else of
Kaunta's (not even ``sync.protocol``)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SANDBOX = ROOT / "sync" / "etims" / "sandbox"
OWN = "sync.etims.sandbox"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, *, is_package: bool) -> list[str]:
    """Every module ``source`` imports, relative imports resolved against ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[str] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.append(base)
            found.extend(f"{base}.{alias.name}" for alias in node.names)
    return found


def forbidden(names: list[str]) -> list[str]:
    """Imports that are neither the standard library nor the sandbox itself."""
    bad = []
    for name in names:
        if name == OWN or name.startswith(OWN + "."):
            continue
        if name.split(".")[0] in sys.stdlib_module_names:
            continue
        if any(other.startswith(name + ".") and other.startswith(OWN) for other in names):
            continue  # ``from sync.etims import sandbox``: its members are what count
        bad.append(name)
    return bad


@pytest.mark.parametrize(
    "path", sorted(SANDBOX.rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT))
)
def test_sandbox_modules_import_only_the_stdlib_and_themselves(path: Path) -> None:
    names = imported(
        path.read_text(encoding="utf-8"), module_name(path), is_package=path.name == "__init__.py"
    )
    assert forbidden(names) == [], f"{path.name} borrows code the sandbox must have itself"


def test_the_sandbox_is_a_package_of_small_modules() -> None:
    files = sorted(SANDBOX.rglob("*.py"))
    assert len(files) > 4
    for path in files:
        assert path.read_text(encoding="utf-8").count("\n") <= 500, path.name


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("from sync.etims.amounts import band_fields", "sync.etims.sandbox.checks", False),
        ("from ..amounts import vat_inside", "sync.etims.sandbox.checks", False),
        ("from .. import codes", "sync.etims.sandbox", True),
        ("import sync.etims.client", "sync.etims.sandbox.server", False),
        ("from sync.protocol.sales import vat_of", "sync.etims.sandbox.api", False),
        ("def f():\n    from pos.domain.tax import KENYA_VAT\n", "sync.etims.sandbox.x", False),
        ("import requests", "sync.etims.sandbox.server", False),
    ],
)
def test_the_import_check_catches_borrowed_helpers(
    source: str, module: str, is_package: bool
) -> None:
    assert forbidden(imported(source, module, is_package=is_package)) != []


def test_the_import_check_lets_the_sandbox_use_itself_and_the_stdlib() -> None:
    source = "import json\nfrom http.server import HTTPServer\nfrom .checks import Invalid\n"
    assert forbidden(imported(source, "sync.etims.sandbox.server", is_package=False)) == []
