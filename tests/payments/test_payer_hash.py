"""The payer's phone number is kept as a keyed hash, so a copy of the data file gives
nothing back: HMAC-SHA256 under ``payments.payer_key``, a key kept in the secret store
(the OS keyring on a live till), never in the database. Real SQLite, the M-Pesa sandbox on
127.0.0.1, and callbacks as the sandbox sends them."""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from pos.domain.money import Money
from pos.payments.base import AttemptState, PayerKey, PaymentMethod, payer_hash
from pos.payments.mpesa.method import create as create_mpesa
from pos.payments.mpesa.sandbox import Decision, MpesaSandbox
from pos.payments.registry import MethodContext
from pos.secrets import MemorySecrets
from pos.services.payments import AttemptView, PaymentService
from pos.services.terminal import Terminal

MILK = "6168232712628"  # 65.00
PHONE = "0712 345 678"
MSISDN = "254712345678"
#: Nothing listens here: the sandbox records each callback it tries, which is what the
#: head office would relay to the till.
CALLBACK_URL = "http://127.0.0.1:9/mpesa/callback/{attempt_id}"


class CountingSecrets(MemorySecrets):
    """The training secret store, counting how often a secret is written."""

    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def set(self, name: str, value: str) -> None:
        self.writes += 1
        time.sleep(0.01)  # widen the window two racing writers would need
        super().set(name, value)


@pytest.fixture
def sandbox() -> Iterator[MpesaSandbox]:
    box = MpesaSandbox(prompt_timeout=5.0, local_callbacks=True).start()
    try:
        yield box
    finally:
        box.stop()


def mpesa(sandbox: MpesaSandbox, secrets: MemorySecrets) -> dict[str, PaymentMethod]:
    settings = {"base_url": sandbox.base_url, "callback_url": CALLBACK_URL}
    return {"mpesa": create_mpesa(MethodContext(True, "KES", settings, secrets))}


def enable(
    cashier: Terminal, sandbox: MpesaSandbox, hashed_with: MemorySecrets, read_by: MemorySecrets
) -> PaymentService:
    """Payments as ``pos.app`` wires them: the service keeps the key in ``hashed_with``,
    the M-Pesa method reads it from ``read_by`` (the same store in the app)."""
    methods = mpesa(sandbox, read_by)
    return cashier.enable_payments(methods, payer_key=PayerKey.kept_in(hashed_with))


def approved_push(cashier: Terminal, payments: PaymentService, sandbox: MpesaSandbox) -> str:
    """Start an M-Pesa payment for a milk, approve it on the "phone"; the attempt id."""
    cashier.checkout.scan(MILK)
    started = payments.start("mpesa", Money(6500, "KES"), PHONE)
    assert started.state is AttemptState.PENDING
    [push] = sandbox.pending()
    sandbox.decide(push.checkout_request_id, Decision.APPROVE)
    return started.attempt_id


def relay_callback(payments: PaymentService, sandbox: MpesaSandbox, attempt_id: str) -> AttemptView:
    [sent] = sandbox.wait_for_callbacks(1)
    return payments.apply_gateway_event("mpesa", sent.body.encode(), attempt_id=attempt_id)


def attempt_row(db_path: Path) -> tuple[str, str, str]:
    conn = sqlite3.connect(db_path)
    try:
        [row] = conn.execute("SELECT id, payer_masked, payer_hash FROM payment_attempts")
    finally:
        conn.close()
    return str(row[0]), str(row[1]), str(row[2])


def old_hash(attempt_id: str, msisdn: str) -> str:
    """How payer hashes were made before they were keyed (and how an attacker checks a
    guess against one): SHA-256 of ``attempt_id:number``."""
    return hashlib.sha256(f"{attempt_id}:{msisdn}".encode()).hexdigest()


# -- the hash --------------------------------------------------------------------------------


def test_the_payer_hash_depends_on_the_key_the_attempt_and_the_number() -> None:
    key, other_key = b"k" * 32, b"K" * 32
    stored = payer_hash(key, "att-1", MSISDN)
    assert len(stored) == 64  # fits payment_attempts.payer_hash
    assert stored == payer_hash(key, "att-1", MSISDN)
    assert stored != payer_hash(other_key, "att-1", MSISDN)
    assert stored != payer_hash(key, "att-2", MSISDN)
    assert stored != payer_hash(key, "att-1", "254712345679")
    assert stored != old_hash("att-1", MSISDN)
    with pytest.raises(ValueError, match="key"):
        payer_hash(b"", "att-1", MSISDN)


def test_a_copy_of_the_database_does_not_give_the_phone_number_back(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    keyring = MemorySecrets()
    payments = enable(cashier, sandbox, keyring, keyring)
    cashier.checkout.scan(MILK)
    payments.start("mpesa", Money(6500, "KES"), PHONE)
    attempt_id, masked, stored = attempt_row(cashier.db.path)
    assert masked == "2547******78"  # six digits hidden: a million candidates
    # the attack that worked on plain hashes: hash each candidate with the attempt id and
    # compare; the right number no longer matches, so none does
    assert stored != old_hash(attempt_id, MSISDN)
    # with the key, which is kept in the secret store, the hash is the number's
    key_hex = keyring.get(PayerKey.SECRET)
    assert key_hex is not None
    assert stored == payer_hash(bytes.fromhex(key_hex), attempt_id, MSISDN)
    files = [cashier.db.path, Path(f"{cashier.db.path}-wal")]
    content = b"".join(f.read_bytes() for f in files if f.exists())
    assert key_hex.encode() not in content
    assert bytes.fromhex(key_hex) not in content


# -- the key ---------------------------------------------------------------------------------


def test_the_payer_key_is_made_on_first_use_and_read_back_after() -> None:
    keyring = MemorySecrets()
    with pytest.raises(LookupError, match=r"payments\.payer_key"):
        PayerKey.read_from(keyring)()  # a checker never makes one
    key = PayerKey.kept_in(keyring)()
    assert len(key) == 32
    assert keyring.get(PayerKey.SECRET) == key.hex()
    assert PayerKey.kept_in(keyring)() == key  # the next start finds it
    assert PayerKey.read_from(keyring)() == key
    assert PayerKey.kept_in(MemorySecrets())() != key  # another till, another key


def test_two_payer_keys_over_one_store_make_one_key_between_them() -> None:
    keyring = CountingSecrets()
    holders = [PayerKey.kept_in(keyring) for _ in range(4)]
    got: list[bytes] = []
    start = threading.Barrier(len(holders))

    def fetch(holder: PayerKey) -> None:
        start.wait()
        got.append(holder())

    threads = [threading.Thread(target=fetch, args=(h,)) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)
    assert len(got) == 4
    assert len(set(got)) == 1
    assert keyring.writes == 1


def test_a_damaged_payer_key_is_refused_with_its_name() -> None:
    keyring = MemorySecrets()
    keyring.set(PayerKey.SECRET, "not a key")
    with pytest.raises(ValueError, match=r"payments\.payer_key is damaged"):
        PayerKey.kept_in(keyring)()
    assert keyring.get(PayerKey.SECRET) == "not a key"  # never replaced behind anyone's back


# -- callbacks -------------------------------------------------------------------------------


def test_a_relayed_callback_is_checked_against_the_keyed_hash(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    keyring = MemorySecrets()
    payments = enable(cashier, sandbox, keyring, keyring)
    attempt_id = approved_push(cashier, payments, sandbox)
    settled = relay_callback(payments, sandbox, attempt_id)
    assert settled.state is AttemptState.CAPTURED
    assert settled.receipt is not None  # applied from the callback alone


def test_a_callback_checked_with_another_key_is_a_mismatch_and_the_query_settles_it(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    payments = enable(cashier, sandbox, MemorySecrets(), MemorySecrets())
    attempt_id = approved_push(cashier, payments, sandbox)
    flagged = relay_callback(payments, sandbox, attempt_id)
    assert flagged.state is AttemptState.PENDING  # never applied from this callback
    assert "cannot be checked" in flagged.message  # the method's store has no key at all
    assert payments.poll(attempt_id).state is AttemptState.CAPTURED  # the query decides


def test_an_attempt_hashed_the_old_way_is_not_matched_by_its_callback(
    cashier: Terminal, sandbox: MpesaSandbox
) -> None:
    """Rows stored before payer hashes were keyed: their callback reads as a mismatch for
    the manager, and the status query still settles the attempt (no money lost)."""
    keyring = MemorySecrets()
    payments = enable(cashier, sandbox, keyring, keyring)
    attempt_id = approved_push(cashier, payments, sandbox)
    conn = sqlite3.connect(cashier.db.path)
    with conn:
        conn.execute(
            "UPDATE payment_attempts SET payer_hash = ? WHERE id = ?",
            (old_hash(attempt_id, MSISDN), attempt_id),
        )
    conn.close()
    flagged = relay_callback(payments, sandbox, attempt_id)
    assert flagged.state is AttemptState.PENDING
    assert "not the number the prompt went to" in flagged.message
    settled = payments.poll(attempt_id)
    assert (settled.state, settled.receipt is not None) == (AttemptState.CAPTURED, True)
