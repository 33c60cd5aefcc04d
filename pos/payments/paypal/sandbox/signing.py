"""Signing webhooks the way PayPal does, with a certificate chain of the sandbox's own.

PayPal signs ``transmission_id|transmission_time|webhook_id|crc32(raw body)`` with
SHA256withRSA and names the certificate in ``PAYPAL-CERT-URL`` (gateways.md B5). The
sandbox makes a fresh key, a self-signed root and a leaf certificate shaped like PayPal's.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

__all__ = ["SANDBOX_CA_CN", "SANDBOX_CERT_CN", "WebhookSigner"]

#: The leaf certificate's CN, shaped like PayPal's message-verification certificate.
SANDBOX_CERT_CN = "messageverificationcerts.sandbox.paypal.com"
SANDBOX_CA_CN = "Kaunta PayPal Sandbox Root CA (training only, not PayPal)"


class WebhookSigner:
    """A signing key and the certificate chain PayPal would serve at ``PAYPAL-CERT-URL``.

    The sandbox makes a fresh one at start: a self-signed root ("Kaunta PayPal Sandbox
    Root CA", trusted only by the sandbox trust policy) and a leaf certificate shaped
    like PayPal's. Tests make their own to try wrong names, dates or issuers.
    """

    def __init__(
        self,
        key: rsa.RSAPrivateKey,
        leaf: x509.Certificate,
        ca: x509.Certificate,
    ) -> None:
        self.key = key
        self.leaf = leaf
        self.ca = ca

    @classmethod
    def generate(
        cls,
        *,
        common_name: str = SANDBOX_CERT_CN,
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        ca_name: str = SANDBOX_CA_CN,
    ) -> WebhookSigner:
        now = datetime.now(UTC)
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        ca_subject = x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kaunta training"),
                x509.NameAttribute(NameOID.COMMON_NAME, ca_name),
            ]
        )
        ca = (
            x509.CertificateBuilder()
            .subject_name(ca_subject)
            .issuer_name(ca_subject)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=True, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .sign(ca_key, hashes.SHA256())
        )  # fmt: skip
        leaf = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name(
                    [
                        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Kaunta PayPal Sandbox"),
                        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                    ]
                )
            )
            .issuer_name(ca_subject)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - timedelta(days=1))
            .not_valid_after(not_after or now + timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca_key, hashes.SHA256())
        )
        return cls(leaf_key, leaf, ca)

    @property
    def chain_pem(self) -> bytes:
        """Leaf first, then the issuer: what the cert URL serves."""
        return self.leaf.public_bytes(serialization.Encoding.PEM) + self.ca.public_bytes(
            serialization.Encoding.PEM
        )

    @property
    def ca_pem(self) -> bytes:
        return self.ca.public_bytes(serialization.Encoding.PEM)

    def sign(self, message: bytes) -> str:
        """RSA PKCS#1 v1.5 over SHA-256, base64: PayPal's ``SHA256withRSA``."""
        signature = self.key.sign(message, padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode("ascii")

    def headers(
        self, body: bytes, webhook_id: str, cert_url: str, when: datetime
    ) -> dict[str, str]:
        """The headers PayPal sends with a webhook whose raw body is ``body``."""
        transmission_id = str(uuid.uuid1())
        transmission_time = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        crc = zlib.crc32(body) & 0xFFFFFFFF
        signed = f"{transmission_id}|{transmission_time}|{webhook_id}|{crc}".encode()
        return {
            "Content-Type": "application/json",
            "PAYPAL-TRANSMISSION-ID": transmission_id,
            "PAYPAL-TRANSMISSION-TIME": transmission_time,
            "PAYPAL-TRANSMISSION-SIG": self.sign(signed),
            "PAYPAL-CERT-URL": cert_url,
            "PAYPAL-AUTH-ALGO": "SHA256withRSA",
            "User-Agent": "PayPal/AUHD-214.0-58009467 (Kaunta sandbox)",
        }
