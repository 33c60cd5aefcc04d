"""The PayPal sandbox checks PayPal's rules with its own code, never the client's.

If the sandbox borrowed ``PAYPAL_CURRENCIES`` or ``paypal_decimals`` from the client, a
bug there would pass on both sides. Every sandbox module is parsed with :mod:`ast` (never
imported) and may import nothing from ``pos`` outside the sandbox package itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
GATEWAY = ROOT / "pos" / "payments" / "paypal"
ALLOWED = "pos.payments.paypal.sandbox"


def sandbox_files() -> list[Path]:
    package = GATEWAY / "sandbox"
    files = sorted(package.rglob("*.py")) if package.is_dir() else [GATEWAY / "sandbox.py"]
    return [*files, GATEWAY / "sandbox_control.py"]


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


def forbidden(names: list[str]) -> list[str]:
    """Imports of Kaunta code outside the sandbox package (client, method, webhooks, ...).

    ``from pos.payments.paypal.sandbox import X`` also yields the name
    ``pos.payments.paypal.sandbox.X``, which is allowed; ``from pos.payments.paypal import
    client`` yields ``pos.payments.paypal`` and ``pos.payments.paypal.client``: the second is
    what matters, so a bare package name is only checked when nothing under it is named.
    """
    bad = []
    for name in names:
        if not (name == "pos" or name.startswith("pos.")):
            continue
        if name == ALLOWED or name.startswith(ALLOWED + "."):
            continue
        if any(other.startswith(name + ".") for other in names):
            continue  # a package named only to import from it; its members are checked
        bad.append(name)
    return bad


@pytest.mark.parametrize("path", sandbox_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_sandbox_modules_import_nothing_from_the_client_or_method(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    names = imported(source, module_name(path), is_package=path.name == "__init__.py")
    assert forbidden(names) == [], (
        f"{path.relative_to(ROOT)} imports Kaunta code outside the sandbox: the sandbox must "
        "implement what it checks itself"
    )


def test_the_sandbox_is_a_package_of_small_modules() -> None:
    files = sandbox_files()
    assert len(files) > 2
    for path in files:
        lines = path.read_text(encoding="utf-8").count("\n")
        assert lines <= 650, f"{path.name} has {lines} lines"


@pytest.mark.parametrize(
    ("source", "module", "is_package"),
    [
        ("from pos.payments.paypal.client import paypal_decimals", "pos.x.y", False),
        ("from ..client import PAYPAL_CURRENCIES", "pos.payments.paypal.sandbox.x", False),
        ("from .. import method", "pos.payments.paypal.sandbox", True),
        ("from pos.payments.paypal import webhooks", "pos.payments.paypal.sandbox.x", False),
        ("import pos.payments.paypal.client", "pos.payments.paypal.sandbox.x", False),
        ("def f():\n    from pos.payments.mpesa.client import stk_password\n", "m.x", False),
    ],
)
def test_the_import_check_catches_borrowed_helpers(
    source: str, module: str, is_package: bool
) -> None:
    assert forbidden(imported(source, module, is_package=is_package)) != []


def test_the_import_check_lets_the_sandbox_use_itself_and_libraries() -> None:
    source = (
        "import json\nimport requests\n"
        "from pos.payments.paypal.sandbox import issues\n"
        "from .rules import CURRENCIES\nfrom . import views\n"
    )
    names = imported(source, "pos.payments.paypal.sandbox.server", is_package=False)
    assert forbidden(names) == []
