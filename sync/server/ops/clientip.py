"""Who sent a request: the client's address, through the reverse proxies we trust.

Behind the shipped proxy (deploy/Caddyfile) every request's ``REMOTE_ADDR`` is Caddy's own
address; the client's is in ``X-Forwarded-For``, which Caddy appends to. That header is also
what any client can send on its own, so it is believed only as far as trusted hops vouch for
it: ``settings.TRUSTED_PROXIES`` (``KAUNTA_HQ_TRUSTED_PROXIES``, comma-separated networks;
empty by default, which trusts no one and takes ``REMOTE_ADDR`` as the client).

When the direct peer is a trusted proxy, the client is the rightmost ``X-Forwarded-For``
entry that is not itself a trusted proxy (entries further left were written by whoever
called the first trusted hop, i.e. by the client, and prove nothing). When the peer is not
trusted, the header is ignored: the peer is the client. The callback views' allow-list and
stored source, the access log's ``remote`` and every throttle keyed on the address use
:func:`client_address`, so a forged header neither passes the M-Pesa allow-list nor earns a
fresh throttle count per request.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import Any

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@functools.lru_cache(maxsize=8)
def trusted_networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    """The trusted proxies' networks, parsed once per distinct setting."""
    return tuple(ipaddress.ip_network(n, strict=False) for n in spec)


def parse_networks(text: str, name: str) -> list[str]:
    """A comma-separated list of networks from the environment variable ``name``, each
    checked (a typo is refused at start-up naming the variable, not found at the first
    callback). Returns the entries as written."""
    from django.core.exceptions import ImproperlyConfigured

    entries = [n.strip() for n in text.split(",") if n.strip()]
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError as exc:
            raise ImproperlyConfigured(
                f"{name}: {entry!r} is not a network (e.g. 172.30.0.2/32, 10.0.0.0/8)."
            ) from exc
    return entries


def _address(text: str) -> Address | None:
    """One hop of ``X-Forwarded-For`` as an address; a port (``1.2.3.4:80``,
    ``[2001:db8::1]:443``) is dropped; None when it is not an address at all."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(addr: Address, networks: tuple[Network, ...]) -> bool:
    return any(addr in net for net in networks)


def client_address(request: Any) -> str | None:
    """The client's address for ``request`` (a Django ``HttpRequest`` or DRF ``Request``):
    ``REMOTE_ADDR`` unless that is a trusted proxy, then the rightmost untrusted hop of
    ``X-Forwarded-For`` (see the module doc). None when there is no address at all."""
    meta = request.META
    peer: str | None = meta.get("REMOTE_ADDR") or None
    spec = getattr(settings, "TRUSTED_PROXIES", ())
    if not spec or peer is None:
        return peer
    networks = trusted_networks(tuple(spec))
    nearest = _address(peer)
    if nearest is None or not _trusted(nearest, networks):
        return peer
    for hop in reversed(meta.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        addr = _address(hop)
        if addr is None:
            break  # a trusted hop passed on something that is no address: stop at that hop
        nearest = addr
        if not _trusted(addr, networks):
            break
    return str(nearest)
