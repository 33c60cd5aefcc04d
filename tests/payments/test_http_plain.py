"""Plain HTTP is refused for every gateway, except to this machine: the check sits where
every gateway client is built (``HttpClient``), so a live M-Pesa, PayPal or a third-party
method configured with ``http://`` never sends keys or phone numbers in the clear, while
the training sandboxes on 127.0.0.1 keep speaking plain HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptState, PaymentRequest
from pos.payments.http import HttpClient, HttpSettings
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import MpesaSandbox
from pos.payments.registry import MethodContext
from pos.payments.scrubbing import mask_phones

LIVE_KEYS = {
    "mpesa.consumer_key": "key",
    "mpesa.consumer_secret": "secret",
    "mpesa.passkey": "passkey",
}


class Keys:
    """A secret source (the OS keyring in the app)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        return self.values.get(name)


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(prompt_timeout=5.0).start()
    try:
        yield box
    finally:
        box.stop()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.safaricom.co.ke",
        "http://sandbox.safaricom.co.ke/",
        "http://10.0.0.5:8080",
        "http://192.168.1.10",
        "http://[2001:db8::1]:8080",
        "http://0.0.0.0:8770",
        "http://localhost.example.com",
        "HTTP://api-m.paypal.com",
    ],
)
def test_plain_http_away_from_this_machine_is_refused_naming_the_url(url: str) -> None:
    with pytest.raises(ValueError, match="plain HTTP") as refused:
        HttpClient(HttpSettings(url), "mpesa", mask_phones)
    assert url in str(refused.value)
    assert str(refused.value).startswith("mpesa: ")


@pytest.mark.parametrize(
    "url", ["ftp://api.safaricom.co.ke", "api.safaricom.co.ke", "https://", "", "http://[::1"]
)
def test_a_base_url_that_is_not_https_at_all_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="base URL"):
        HttpClient(HttpSettings(url), "paypal", mask_phones)


@pytest.mark.parametrize(
    "url",
    [
        "https://api.safaricom.co.ke",
        "HTTPS://api-m.paypal.com/",
        "http://127.0.0.1:8770",
        "http://127.8.9.10",
        "http://localhost:8080",
        "http://[::1]:8080",
    ],
)
def test_https_anywhere_and_plain_http_to_this_machine_are_accepted(url: str) -> None:
    HttpClient(HttpSettings(url), "gateway", mask_phones).close()


def test_live_mpesa_with_an_http_base_url_is_not_built() -> None:
    settings = {
        "base_url": "http://api.safaricom.co.ke",
        "shortcode": "174379",
        "callback_url": "https://ho.example.com/mpesa/callback/{attempt_id}",
    }
    with pytest.raises(ValueError, match=r"http://api\.safaricom\.co\.ke is plain HTTP"):
        create_mpesa(MethodContext(False, "KES", settings, Keys(LIVE_KEYS)))
    settings["base_url"] = "https://api.safaricom.co.ke"
    assert create_mpesa(MethodContext(False, "KES", settings, Keys(LIVE_KEYS))).code == "mpesa"


def test_training_still_speaks_plain_http_to_the_sandbox_on_this_machine(
    sandbox: MpesaSandbox,
) -> None:
    assert sandbox.base_url.startswith("http://127.0.0.1:")
    method = create_mpesa(MethodContext(True, "KES", {"base_url": sandbox.base_url}))
    phone = method.normalize_phone("0712345678")
    started = method.start(
        PaymentRequest("att-1", "sale-1", Money(10000, "KES"), "DEMO", phone=phone)
    )
    assert started.state is AttemptState.PENDING
    assert [p.checkout_request_id for p in sandbox.pending()] == [started.gateway_ref]
