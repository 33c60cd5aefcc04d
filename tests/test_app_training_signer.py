"""Training's PayPal sandbox keys are made once and kept
(``pos.payments.paypal.training_signer``).

Real keys and certificates on real files; a kept file that cannot be used (damaged, keys
that do not belong together, a leaf about to end) is replaced, never an error.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from pos.app import start_payments
from pos.config import load_config
from pos.payments.paypal.sandbox.signing import WebhookSigner
from pos.payments.paypal.training_signer import FILE_NAME, RENEW_BEFORE, training_signer
from pos.services.terminal import Terminal


def _verifies(signer: WebhookSigner) -> bool:
    message = b"transmission|time|webhook|crc"
    public = signer.leaf.public_key()
    assert isinstance(public, rsa.RSAPublicKey)
    public.verify(
        base64.b64decode(signer.sign(message)), message, padding.PKCS1v15(), hashes.SHA256()
    )
    return signer.leaf.issuer == signer.ca.subject


def test_the_first_start_makes_the_keys_and_later_starts_read_them_back(tmp_path: Path) -> None:
    first = training_signer(tmp_path)
    assert (tmp_path / FILE_NAME).is_file()
    again = training_signer(tmp_path)
    assert again.leaf == first.leaf  # the same chain, not a new one
    assert again.ca == first.ca
    assert again.chain_pem == first.chain_pem
    assert _verifies(again)
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(b"MII", b"XII", 1),
        lambda data: b"not a PEM file at all\n",
    ],
    ids=["empty", "cut", "garbled key", "not PEM"],
)
def test_a_damaged_file_is_replaced_by_new_keys(tmp_path: Path, damage: object) -> None:
    first = training_signer(tmp_path)
    path = tmp_path / FILE_NAME
    assert callable(damage)
    path.write_bytes(damage(path.read_bytes()))
    made = training_signer(tmp_path)
    assert made.leaf != first.leaf
    assert _verifies(made)
    assert training_signer(tmp_path).leaf == made.leaf  # and the new ones are kept


def test_a_key_that_does_not_belong_to_the_leaf_is_replaced(tmp_path: Path) -> None:
    kept = training_signer(tmp_path)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    foreign = stranger.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    (tmp_path / FILE_NAME).write_bytes(foreign + kept.chain_pem)
    made = training_signer(tmp_path)
    assert made.leaf != kept.leaf
    assert _verifies(made)


def test_a_leaf_about_to_end_is_made_again(tmp_path: Path) -> None:
    kept = training_signer(tmp_path)
    end = kept.leaf.not_valid_after_utc
    assert training_signer(tmp_path, now=end - RENEW_BEFORE - timedelta(days=1)).leaf == kept.leaf
    renewed = training_signer(tmp_path, now=end - RENEW_BEFORE + timedelta(days=1))
    assert renewed.leaf != kept.leaf
    assert renewed.leaf.not_valid_after_utc > datetime.now(UTC) + timedelta(days=300)


def test_a_folder_that_cannot_be_written_still_gives_keys(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    signer = training_signer(blocker)  # its "folder" is a file: nothing can be kept
    assert _verifies(signer)


def test_the_training_till_keeps_its_sandbox_keys_in_the_training_folder(
    tmp_path: Path, terminal: Terminal
) -> None:
    config = load_config(config_path=None, data_dir=tmp_path, training=True, env={})
    payments = start_payments(config, terminal, defer_simulators=True)
    try:
        assert payments.simulators is not None
        payments.simulators.start()
    finally:
        payments.close()
    kept = config.database_path.parent / FILE_NAME
    assert kept.is_file()
    assert _verifies(training_signer(kept.parent))
