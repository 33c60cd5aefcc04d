"""The rules of Daraja the sandbox checks, written here on purpose.

The client (:mod:`pos.payments.mpesa.client`) has its own versions of the password,
the timestamp and the number formats. The sandbox must not borrow them: a bug shared by
both sides would pass every test. So everything the sandbox checks is implemented again
here from ``gateways.md`` section A, and a test (``test_mpesa_sandbox_independence.py``)
parses the sandbox's imports and fails if any of them reaches into the client, the method
or their helpers.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from datetime import datetime, timedelta, timezone, tzinfo
from urllib.parse import urlsplit

__all__ = [
    "MSISDN_RE",
    "NAIROBI",
    "SHORTCODE_RE",
    "TIMESTAMP_RE",
    "callback_url_problem",
    "is_loopback",
    "now_timestamp",
    "password_for",
    "valid_timestamp",
]


def _east_africa_time() -> tzinfo:
    """Africa/Nairobi from the tz database, else a fixed +03:00 (Kenya keeps no DST)."""
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Africa/Nairobi")
    except Exception:  # pragma: no cover - depends on the machine's tz database
        return timezone(timedelta(hours=3), "EAT")


#: Daraja's clock: Timestamp and TransactionDate are Nairobi wall-clock time.
NAIROBI = _east_africa_time()

#: ``254`` + 9 digits, prefix 2547 or 2541 (gateways.md A7, as daraja-local validates).
MSISDN_RE = re.compile(r"^254[17]\d{8}$")
#: Paybill, store or till numbers: 5 to 7 digits (gateways.md A2).
SHORTCODE_RE = re.compile(r"^\d{5,7}$")
#: ``YYYYMMDDHHmmss`` (gateways.md A2).
TIMESTAMP_RE = re.compile(r"^\d{14}$")


def valid_timestamp(text: str) -> bool:
    """``YYYYMMDDHHmmss`` that names a real moment (no 31 February, no hour 25)."""
    if not TIMESTAMP_RE.match(text):
        return False
    year, month, day = int(text[0:4]), int(text[4:6]), int(text[6:8])
    hour, minute, second = int(text[8:10]), int(text[10:12]), int(text[12:14])
    try:
        datetime(year, month, day, hour, minute, second)
    except ValueError:
        return False
    return True


def now_timestamp(when: datetime) -> str:
    """``when`` (timezone-aware) as Daraja writes it: Nairobi time, ``YYYYMMDDHHmmss``."""
    local = when.astimezone(NAIROBI)
    return (
        f"{local.year:04d}{local.month:02d}{local.day:02d}"
        f"{local.hour:02d}{local.minute:02d}{local.second:02d}"
    )


def password_for(shortcode: str, passkey: str, timestamp: str) -> str:
    """The Password Daraja expects: base64 of shortcode, passkey and timestamp, joined as
    plain text in that order (gateways.md A2, checked there against Safaricom's sample)."""
    joined = shortcode + passkey + timestamp
    return base64.b64encode(joined.encode("ascii")).decode("ascii")


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def callback_url_problem(value: object, *, local_callbacks: bool) -> str | None:
    """Why Daraja would refuse this CallBackURL, or None when it is acceptable.

    Daraja wants an HTTPS URL (gateways.md A2 "CallBackURL: HTTPS URL"; A8 "production must
    be HTTPS"); integrators report ``400.002.02`` "Bad Request - Invalid CallBackURL" for a
    URL with a space in it and for ``http://localhost``. GUESS: that plain ``http://`` to a
    public host, and any whitespace or control character, get the same answer (no source
    shows a different code). ``local_callbacks`` is the sandbox's own permissive mode: it
    also accepts ``http://`` to this machine (127.0.0.1, ``localhost``, ``::1``), for tests
    and integrators with a receiver on their desk; Daraja itself never does.
    """
    if not isinstance(value, str) or not value:
        return "missing"
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value):
        return "contains a space or a control character"
    try:
        parts = urlsplit(value)
        host = parts.hostname or ""
        _ = parts.port  # a port that is not a number is refused here
    except ValueError:
        return "not a URL"
    if not host:
        return "has no host"
    scheme = parts.scheme.lower()
    if scheme == "https":
        return None
    if scheme == "http" and local_callbacks and is_loopback(host):
        return None
    if scheme == "http" and is_loopback(host):
        return "plain http to this machine (start the sandbox with local_callbacks=True)"
    return "not https"
