"""Classic PayPal IPN: is this notification genuine? Ask PayPal, with the exact bytes.

IPN (Instant Payment Notification) is the legacy, form-encoded notification; Orders v2
integrations use webhooks (:mod:`pos.payments.paypal.webhooks`). Old PayPal accounts and
buttons still send it, so the head office may receive it.

The check is a postback: send ``cmd=_notify-validate&`` followed by the message **exactly
as received** (same fields, same order, same encoding; re-encoding parsed fields can
change bytes and makes PayPal answer INVALID) to ``/cgi-bin/webscr``, and accept only an
HTTP 200 whose body is exactly ``VERIFIED`` (PayPal's samples compare it that way).
"""

from __future__ import annotations

from pos.payments.http import HttpClient

IPN_LIVE_URL = "https://ipnpb.paypal.com"
IPN_SANDBOX_URL = "https://ipnpb.sandbox.paypal.com"
IPN_PATH = "/cgi-bin/webscr"
_PREFIX = b"cmd=_notify-validate&"


def validate_ipn(raw_body: bytes, http: HttpClient) -> bool:
    """True only if PayPal answers ``VERIFIED`` to the message as received.

    ``http`` points at :data:`IPN_LIVE_URL`, :data:`IPN_SANDBOX_URL` or the local sandbox.
    The postback changes nothing at PayPal, so it is safe to retry; if no answer comes at
    all, :class:`~pos.payments.base.GatewayUnavailable` is raised: unknown is not INVALID,
    and the listener should answer non-2xx so that PayPal sends the IPN again later.
    """
    if not raw_body:
        return False
    response = http.request(
        "POST",
        IPN_PATH,
        safe_to_repeat=True,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "Kaunta-IPN-Verification",
        },
        data=_PREFIX + bytes(raw_body),
    )
    return response.status_code == 200 and response.content == b"VERIFIED"
