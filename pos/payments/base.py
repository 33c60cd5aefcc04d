"""The interface every payment method implements, and the values it speaks in.

Shaped the way ActiveMerchant and Omnipay shape gateways: a method declares what it can
do (capabilities, currencies), and every call answers with a result object carrying a
state, a machine code and a cashier-readable message. A decline, a cancel by the customer
and "still pending" are results, never exceptions; exceptions are for transport failures
(:class:`GatewayUnavailable`: the outcome is unknown, ask again later) and bugs.

The attempt id (a UUIDv7 made on the till and stored before the gateway is called) is the
idempotency key of every call that creates or captures money, so a retry after a timeout
or a crash can never charge twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import ClassVar, Protocol

from pos.domain.messages import Message, define, text
from pos.domain.money import Money
from pos.domain.outcomes import outcome, say


class AttemptState(StrEnum):
    """Where a payment attempt stands. Final states never change again."""

    CREATED = "created"  # stored on the till, gateway not (yet) reached
    PENDING = "pending"  # the gateway has it; the customer is deciding
    CAPTURED = "captured"  # money taken
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    UNKNOWN = "unknown"  # the gateway could not tell (yet); keep asking

    @property
    def final(self) -> bool:
        return self in _FINAL


_FINAL = frozenset(
    {AttemptState.CAPTURED, AttemptState.DECLINED, AttemptState.CANCELLED, AttemptState.EXPIRED}
)


class DialogKind(StrEnum):
    """What the till shows while a method takes money (the UI has one dialog per kind)."""

    PHONE = "phone"  # the cashier types the customer's phone; the customer approves on it
    QR = "qr"  # a QR code of the method's action URL; the customer approves on their phone
    TERMINAL = "terminal"  # a card terminal shows its own prompts (relayed if connected)
    NONE = "none"  # nothing to ask: send, then wait for the result


@dataclass(frozen=True, slots=True)
class SettingField:
    """One key a method keeps in the OS keyring, as the manager's settings screen shows it.

    ``name`` is the keyring entry (``<code>.<key>``); ``secret`` False marks identifiers
    (shortcode, client id) that may be shown as typed.
    """

    name: str
    label: str
    secret: bool = True


@dataclass(frozen=True, slots=True)
class KeyedField:
    """One value the cashier keys in before sending, read off something the till cannot
    ask (the slip of a bank's standalone card terminal: its approval code, the card's last
    four digits).

    ``name`` is the key in :attr:`PaymentRequest.keyed`; ``label`` is what the dialog
    shows above the field (mark it with ``pos.domain.messages.text`` so it is
    translated). The payment service refuses a request whose value is missing, of the
    wrong length or (``digits_only``) not all digits, before anything is stored; the
    method's own ``validate`` checks the rest (an approval code's letters and digits).
    Keyed values are never logged or stored as typed: only what the method's result
    keeps (its references) reaches the database.
    """

    name: str
    label: str
    digits_only: bool = False
    min_length: int = 1
    max_length: int = 20
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class MethodDescription:
    """Everything that differs between payment methods, declared by the method itself.

    Services and screens read this instead of branching on a method's code, so a method
    installed from another package gets its button, dialog, settings and receipt text
    without a change to Kaunta.
    """

    code: str
    label: str
    dialog: DialogKind = DialogKind.NONE
    hotkey: str | None = None  # e.g. "F10"; None: a button without a key
    receipt_label: str = ""  # how the tender is named on the receipt ("" = label)
    reference_label: str = "Ref"  # what the customer's proof is called ("M-Pesa receipt")
    needs_phone: bool = False
    phone_label: str = text("Customer's phone number")  # shown through the translations
    phone_placeholder: str = ""
    whole_units_only: bool = False  # takes whole units of the currency (M-Pesa: shillings)
    resend_allowed: bool = True  # may the cashier send a new request after a failure
    settings_fields: tuple[SettingField, ...] = ()
    #: what the cashier keys in before sending (carried in ``PaymentRequest.keyed``)
    keyed_fields: tuple[KeyedField, ...] = ()
    #: how long the customer has to approve; the till then stops waiting
    deadline_seconds: int = 300
    #: how long after that deadline the gateway may still report money (late capture);
    #: background re-checks stop once it has passed
    recheck_window_seconds: int = 3600
    #: the customer acts on a device of their own (phone): a training simulator may play it
    customer_device: bool = False
    #: money into the till's own drawer (cash): taken in the tender dialog, with change
    #: and rounding, never through a gateway request
    drawer: bool = False

    @property
    def receipt_name(self) -> str:
        return self.receipt_label or self.label


class Capability(StrEnum):
    REFUND = "refund"
    PARTIAL_REFUND = "partial_refund"
    CANCEL = "cancel"  # the till can withdraw a pending attempt
    CUSTOMER_DEVICE = "customer_device"  # the customer acts on their own phone
    IMMEDIATE = "immediate"  # captured at start (cash): no pending phase
    #: starting again with the same attempt id finds the same request at the gateway
    #: (PayPal-Request-Id), so a start whose answer was lost can simply be repeated
    IDEMPOTENT_START = "idempotent_start"
    #: refunding again with the same ``details["refund_id"]`` finds the same refund at
    #: the gateway instead of making a second one (PayPal-Request-Id)
    IDEMPOTENT_REFUND = "idempotent_refund"


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    """Take ``amount`` for a sale. ``attempt_id`` is also the idempotency key."""

    attempt_id: str
    sale_id: str
    amount: Money
    reference: str  # short text the customer sees (account reference / invoice)
    description: str = ""
    phone: str | None = None  # normalised MSISDN (M-Pesa)
    #: the values of the method's ``keyed_fields`` by name, stripped; kept out of repr so
    #: a logged request never shows them
    keyed: Mapping[str, str] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, slots=True)
class AttemptRef:
    """What a method needs to ask about, cancel or capture an attempt it started."""

    attempt_id: str
    sale_id: str
    amount: Money
    gateway_ref: str  # e.g. CheckoutRequestID, PayPal order id
    phone: str | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    #: False once the till gave up on the attempt (cashier stopped waiting, or it
    #: expired): ``status`` must then report an approval without taking the money, since
    #: the customer may have paid another way meanwhile
    may_capture: bool = True


@dataclass(frozen=True, slots=True)
class PaymentResult:
    """The answer of a method about one attempt."""

    state: AttemptState
    code: str  # machine code: "ok", "mpesa.1032", "paypal.INSTRUMENT_DECLINED", ...
    message: str  # for the cashier: what happened and what to do
    retry_allowed: bool = False  # may the cashier try again with a new attempt?
    gateway_ref: str = ""
    receipt_ref: str = ""  # proof of payment: M-Pesa receipt, PayPal capture id
    captured: Money | None = None
    payer: str = ""  # masked payer identity (2547******49), never the full number
    action_url: str = ""  # where the customer approves (PayPal QR)
    details: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RefundResult:
    """What a method's refund did. ``refund_ref``: the method's own reference of the
    refund; ``receipt_ref``: its proof in the form the payment's ``receipt_ref`` takes (a
    card terminal's approval code and masked PAN), rendered with ``refund_ref`` by
    :meth:`PaymentMethod.customer_reference` for the refund document."""

    ok: bool
    code: str
    message: str
    refund_ref: str = ""
    amount: Money | None = None
    receipt_ref: str = ""


class RefundState(StrEnum):
    """What a method can tell afterwards about a refund whose answer was lost."""

    REFUNDED = "refunded"  # the money went back: the check carries the method's proof
    NOT_REFUNDED = "not_refunded"  # no money moved (never reached it, or it declined)
    PENDING = "pending"  # cannot tell yet (busy, still running): ask again later
    UNKNOWN = "unknown"  # its answer will not tell (something else came after): a person looks


@dataclass(frozen=True, slots=True)
class RefundCheck:
    """The answer of :meth:`PaymentMethod.refund_status`. ``message``: what the manager
    reads (what the method found, and for ``unknown`` what to look at); ``refund_ref``,
    ``receipt_ref`` and ``amount`` as in :class:`RefundResult` when ``refunded``."""

    state: RefundState
    code: str
    message: str
    refund_ref: str = ""
    receipt_ref: str = ""
    amount: Money | None = None


#: what :meth:`PaymentMethod.validate` answers for a currency the method does not take
CANNOT_TAKE = define("payments.cannot_take", "{method} cannot take {currency}.")
#: ... and for a zero or negative amount
AMOUNT_ABOVE_ZERO = text("The amount must be more than zero.")
#: what :meth:`PaymentMethod.check_connection` says when the keys worked
CONNECTED = define("payments.connected", "Connected to {gateway} at {url}: the keys work.")
#: ... and when the gateway refused them (``detail``: the gateway's own words)
KEYS_REFUSED = define("payments.keys_refused", "{gateway} refused the keys: {detail}")
#: the defaults of :meth:`PaymentMethod.cancel` and :meth:`PaymentMethod.refund`: outcomes
#: with the method's label in them, read back into their messages on screen
CANNOT_WITHDRAW = outcome(
    define(
        "payments.cancel_unsupported",
        "{label} payments cannot be withdrawn from the till; the customer can still decline "
        "on their phone.",
    )
)
CANNOT_REFUND = outcome(define("payments.refund_unsupported", "{label} cannot refund."))


class KeysRefused(ValueError):
    """:meth:`PaymentMethod.check_connection`: the gateway refused the configured keys.

    ``str()`` is the English (log, audit); :attr:`msg` the same as a message."""

    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.msg = message


class GatewayUnavailable(Exception):
    """The gateway could not be reached or answered garbage: the outcome is unknown.

    The attempt stays as it is stored and is asked about again later; the message says
    what the cashier can do (wait, check the network, use another method).
    """


class PaymentMethod(ABC):
    """One way to pay. A new gateway is a subclass registered under the entry-point
    group ``kaunta.payment_methods`` (see docs/payments.md)."""

    code: str = ""
    label: str = ""
    capabilities: frozenset[Capability] = frozenset()
    currencies: frozenset[str] = frozenset()
    #: what differs from other methods (dialog, hotkey, settings, ...); see MethodDescription
    description: MethodDescription | None = None

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities

    @classmethod
    def describe(cls) -> MethodDescription:
        """The method's self-description (a plain default from code and label)."""
        if cls.description is not None:
            return cls.description
        return MethodDescription(
            code=cls.code,
            label=cls.label,
            customer_device=Capability.CUSTOMER_DEVICE in cls.capabilities,
        )

    def tender_currency(self, store_currency: str) -> str:
        """The currency the customer is asked in (PayPal: a configured PayPal currency)."""
        return store_currency

    def check_phone(self, text: str) -> str | Message | None:
        """Live check of a typed phone number: None when usable, else what is wrong (a
        fixed sentence or a message with values, shown in the cashier's language)."""
        return None

    def normalize_phone(self, text: str) -> str:
        """The number as the gateway wants it (only called after ``check_phone`` passed)."""
        return text.strip()

    def customer_reference(self, receipt_ref: str, gateway_ref: str) -> str:
        """The reference printed for the customer: their own proof of payment where the
        gateway gives one (M-Pesa's SMS receipt number), never an internal request id."""
        return receipt_ref or gateway_ref

    def validate(self, request: PaymentRequest) -> str | Message | None:
        """Check a request before anything is stored or sent: None, or what is wrong in
        the cashier's words (bad phone number, amount not allowed, wrong currency), as a
        fixed sentence or a message with values that the UI renders in the cashier's
        language (``str()`` of either is the English)."""
        if self.currencies and request.amount.currency not in self.currencies:
            return CANNOT_TAKE(method=self.label, currency=request.amount.currency)
        if request.amount.minor <= 0:
            return AMOUNT_ABOVE_ZERO
        return None

    @abstractmethod
    def start(self, request: PaymentRequest) -> PaymentResult:
        """Begin taking money. Usually answers PENDING with a ``gateway_ref``."""

    @abstractmethod
    def status(self, ref: AttemptRef) -> PaymentResult:
        """Ask where the attempt stands (and advance it, e.g. capture once approved)."""

    def cancel(self, ref: AttemptRef) -> PaymentResult:
        """Withdraw a pending attempt. Methods that cannot just say so."""
        return PaymentResult(
            AttemptState.UNKNOWN,
            "cancel_unsupported",
            say(CANNOT_WITHDRAW, label=self.label),
        )

    def refund(self, ref: AttemptRef, amount: Money) -> RefundResult:
        """Give back ``amount`` of a captured attempt."""
        return RefundResult(False, "refund_unsupported", say(CANNOT_REFUND, label=self.label))

    def prepare_refund(self, ref: AttemptRef, amount: Money) -> str:
        """What to note before :meth:`refund` is called, so that :meth:`refund_status` can
        tell afterwards whether that refund went through (a card terminal: its last
        receipt number). The refund service stores it (at most 80 characters) before it
        calls :meth:`refund`. Raises :class:`GatewayUnavailable` when the method cannot
        be reached: nothing was sent then. The default notes nothing."""
        return ""

    def refund_status(
        self, ref: AttemptRef, amount: Money, noted: str, *, nothing_since: bool
    ) -> RefundCheck:
        """Did the refund of ``amount`` whose answer was lost go through? ``noted``: what
        :meth:`prepare_refund` answered before it was sent; ``nothing_since``: the till
        asked this method for nothing else since (so the method's latest transaction can
        only be that refund). Raises :class:`GatewayUnavailable` when it cannot be
        reached. Methods whose refund is idempotent (:attr:`Capability.IDEMPOTENT_REFUND`:
        the same ``ref.details["refund_id"]`` finds the same refund) ask by repeating it;
        others cannot tell, and a person looks at the method's own records."""
        if self.can(Capability.IDEMPOTENT_REFUND):
            result = self.refund(ref, amount)
            if result.ok:
                return RefundCheck(
                    RefundState.REFUNDED,
                    result.code,
                    result.message,
                    result.refund_ref,
                    result.receipt_ref,
                    result.amount,
                )
            return RefundCheck(RefundState.NOT_REFUNDED, result.code, result.message)
        return RefundCheck(
            RefundState.UNKNOWN,
            "refund_status_unsupported",
            f"{self.label} cannot be asked about a refund afterwards: look at its own "
            "records (back office or statement) for this refund.",
        )

    def scrub(self, text: str) -> str:
        """Remove this method's secrets from a transcript (the base only masks numbers)."""
        return mask_digits(text)

    def check_connection(self) -> str | Message:
        """Prove the keys work with the cheapest authenticated call; say what was done
        (a fixed sentence or a message such as :data:`CONNECTED`).

        Raises ``GatewayUnavailable`` (network) or ``ValueError`` (keys refused; a
        :class:`KeysRefused` carries the message in the manager's language)."""
        return f"{self.label} needs no connection."

    # -- gateway events (callbacks/webhooks relayed by the head office) -------------------
    def parse_event(self, raw: bytes) -> tuple[str, object]:
        """Read a gateway event: (the gateway reference it is about, the parsed event).

        Raises ``ValueError`` (with the reason) for anything malformed. Methods without
        gateway events say so."""
        raise ValueError(f"{self.label} sends no events to the till.")

    def apply_event(self, ref: AttemptRef, event: object) -> PaymentResult:
        """What a parsed event means for an attempt (pure; duplicates give the same)."""
        raise ValueError(f"{self.label} sends no events to the till.")


def mask_phone(msisdn: str) -> str:
    """``254708374149`` → ``2547******49``: enough to recognise, not enough to call."""
    if len(msisdn) < 8:
        return "*" * len(msisdn)
    return msisdn[:4] + "*" * (len(msisdn) - 6) + msisdn[-2:]


def payer_hash(key: bytes, attempt_id: str, msisdn: str) -> str:
    """HMAC-SHA256 of a payer's number under the till's payer key (see :class:`PayerKey`),
    bound to one attempt; 64 hex characters.

    The till stores this, not the number, and a gateway's callback can still be checked
    against it. Keyed because a plain hash beside the masked number (``2547******78``, six
    digits unknown) is undone by trying the million candidates in well under a second;
    without the key, which is never in the database, a copy of the data file gives nothing.
    """
    if not key:
        raise ValueError("payer_hash needs a key")
    return hmac.new(key, f"{attempt_id}:{msisdn}".encode(), hashlib.sha256).hexdigest()


class SecretReader(Protocol):
    """Where a key is read (the OS keyring in the app, a dict or a file in tests)."""

    def get(self, name: str) -> str | None: ...


class SecretWriter(SecretReader, Protocol):
    """A secret store that can also keep a new key."""

    def set(self, name: str, value: str) -> None: ...


class PayerKey:
    """The key of :func:`payer_hash`: 32 random bytes, kept (as hex) in a secret store
    under :attr:`SECRET`, made the first time a payer is hashed.

    Call it to get the key. The service that hashes payers keeps it
    (:meth:`kept_in`: the OS keyring on a live till, get-or-create); a method that only
    checks callbacks reads it (:meth:`read_from`). :meth:`for_process` is one key for this
    process, never stored: for tests and tools that build services and methods directly
    (attempts hashed with it cannot be checked after a restart: their callbacks read as
    mismatches and the status query settles them). Thread-safe; the key is cached once
    found, and two ``PayerKey`` objects over one store never make two keys.
    """

    SECRET: ClassVar[str] = "payments.payer_key"
    _lock: ClassVar[threading.Lock] = threading.Lock()
    _process_key: ClassVar[bytes | None] = None

    def __init__(self, reader: SecretReader | None, writer: SecretWriter | None = None) -> None:
        self._reader = reader
        self._writer = writer
        self._key: bytes | None = None

    @classmethod
    def kept_in(cls, store: SecretWriter) -> PayerKey:
        """The key in ``store``, made and stored there on first use."""
        return cls(store, store)

    @classmethod
    def read_from(cls, source: SecretReader) -> PayerKey:
        """The key in ``source``; :class:`LookupError` while nobody has made one."""
        return cls(source)

    @classmethod
    def for_process(cls) -> PayerKey:
        """One random key for this process, kept in memory only."""
        return cls(None)

    def __call__(self) -> bytes:
        if self._key is not None:
            return self._key
        with PayerKey._lock:
            if self._reader is None:
                if PayerKey._process_key is None:
                    PayerKey._process_key = secrets.token_bytes(32)
                self._key = PayerKey._process_key
                return self._key
            text = self._reader.get(self.SECRET)
            if text:
                try:
                    key = bytes.fromhex(text)
                except ValueError:
                    key = b""
                if len(key) != 32:
                    raise ValueError(f"the secret {self.SECRET} is damaged (not a 32-byte key)")
            elif self._writer is not None:
                key = secrets.token_bytes(32)
                self._writer.set(self.SECRET, key.hex())
            else:
                raise LookupError(f"the secret {self.SECRET} is not there")
            self._key = key
            return key


_PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?254|0)([17]\d{8})(?!\d)")


def mask_digits(text: str) -> str:
    """Mask Kenyan phone numbers inside free text (used by every ``scrub``)."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone("254" + m.group(1)), text)
