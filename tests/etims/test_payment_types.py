"""Every tender a Kaunta till can take reaches KRA under its own payment type: the
methods installed as ``kaunta.payment_methods`` entry points are each in the default map,
and a real card method's code is sent as card (05), not "other" (07)."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

from sync.etims.codes import DEFAULT_PAYMENT_TYPES, PaymentType
from sync.etims.mapping import _payment_type
from sync.etims.settings import EtimsSettings

EXPECTED = {
    "cash": PaymentType.CASH,
    "mpesa": PaymentType.MOBILE_MONEY,
    "card_zvt": PaymentType.CARD,
    "card_manual": PaymentType.CARD,
    "paypal": PaymentType.OTHER,
}


def _installed() -> list[str]:
    return sorted(ep.name for ep in entry_points(group="kaunta.payment_methods"))


def test_every_installed_payment_method_has_a_kra_payment_type() -> None:
    installed = _installed()
    assert installed, "no kaunta.payment_methods entry points: is the package installed?"
    assert [m for m in installed if m not in DEFAULT_PAYMENT_TYPES] == []


@pytest.mark.parametrize("method", sorted(EXPECTED))
def test_each_tender_is_sent_under_its_kra_payment_type(method: str) -> None:
    assert _payment_type([(method, 100)], EtimsSettings()) == EXPECTED[method].value


def test_the_entry_point_names_are_the_methods_codes() -> None:
    """The map is keyed by the method's ``code`` (what a sale's payment carries); the
    entry point's name is the same word for each installed method."""
    for ep in entry_points(group="kaunta.payment_methods"):
        module = ep.value.split(":")[0]
        code = getattr(__import__(module, fromlist=["CODE"]), "CODE", None)
        if code is not None:
            assert code == ep.name
