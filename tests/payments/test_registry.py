"""A third-party package adds a payment method through the entry-point group alone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptRef, AttemptState, PaymentRequest
from pos.payments.registry import MethodContext, build, discover
from tests.voucher_plugin import installed


@pytest.fixture
def installed_plugin(tmp_path: Path) -> Iterator[Path]:
    """Install a tiny distribution (module + dist-info) on sys.path, like pip would."""
    with installed(tmp_path) as folder:
        yield folder


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
    assert str(method.validate(PaymentRequest("x", "s1", Money(100, "USD"), "r"))) == (
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
