"""Services and screens know no payment gateway by name: each method describes itself.

A string literal naming a gateway's code (``"mpesa"``, ``"paypal"``) outside that
gateway's own package and the composition root means some screen or service branches on
it, and a method installed from another package would not get the same treatment.
Docstrings and comments may still name gateways as examples.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CODES = ("mpesa", "paypal")
#: a code as code is written: lower case, on its own or inside an identifier-like word
#: ("mpesa", "mpesa.1032", "MpesaDialog"); a label people read ("M-Pesa", "PayPal") is not one
_CODE = re.compile(r"(?<![A-Za-z])(?:mpesa|paypal)(?![a-z])|Mpesa|Paypal|MPESA|PAYPAL")
#: where the codes may appear: the gateways' own packages and the composition root
ALLOWED = (
    "pos/payments/mpesa/",
    "pos/payments/paypal/",
    "pos/app.py",
    "pos/cli.py",
    "pos/bench/",
)


def _docstring_nodes(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def gateway_codes_in(path: Path) -> list[str]:
    """``line: literal`` for every string literal in ``path`` that names a gateway code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstring_nodes(tree)
    hits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
            and _CODE.search(node.value)
        ):
            hits.append(f"{node.lineno}: {node.value[:60]!r}")
    return hits


#: the layers that must not even import a gateway or name one in their code: the
#: composition root and the wiring beside it (``pos/sync_link.py`` and the like) may
LAYERS = ("pos/services", "pos/ui", "pos/domain", "pos/store")
#: in a name any spelling counts (``PayPalDialog`` as much as ``mpesa_phone``)
_NAME = re.compile(r"mpesa|paypal", re.IGNORECASE)


def gateway_names_in(path: Path) -> list[str]:
    """``line: name`` for every import, name, attribute, function or class in ``path``
    that names a gateway (``from pos.payments.mpesa import ...``, ``MpesaDialog``,
    ``method.paypal_order``): a layer that imports a gateway branches on it as surely as
    one that compares its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    hits: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Name):
            names = [node.id]
        elif isinstance(node, ast.Attribute):
            names = [node.attr]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] + [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names = [node.name]
        line = getattr(node, "lineno", 0)
        hits.extend((line, name) for name in names if _NAME.search(name))
    return [f"{line}: {name}" for line, name in sorted(hits, key=lambda hit: hit[0])]


def sources() -> list[Path]:
    return sorted(p for p in (ROOT / "pos").rglob("*.py") if "__pycache__" not in p.parts)


def test_no_service_or_screen_names_a_gateway() -> None:
    offenders = {}
    for path in sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(ALLOWED):
            continue
        hits = gateway_codes_in(path)
        if hits:
            offenders[relative] = hits
    assert offenders == {}, "gateway codes outside their packages: " + repr(offenders)


def test_no_layer_imports_or_names_a_gateway() -> None:
    offenders = {}
    for path in sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith(LAYERS):
            hits = gateway_names_in(path)
            if hits:
                offenders[relative] = hits
    assert offenders == {}, "gateways named in services or screens: " + repr(offenders)


def test_the_check_finds_a_gateway_import_or_name(tmp_path: Path) -> None:
    sample = tmp_path / "screen.py"
    sample.write_text(
        "from pos.payments.mpesa.method import MpesaMethod\n"
        "def pay(method):\n    return method.paypal_order\n"
        "class PayPalDialog:\n    pass\n"
        "def refund(payment):\n    return payment.reference\n"
    )
    assert gateway_names_in(sample) == [
        "1: pos.payments.mpesa.method",
        "1: MpesaMethod",
        "3: paypal_order",
        "4: PayPalDialog",
    ]


def test_the_check_finds_a_gateway_code(tmp_path: Path) -> None:
    sample = tmp_path / "screen.py"
    sample.write_text(
        '"""Pays by M-Pesa or paypal (a docstring may say so)."""\n'
        'def pay(code):\n    return "MpesaDialog" if code == "mpesa" else None\n'
    )
    assert gateway_codes_in(sample) == ["3: 'MpesaDialog'", "3: 'mpesa'"]


@pytest.mark.parametrize("layer", ["pos/services", "pos/ui", "pos/domain", "pos/store"])
def test_the_layers_checked_exist(layer: str) -> None:
    assert (ROOT / layer).is_dir()
