"""A third-party package adds a payment method through the entry-point group alone."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.registry import ENTRY_POINT_GROUP, MethodContext, build, discover

PLUGIN = '''
"""An example gateway: vouchers, paid in full the moment they are redeemed."""
from pos.payments.base import (
    AttemptState, Capability, PaymentMethod, PaymentResult,
)


class VoucherMethod(PaymentMethod):
    code = "voucher"
    label = "Gift voucher"
    capabilities = frozenset({Capability.IMMEDIATE})

    def __init__(self, currency):
        self.currencies = frozenset({currency})

    def start(self, request):
        return PaymentResult(AttemptState.CAPTURED, "ok", "Voucher redeemed.",
                             gateway_ref="V-" + request.attempt_id[:8],
                             captured=request.amount)

    def status(self, ref):
        return PaymentResult(AttemptState.CAPTURED, "ok", "Voucher redeemed.",
                             captured=ref.amount)


def create(context):
    return VoucherMethod(context.currency)


def broken(context):
    raise RuntimeError("this plug-in is broken")
'''


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    """Install a tiny distribution (module + dist-info) on sys.path, like pip would."""
    (tmp_path / "kaunta_voucher.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "kaunta_voucher-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kaunta-voucher\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            f"""
            [{ENTRY_POINT_GROUP}]
            voucher = kaunta_voucher:create
            notamethod = kaunta_voucher:broken
            missing = kaunta_voucher_nowhere:create
            """
        ),
        encoding="utf-8",
    )
    sys.path.insert(0, str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("kaunta_voucher", None)


def test_kaunta_registers_its_own_methods_the_same_way() -> None:
    found = discover()
    assert found["cash"].source == "pos.payments.cash:create"
    cash = build("cash", MethodContext(training=True, currency="KES"), found)
    result = cash.start(PaymentRequest("a1", "s1", Money(5000), "ref"))
    assert result.state is AttemptState.CAPTURED
    assert result.captured == Money(5000)


@pytest.mark.usefixtures("installed_plugin")
def test_a_third_party_method_is_found_and_works() -> None:
    found = discover()
    assert "voucher" in found
    assert "missing" not in found  # a plug-in that cannot load is skipped, not fatal
    method = build("voucher", MethodContext(training=False, currency="KES"), found)
    assert (method.code, method.label) == ("voucher", "Gift voucher")
    result = method.start(PaymentRequest("0123456789abcdef", "s1", Money(25000), "ref"))
    assert (result.state, result.gateway_ref) == (AttemptState.CAPTURED, "V-01234567")
    again = method.status(AttemptRef("0123456789abcdef", "s1", Money(25000), "V-01234567"))
    assert again.state is AttemptState.CAPTURED
    assert method.validate(PaymentRequest("x", "s1", Money(100, "USD"), "r")) == (
        "Gift voucher cannot take USD."
    )


@pytest.mark.usefixtures("installed_plugin")
def test_a_broken_factory_or_unknown_code_is_a_clear_error() -> None:
    found = discover()
    context = MethodContext(training=False, currency="KES")
    with pytest.raises(RuntimeError, match="broken"):
        build("notamethod", context, found)
    with pytest.raises(LookupError, match="No payment method 'nope' is installed"):
        build("nope", context, found)
