"""Each sandbox checks its gateway's rules with its own code, never the client's.

If the M-Pesa sandbox borrowed ``stk_password`` or ``daraja_timestamp`` from the client, or
the PayPal sandbox ``PAYPAL_CURRENCIES`` or ``paypal_decimals``, a bug there would pass on
both sides. Every sandbox module is parsed with :mod:`ast` (never imported) and may import
the standard library, third-party libraries and its own sandbox package, nothing else of
Kaunta's.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAYS = ("mpesa", "paypal")


def sandbox_files(gateway: str) -> list[Path]:
    folder = ROOT / "pos" / "payments" / gateway
    return [*sorted((folder / "sandbox").rglob("*.py")), folder / "sandbox_control.py"]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(source: str, module: str, *, is_package: bool) -> list[str]:
    """Every module ``source`` imports (relative imports resolved against ``module``),
    including ``from package import submodule`` as ``package.submodule``."""
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


def forbidden(names: list[str], allowed: str) -> list[str]:
    """Imports of Kaunta code outside the ``allowed`` sandbox package.

    ``from pos.payments.mpesa import client`` yields ``pos.payments.mpesa`` and
    ``pos.payments.mpesa.client``: the second is what matters, so a bare package name is
    only checked when nothing under it is named.
    """
    bad = []
    for name in names:
        if not (name == "pos" or name.startswith("pos.")):
            continue
        if name == allowed or name.startswith(allowed + "."):
            continue
        if any(other.startswith(name + ".") for other in names):
            continue  # a package named only to import from it; its members are checked
        bad.append(name)
    return bad


@pytest.mark.parametrize(
    "path",
    [p for g in GATEWAYS for p in sandbox_files(g)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_sandbox_modules_import_nothing_from_the_client_or_method(path: Path) -> None:
    gateway = path.relative_to(ROOT).parts[2]
    source = path.read_text(encoding="utf-8")
    names = imported(source, module_name(path), is_package=path.name == "__init__.py")
    assert forbidden(names, f"pos.payments.{gateway}.sandbox") == [], (
        f"{path.relative_to(ROOT)} imports Kaunta code outside the sandbox: the sandbox must "
        "implement what it checks itself"
    )


@pytest.mark.parametrize("gateway", GATEWAYS)
def test_each_sandbox_is_a_package_of_small_modules(gateway: str) -> None:
    files = sandbox_files(gateway)
    assert len(files) > 2
    for path in files:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 650, f"{path.name} has {lines} lines"


@pytest.mark.parametrize(
    ("gateway", "source", "module", "is_package"),
    [
        ("mpesa", "from pos.payments.mpesa.client import stk_password", "x.sandbox.y", False),
        ("mpesa", "from ..client import NAIROBI", "pos.payments.mpesa.sandbox.x", False),
        ("mpesa", "from .. import method", "pos.payments.mpesa.sandbox", True),
        ("mpesa", "from pos.payments.mpesa import codes", "pos.payments.mpesa.sandbox.x", False),
        ("mpesa", "import pos.payments.mpesa.phone", "pos.payments.mpesa.sandbox.x", False),
        ("paypal", "from pos.payments.paypal.client import paypal_decimals", "x.y", False),
        (
            "paypal",
            "from ..client import PAYPAL_CURRENCIES",
            "pos.payments.paypal.sandbox.x",
            False,
        ),
        ("paypal", "from .. import method", "pos.payments.paypal.sandbox", True),
        (
            "paypal",
            "from pos.payments.paypal import webhooks",
            "pos.payments.paypal.sandbox.x",
            False,
        ),
        (
            "paypal",
            "def f():\n    from pos.payments.mpesa.client import stk_password\n",
            "m.x",
            False,
        ),
    ],
)
def test_the_import_check_catches_borrowed_helpers(
    gateway: str, source: str, module: str, is_package: bool
) -> None:
    names = imported(source, module, is_package=is_package)
    assert forbidden(names, f"pos.payments.{gateway}.sandbox") != []


@pytest.mark.parametrize(
    ("gateway", "source"),
    [
        ("mpesa", "from pos.payments.mpesa.sandbox import Decision\nfrom .wire import Reply\n"),
        ("paypal", "from pos.payments.paypal.sandbox import issues\nfrom . import views\n"),
    ],
)
def test_the_import_check_lets_the_sandbox_use_itself_and_libraries(
    gateway: str, source: str
) -> None:
    module = f"pos.payments.{gateway}.sandbox.server"
    names = imported("import json\nimport requests\n" + source, module, is_package=False)
    assert forbidden(names, f"pos.payments.{gateway}.sandbox") == []
