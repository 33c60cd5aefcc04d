"""Which certificates may sign PayPal webhooks here, and the chain check by ``cryptography``.

:func:`trust_policy` turns the settings (``PAYPAL_CERT_HOSTS``, ``PAYPAL_TRUST_STORE``,
``PAYPAL_LEAF_CN_SUFFIX``, ``PAYPAL_TOLERANCE_S``, ``PAYPAL_CERT_INSECURE``) into the
:class:`~pos.payments.paypal.webhook_verify.TrustPolicy` that the pure verifier applies
(URL allow-list before any fetch, dates, CN, each certificate signed by the next, the top by
an anchor, then the signature). :func:`chain_verified` then checks the same chain once more
with ``cryptography``'s own X.509 path validation (``cryptography.x509.verification``: a
:class:`Store` of the trust anchors, path building, validity at ``now``, CA basic
constraints and key usage on the issuers), so the decision does not rest on a home-made
walk alone. The end-entity extensions are not held to the Web PKI server profile: PayPal's
signing certificate is not a TLS server certificate.

This module and :mod:`.outbound` are the two places in ``sync.server`` allowed beyond the
head office's usual imports (``cryptography`` here, ``urllib.request`` there).
"""

from __future__ import annotations

import dataclasses
import functools
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.x509.verification import (
    ExtensionPolicy,
    PolicyBuilder,
    Store,
    VerificationError,
)
from django.conf import settings

from pos.payments.paypal.webhook_verify import TrustPolicy

__all__ = ["chain_verified", "trust_policy"]


@functools.lru_cache(maxsize=4)
def _policy(
    hosts: tuple[str, ...], store: str, suffix: str, tolerance_s: int, insecure: bool
) -> TrustPolicy:
    tolerance = timedelta(seconds=tolerance_s)
    if store:
        with open(store, "rb") as pem:
            policy = TrustPolicy.sandbox(
                pem.read(), hosts=hosts, leaf_cn_suffix=suffix, tolerance=tolerance
            )
    else:
        policy = TrustPolicy.production(tolerance=tolerance)
    return dataclasses.replace(
        policy,
        cert_hosts=frozenset(hosts),
        leaf_cn_suffix=suffix,
        schemes=frozenset({"http", "https"}) if insecure else frozenset({"https"}),
        any_port=insecure,
    )


def trust_policy() -> TrustPolicy:
    """The policy the settings describe (cached; a changed setting makes a new one)."""
    return _policy(
        tuple(sorted(settings.PAYPAL_CERT_HOSTS)),
        settings.PAYPAL_TRUST_STORE,
        settings.PAYPAL_LEAF_CN_SUFFIX,
        int(settings.PAYPAL_TOLERANCE_S),
        bool(settings.PAYPAL_CERT_INSECURE),
    )


def chain_verified(pem: bytes, policy: TrustPolicy, now: datetime) -> str | None:
    """``None`` if ``cryptography`` builds a valid path from the leaf to an anchor; else why."""
    try:
        chain = x509.load_pem_x509_certificates(pem)
    except ValueError:
        return "the certificate URL served no certificate"
    if not chain or not policy.anchors:
        return "no certificate or no trust anchor"
    verifier = (
        PolicyBuilder()
        .store(Store(list(policy.anchors)))
        .time(now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now)
        .max_chain_depth(policy.max_chain)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(),
            ee_policy=ExtensionPolicy.permit_all(),
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(chain[0], chain[1:])
    except VerificationError as exc:
        return f"the certificate chain failed X.509 path validation ({exc})"[:300]
    return None
