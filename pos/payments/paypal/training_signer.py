"""Training's PayPal sandbox signing keys, made once and kept in the training folder.

The PayPal sandbox signs its webhooks with a certificate chain of its own
(:class:`~pos.payments.paypal.sandbox.signing.WebhookSigner`): two 2048-bit RSA keys, a
root and a leaf certificate. Making them takes 50 to 250 ms of CPU (finding RSA primes
takes a random time), and a training till used to make them at every start. They are
training's only and protect nothing real (the sandbox's root is trusted by the sandbox's
own trust policy alone), so, as the training journal's key (``TrainingKeyFile``), they are
kept in a file beside the training database: the first start makes them, later starts
read them back in about a millisecond.

A file that is missing, unreadable, damaged or whose leaf certificate ends within
:data:`RENEW_BEFORE` is replaced by a freshly made chain (never an error: the sandbox
must start). Only the leaf's key is kept; the root's key is not needed once the leaf is
signed.
"""

from __future__ import annotations

import base64
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pos.payments.paypal.sandbox.signing import WebhookSigner

log = logging.getLogger(__name__)

#: the file, in the training data folder
FILE_NAME = "paypal-sandbox-signer.pem"
#: a kept chain whose leaf certificate ends sooner than this is made again
RENEW_BEFORE = timedelta(days=30)


def training_signer(folder: Path, *, now: datetime | None = None) -> WebhookSigner:
    """The sandbox's signer kept in ``folder`` (the training database's folder), made and
    written there when there is none usable. ``now``: the clock (tests move it)."""
    from pos.payments.paypal.sandbox.signing import WebhookSigner

    path = folder / FILE_NAME
    moment = now or datetime.now(UTC)
    kept = _read(path, moment)
    if kept is not None:
        return kept
    signer = WebhookSigner.generate()
    try:
        _write(path, signer)
    except OSError as exc:  # the sandbox still runs; the next start makes keys again
        log.warning("training PayPal sandbox keys not kept in %s: %s", path, exc)
    return signer


def _read(path: Path, now: datetime) -> WebhookSigner | None:
    """The kept chain, or None (missing, damaged, or its leaf about to end)."""
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from pos.payments.paypal.sandbox.signing import WebhookSigner

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("training PayPal sandbox keys in %s unreadable (%s): made again", path, exc)
        return None
    try:
        # OpenSSL's full check of an RSA key costs about 150 ms; one signature checked
        # against the leaf certificate below (about 2 ms) shows the same: a key whose
        # parts do not belong together cannot sign what the leaf's public key verifies
        key = serialization.load_pem_private_key(
            data, password=None, unsafe_skip_rsa_key_validation=True
        )
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        log.warning("training PayPal sandbox keys in %s damaged (%s): made again", path, exc)
        return None
    if not isinstance(key, rsa.RSAPrivateKey) or len(certificates) != 2:
        log.warning("training PayPal sandbox keys in %s are not a key and two certificates", path)
        return None
    leaf, ca = certificates
    if leaf.public_key() != key.public_key() or leaf.issuer != ca.subject:
        log.warning("training PayPal sandbox keys in %s do not match: made again", path)
        return None
    if not leaf.not_valid_before_utc <= now <= leaf.not_valid_after_utc - RENEW_BEFORE:
        log.info("training PayPal sandbox certificate in %s ends soon: made again", path)
        return None
    signer = WebhookSigner(key, leaf, ca)
    public = leaf.public_key()
    assert isinstance(public, rsa.RSAPublicKey)  # it equals the RSA key's public half
    probe = b"kaunta training signer check"
    try:
        public.verify(
            base64.b64decode(signer.sign(probe)), probe, padding.PKCS1v15(), hashes.SHA256()
        )
    except (InvalidSignature, ValueError) as exc:
        log.warning("training PayPal sandbox key in %s cannot sign (%s): made again", path, exc)
        return None
    return signer


def _write(path: Path, signer: WebhookSigner) -> None:
    """The leaf's key, then the leaf and the root certificate, written whole or not at
    all (a new file renamed over the old one)."""
    from cryptography.hazmat.primitives import serialization

    key = signer.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    part.write_bytes(key + signer.chain_pem)
    os.replace(part, path)
