"""M-Pesa (STK push) as a Kaunta payment method.

The flow: ``start`` asks Daraja to prompt the customer's phone and answers PENDING with the
CheckoutRequestID; the customer enters their PIN (or not) on their own phone; ``status``
asks Daraja (STK query) where it stands; callbacks relayed by the head office are applied
with ``apply_callback``. Both roads lead to the same result for the same answer, so
whichever arrives first (or twice, or late) settles the attempt the same way.

What this method does not pretend to do: Daraja's STK push has no cancel and no refund in
Kaunta's scope (reversals need an initiator certificate and happen at head office). A
prompt cannot be withdrawn from the till: ``cancel`` says so, the till abandons the attempt
and it still resolves later (the customer may yet pay; recovery finds out).

A push whose answer is lost cannot be asked about (the CheckoutRequestID is in the lost
answer), so ``start`` raises ``GatewayUnavailable`` and never pushes again by itself. The
callback URL may carry the attempt id (``{attempt_id}`` in the configured URL) so that
the head office can still tie Daraja's callback to the attempt.

An enrolled till registers each push with its head office first (:mod:`.relay`): the
CallBackURL head office answers with carries the attempt id and a per-attempt token, and
the result comes back through the sync agent (``parse_event`` reads both a Daraja callback
and a relayed result). If head office cannot be reached in time, the configured URL goes.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from pos.domain.errors import InvalidAmount
from pos.domain.messages import Message, define, text
from pos.domain.outcomes import outcome, say
from pos.payments.base import (
    CONNECTED,
    KEYS_REFUSED,
    AttemptRef,
    AttemptState,
    Capability,
    DialogKind,
    GatewayUnavailable,
    KeysRefused,
    MethodDescription,
    PayerKey,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    SettingField,
    mask_phone,
    payer_hash,
)
from pos.payments.mpesa.amounts import DEFAULT_MAX_KES, whole_shillings
from pos.payments.mpesa.client import (
    PRODUCTION_BASE_URL,
    DarajaClient,
    DarajaConfig,
    DarajaError,
    MalformedCallback,
    StkCallback,
    parse_stk_callback,
)
from pos.payments.mpesa.codes import (
    ERROR_CODES,
    Outcome,
    Phase,
    outcome_for_error,
    outcome_for_result,
)
from pos.payments.mpesa.phone import NO_NUMBER, InvalidPhone, normalize_msisdn, phone_hint
from pos.payments.mpesa.relay import (
    RELAY_KIND,
    CallbackRelay,
    RelayedPush,
    parse_relay_document,
)
from pos.payments.registry import MethodContext, method_factory

__all__ = [
    "PAYER_HASH_DETAIL",
    "RECEIPT_DETAIL",
    "TRAINING_CALLBACK_URL",
    "MpesaMethod",
    "create",
    "payer_hash",
]


#: outcomes with a value, read back into their messages on screen (``pos.domain.outcomes``)
PROMPT_SENT = outcome(
    define(
        "mpesa.prompt_sent", "Prompt sent to {payer}. Ask the customer to enter their M-Pesa PIN."
    )
)
#: ``what``: why the answer does not match (English, like the log: a detail for the manager)
MISMATCH = outcome(
    define(
        "mpesa.mismatch",
        "M-Pesa reported a payment that does not match this sale ({what}). Do not treat the "
        "sale as paid: the manager must check the M-Pesa statement and settle it.",
    )
)
MISMATCH_RECEIPT = outcome(
    define(
        "mpesa.mismatch_receipt",
        "M-Pesa reported a payment that does not match this sale ({what}). Do not treat the "
        "sale as paid: the manager must check the M-Pesa statement (receipt {receipt}) and "
        "settle it.",
    )
)
log = logging.getLogger(__name__)

#: Key of ``AttemptRef.details`` where the service keeps a receipt learnt from a callback,
#: so later ``status`` answers (the query has no receipt) can still carry it.
RECEIPT_DETAIL = "receipt_ref"

#: Key of ``AttemptRef.details`` holding :func:`payer_hash` of the payer's MSISDN, for a
#: service that (rightly) does not keep the full number: the callback's PhoneNumber is
#: checked against it instead of ``AttemptRef.phone``.
PAYER_HASH_DETAIL = "payer_hash"

#: Where the sandbox "sends" callbacks in training mode when no URL is configured: a
#: reserved name that never resolves, so training data never leaves the machine.
TRAINING_CALLBACK_URL = "https://kaunta.invalid/mpesa/callback/{attempt_id}"

_ATTEMPT_PLACEHOLDER = "{attempt_id}"


def _result(outcome: Outcome, **fields: Any) -> PaymentResult:
    return PaymentResult(
        outcome.state, outcome.code, outcome.message, outcome.retry_allowed, **fields
    )


def _phones_match(expected: str, reported: str) -> bool:
    """Equal MSISDNs; a digit Safaricom masked (``*``) in the callback matches any digit."""
    if len(expected) != len(reported):
        return False
    return all(r == "*" or r == e for e, r in zip(expected, reported, strict=True))


class MpesaMethod(PaymentMethod):
    """Lipa na M-Pesa Online: the customer approves on their own phone."""

    code = "mpesa"
    label = "M-Pesa"
    capabilities = frozenset({Capability.CUSTOMER_DEVICE})
    currencies = frozenset({"KES"})
    description = MethodDescription(
        code="mpesa",
        label="M-Pesa",
        dialog=DialogKind.PHONE,
        hotkey="F10",
        receipt_label="M-Pesa",
        reference_label="M-Pesa receipt",
        needs_phone=True,
        phone_label=text("Customer's M-Pesa phone number"),
        phone_placeholder=text("07XX XXX XXX or 01XX XXX XXX"),
        whole_units_only=True,
        resend_allowed=True,
        settings_fields=(
            SettingField("mpesa.consumer_key", text("Daraja consumer key")),
            SettingField("mpesa.consumer_secret", text("Daraja consumer secret")),
            SettingField("mpesa.passkey", text("Lipa na M-Pesa passkey")),
            SettingField(
                "mpesa.shortcode", text("Business shortcode (paybill / head office)"), False
            ),
            SettingField(
                "mpesa.till_number", text("Till number (Buy Goods; empty for paybill)"), False
            ),
        ),
        # the STK prompt on the phone lapses after about a minute; Daraja settles the
        # transaction within minutes after that, so an hour of re-checks is plenty (GUESS:
        # Safaricom documents no exact window; configurable per till)
        deadline_seconds=120,
        recheck_window_seconds=3600,
        customer_device=True,
    )

    def __init__(
        self,
        client: DarajaClient,
        *,
        max_kes: int = DEFAULT_MAX_KES,
        payer_key: Callable[[], bytes] | None = None,
        relay: CallbackRelay | None = None,
    ) -> None:
        """``payer_key``: the key the service hashed payers with (:class:`PayerKey`), to
        check a callback's phone against the stored :func:`payer_hash`. ``relay``: where a
        head-office CallBackURL comes from while the till is enrolled (:mod:`.relay`)."""
        self.client = client
        self.max_kes = max_kes
        self.payer_key = payer_key or PayerKey.for_process()
        self.relay = relay

    # -- checks --------------------------------------------------------------------------
    def validate(self, request: PaymentRequest) -> str | Message | None:
        """Currency, phone shape and whole-shilling amount within the limit.

        The amount must already be whole shillings: round with ``amounts.mpesa_amount``
        first, so the sale records the rounding.
        """
        problem = super().validate(request)
        if problem:
            return problem
        if not request.phone or not request.phone.strip():
            return NO_NUMBER()
        try:
            normalize_msisdn(request.phone)
            whole_shillings(request.amount, max_kes=self.max_kes)
        except InvalidPhone as exc:
            return exc.msg
        except InvalidAmount as exc:
            return exc.msg
        return None

    def check_connection(self) -> Message:
        """Fetch an OAuth token with the configured keys (nothing is charged)."""
        try:
            self.client.access_token()
        except DarajaError as exc:
            raise KeysRefused(KEYS_REFUSED(gateway="Daraja", detail=str(exc))) from exc
        return CONNECTED(gateway="Daraja", url=self.client.config.base_url)

    def scrub(self, text: str) -> str:
        return self.client.scrub(text)

    def normalize_phone(self, text: str) -> str:
        """The MSISDN Daraja wants for what the cashier typed (raises ``InvalidPhone``)."""
        return normalize_msisdn(text)

    def check_phone(self, text: str) -> str | Message | None:
        """None while the number is valid or can still become valid; else what is wrong."""
        return phone_hint(text)

    def customer_reference(self, receipt_ref: str, gateway_ref: str) -> str:
        """Only the M-Pesa receipt number (the one in the customer's SMS) is shown; the
        CheckoutRequestID means nothing to a customer and stays in the till's records."""
        return receipt_ref

    def phone_hint(self, text: str) -> Message | None:
        """Live feedback while the phone number is typed (see ``phone.phone_hint``)."""
        return phone_hint(text)

    def _callback_url(self, request: PaymentRequest, msisdn: str) -> str:
        """Head office's URL for this push when it can be had in time, else the configured
        one (with the attempt id in it where it says ``{attempt_id}``)."""
        if self.relay is not None:
            relayed = self.relay.callback_url(
                request.attempt_id, request.amount.minor, request.amount.currency, msisdn
            )
            if relayed:
                return relayed
        url = self.client.config.callback_url
        return url.replace(_ATTEMPT_PLACEHOLDER, quote(request.attempt_id, safe=""))

    # -- the interface -------------------------------------------------------------------
    def start(self, request: PaymentRequest) -> PaymentResult:
        """Prompt the customer's phone: PENDING with the CheckoutRequestID, or why not."""
        problem = self.validate(request)
        if problem:
            return PaymentResult(
                AttemptState.DECLINED, "mpesa.invalid_request", str(problem), retry_allowed=True
            )
        assert request.phone is not None  # validate() checked it
        phone = normalize_msisdn(request.phone)
        amount = whole_shillings(request.amount, max_kes=self.max_kes)
        payer = mask_phone(phone)
        try:
            # Log in first: if that fails, nothing was sent and the cashier may simply retry.
            self.client.access_token()
        except GatewayUnavailable:
            return PaymentResult(
                AttemptState.DECLINED,
                "mpesa.unreachable",
                text(
                    "M-Pesa could not be reached, so nothing was sent to the customer's phone. "
                    "Check the network and try again, or pay another way."
                ),
                retry_allowed=True,
                payer=payer,
            )
        except DarajaError as err:
            return self._push_error(err, payer)
        try:
            answer = self.client.stk_push(
                amount,
                phone,
                request.reference,
                request.description or request.reference,
                callback_url=self._callback_url(request, phone),
            )
        except DarajaError as err:  # GatewayUnavailable (no usable answer) propagates
            return self._push_error(err, payer)
        log.info(
            "M-Pesa prompt sent for attempt %s to %s: %s",
            request.attempt_id,
            payer,
            answer.checkout_request_id,
        )
        return PaymentResult(
            AttemptState.PENDING,
            "mpesa.pending",
            say(PROMPT_SENT, payer=payer),
            gateway_ref=answer.checkout_request_id,
            payer=payer,
            details={
                "merchant_request_id": answer.merchant_request_id,
                "amount_kes": str(amount),
            },
        )

    def _push_error(self, err: DarajaError, payer: str) -> PaymentResult:
        details = {"error_code": err.code, "error_message": self.scrub(err.message)}
        if err.operation == "token" and err.code not in ERROR_CODES:
            if err.http_status >= 500:
                outcome = Outcome(
                    AttemptState.DECLINED,
                    "mpesa.token_unavailable",
                    "M-Pesa is not answering right now, so nothing was sent to the customer's "
                    "phone. Try again in a moment, or pay another way.",
                    True,
                )
            else:
                outcome = Outcome(
                    AttemptState.DECLINED,
                    "mpesa.auth",
                    "M-Pesa refused the shop's API keys, so nothing was sent to the phone. Call "
                    "the manager to check the M-Pesa settings; take the payment another way.",
                    False,
                )
        else:
            outcome = outcome_for_error(
                err.code, err.message, phase=Phase.PUSH, http_status=err.http_status
            )
        log.warning("M-Pesa push refused: %s (%s)", err.code, outcome.code)
        return _result(outcome, payer=payer, details=details)

    def status(self, ref: AttemptRef) -> PaymentResult:
        """Ask Daraja (STK query) where the attempt stands."""
        payer = mask_phone(ref.phone) if ref.phone else ""
        try:
            answer = self.client.stk_query(ref.gateway_ref)
        except DarajaError as err:
            outcome = outcome_for_error(
                err.code, err.message, phase=Phase.QUERY, http_status=err.http_status
            )
            return _result(
                outcome,
                gateway_ref=ref.gateway_ref,
                payer=payer,
                details={"error_code": err.code, "error_message": self.scrub(err.message)},
            )
        if answer.checkout_request_id and answer.checkout_request_id != ref.gateway_ref:
            return self._mismatch(
                ref,
                [f"M-Pesa answered about {answer.checkout_request_id}, not {ref.gateway_ref}"],
                payer=payer,
            )
        outcome = outcome_for_result(answer.result_code)
        captured = outcome.state is AttemptState.CAPTURED
        return _result(
            outcome,
            gateway_ref=ref.gateway_ref,
            receipt_ref=ref.details.get(RECEIPT_DETAIL, "") if captured else "",
            captured=ref.amount if captured else None,
            payer=payer,
            details={"result_code": answer.result_code, "result_desc": answer.result_desc},
        )

    def parse_event(self, raw: bytes) -> tuple[str, object]:
        """An STK callback body, or a result relayed by head office (:mod:`.relay`) →
        (CheckoutRequestID, parsed event)."""
        relayed = _relayed(raw)
        if relayed is not None:
            return relayed.checkout_request_id, relayed
        try:
            callback = parse_stk_callback(raw)
        except MalformedCallback as exc:
            raise ValueError(f"Malformed M-Pesa callback: {exc}") from exc
        return callback.checkout_request_id, callback

    def apply_event(self, ref: AttemptRef, event: object) -> PaymentResult:
        if isinstance(event, RelayedPush):
            return self.apply_relayed(ref, event)
        if not isinstance(event, StkCallback):
            raise ValueError("not an M-Pesa STK callback")
        return self.apply_callback(ref, event)

    def apply_relayed(self, ref: AttemptRef, result: RelayedPush) -> PaymentResult:
        """Settle an attempt from a result head office relayed (pure and idempotent).

        Head office checked the callback's token, amount and phone against what this till
        registered; here the attempt id, the CheckoutRequestID (when the till knows one)
        and the amount are checked against the attempt itself. A paid result for another
        amount is reported CAPTURED with that amount, which the payment service never
        applies to the sale: it flags it for the manager (``amount_mismatch``).
        """
        if result.attempt_id != ref.attempt_id or (
            ref.gateway_ref and result.checkout_request_id != ref.gateway_ref
        ):
            seen = f"{result.attempt_id}/{result.checkout_request_id}"
            return self._mismatch(
                ref, [f"head office relayed {seen}, not {ref.attempt_id}/{ref.gateway_ref}"]
            )
        outcome = outcome_for_result(result.result_code)
        if (outcome.state is AttemptState.CAPTURED) != result.paid:
            state = "paid" if result.paid else "failed"
            return self._mismatch(ref, [f"result code {result.result_code} said {state}"])
        details = {"result_code": result.result_code, "result_desc": result.result_desc}
        if not result.paid:
            return _result(outcome, gateway_ref=result.checkout_request_id, details=details)
        if result.amount != ref.amount:
            log.warning(
                "M-Pesa result relayed for %s: paid %s, the attempt asked %s",
                ref.attempt_id,
                result.amount,
                ref.amount,
            )
        return _result(
            outcome,
            gateway_ref=result.checkout_request_id,
            receipt_ref=result.receipt,
            captured=result.amount,
            details={**details, "relayed": "head_office"},
        )

    def apply_callback(self, ref: AttemptRef, callback: StkCallback) -> PaymentResult:
        """Settle an attempt from a (parsed) Daraja callback relayed by the head office.

        Pure and idempotent: the same callback always gives the same result, so duplicates
        and late arrivals are harmless. CAPTURED only if the callback's CheckoutRequestID,
        Amount and PhoneNumber all match the attempt; otherwise UNKNOWN ("mpesa.mismatch")
        with a message for the manager, because money may have moved but not for this sale.
        """
        reasons: list[str] = []
        if callback.checkout_request_id != ref.gateway_ref:
            reasons.append(
                f"the callback is for {callback.checkout_request_id}, not {ref.gateway_ref}"
            )
            return self._mismatch(ref, reasons, callback=callback)
        outcome = outcome_for_result(callback.result_code)
        payer = mask_phone(callback.phone) if callback.phone else ""
        if outcome.state is not AttemptState.CAPTURED:
            return _result(
                outcome,
                gateway_ref=ref.gateway_ref,
                payer=payer or (mask_phone(ref.phone) if ref.phone else ""),
                details={"result_code": callback.result_code, "result_desc": callback.desc},
            )
        if callback.amount != ref.amount:
            reported = callback.amount if callback.amount is not None else "no amount"
            reasons.append(f"amount {reported} instead of {ref.amount}")
        phone_problem = self._phone_problem(ref, callback.phone)
        if phone_problem:
            reasons.append(phone_problem)
        if reasons:
            return self._mismatch(ref, reasons, callback=callback)
        return _result(
            outcome,
            gateway_ref=ref.gateway_ref,
            receipt_ref=callback.receipt or "",
            captured=ref.amount,
            payer=payer,
            details={
                "result_code": callback.result_code,
                "result_desc": callback.desc,
                "transaction_date": callback.transaction_date or "",
            },
        )

    def _phone_problem(self, ref: AttemptRef, reported: str | None) -> str:
        """Why the callback's phone does not prove it is this attempt's payer ("" if it does).

        Checked against ``ref.phone`` when the attempt carries it, else against the
        ``payer_hash`` detail (keyed: :attr:`payer_key`). A phone Safaricom masked can be
        matched digit by digit against the number, but not against a hash: then it cannot be
        verified, which is a mismatch. So is a hash stored before payer hashes were keyed
        (plain SHA-256): it no longer matches, and the status query settles that attempt.
        """
        shown = mask_phone(reported) if reported else "missing"
        if reported is None:
            return "the callback has no phone number"
        if ref.phone:
            try:
                expected = normalize_msisdn(ref.phone)
            except InvalidPhone:
                return "the attempt's phone number is not valid"
            if _phones_match(expected, reported):
                return ""
            return f"phone {shown} instead of {mask_phone(expected)}"
        stored = ref.details.get(PAYER_HASH_DETAIL, "")
        if not stored:
            return "the attempt has no phone number to compare"
        if "*" in reported:
            return f"phone {shown} is masked and cannot be checked"
        try:
            key = self.payer_key()
        except (LookupError, ValueError) as exc:  # the key is gone or damaged
            return f"phone {shown} cannot be checked ({exc})"
        if hmac.compare_digest(payer_hash(key, ref.attempt_id, reported), stored):
            return ""
        return f"phone {shown} is not the number the prompt went to"

    def _mismatch(
        self,
        ref: AttemptRef,
        reasons: list[str],
        *,
        callback: StkCallback | None = None,
        payer: str = "",
    ) -> PaymentResult:
        receipt = callback.receipt if callback and callback.receipt else ""
        what = "; ".join(reasons)
        log.warning("M-Pesa answer does not match attempt %s: %s", ref.attempt_id, what)
        return PaymentResult(
            AttemptState.UNKNOWN,
            "mpesa.mismatch",
            say(MISMATCH_RECEIPT, what=what, receipt=receipt)
            if receipt
            else say(MISMATCH, what=what),
            retry_allowed=False,
            gateway_ref=ref.gateway_ref,
            receipt_ref=receipt,
            payer=payer or (mask_phone(callback.phone) if callback and callback.phone else ""),
            details={"mismatch": what},
        )


def _relayed(raw: bytes) -> RelayedPush | None:
    """The relayed result in ``raw``, None when ``raw`` is not one (a Daraja body)."""
    if RELAY_KIND.encode() not in raw:
        return None
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("kind") != RELAY_KIND:
        return None
    return parse_relay_document(data)


# -- factory ------------------------------------------------------------------------------


def _setting(settings: Mapping[str, Any], key: str, default: str = "") -> str:
    value = settings.get(key, default)
    return default if value is None else str(value).strip()


def _number(settings: Mapping[str, Any], key: str, default: float) -> float:
    value = settings.get(key)
    if value is None or value == "":
        return default
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"[payments.mpesa] {key} must be a number, not {value!r}") from None


@method_factory(MpesaMethod)
def create(context: MethodContext) -> MpesaMethod:
    """Build the method from ``[payments.mpesa]`` settings and keyring secrets.

    Settings: ``base_url``, ``shortcode``, ``mode`` ("paybill"/"till"), ``till_number``,
    ``callback_url`` (may contain ``{attempt_id}``), ``max_amount``, ``account_reference``,
    and optionally ``connect_timeout``/``read_timeout``. Secrets: ``mpesa.consumer_key``,
    ``mpesa.consumer_secret``, ``mpesa.passkey``.

    Training mode never uses real credentials: it takes the local sandbox's published demo
    credentials (shortcode, passkey, demo till) and needs ``base_url`` of the running
    sandbox (the app starts it and passes its URL); production's URL is refused.
    """
    from pos.payments.mpesa import sandbox  # demo constants only; no server is started

    settings = context.settings
    mode = _setting(settings, "mode", "paybill").lower()
    max_kes = int(_number(settings, "max_amount", DEFAULT_MAX_KES))
    base_url = _setting(settings, "base_url")
    if context.training:
        if not base_url:
            raise ValueError(
                "M-Pesa training mode needs [payments.mpesa] base_url: the URL of the local "
                "M-Pesa sandbox (the app starts it and passes its URL)."
            )
        if base_url.rstrip("/") == PRODUCTION_BASE_URL:
            raise ValueError("M-Pesa training mode must not use the production Daraja URL.")
        key, secret, passkey = (
            sandbox.DEMO_CONSUMER_KEY,
            sandbox.DEMO_CONSUMER_SECRET,
            sandbox.DEMO_PASSKEY,
        )
        shortcode = sandbox.DEMO_SHORTCODE
        till = sandbox.DEMO_TILL if mode == "till" else ""
        callback_url = _setting(settings, "callback_url") or TRAINING_CALLBACK_URL
    else:
        source = context.secrets
        found = {
            name: (source.get(name) if source is not None else None) or ""
            for name in ("mpesa.consumer_key", "mpesa.consumer_secret", "mpesa.passkey")
        }
        missing = [name for name, value in found.items() if not value]
        if missing:
            raise ValueError(
                f"M-Pesa is not set up: {', '.join(missing)} missing from the keyring. "
                "Enter the Daraja keys in Settings → Payments → M-Pesa."
            )
        key, secret, passkey = (
            found["mpesa.consumer_key"],
            found["mpesa.consumer_secret"],
            found["mpesa.passkey"],
        )
        base_url = base_url or PRODUCTION_BASE_URL
        # not secret, but kept with the keys (Settings screen) unless the config sets them
        shortcode = _setting(settings, "shortcode") or (
            (source.get("mpesa.shortcode") if source is not None else None) or ""
        )
        till = _setting(settings, "till_number") or (
            (source.get("mpesa.till_number") if source is not None else None) or ""
        )
        callback_url = _setting(settings, "callback_url")
        if not callback_url:
            raise ValueError("M-Pesa needs [payments.mpesa] callback_url (the head office's URL).")
    if mode not in ("paybill", "till"):
        raise ValueError(f"[payments.mpesa] mode must be 'paybill' or 'till', not {mode!r}")
    config = DarajaConfig(
        base_url=base_url,
        consumer_key=key,
        consumer_secret=secret,
        shortcode=shortcode,
        passkey=passkey,
        callback_url=callback_url,
        mode="till" if mode == "till" else "paybill",
        till_number=till,
        account_reference=_setting(settings, "account_reference"),
        connect_timeout=_number(settings, "connect_timeout", 3.05),
        read_timeout=_number(settings, "read_timeout", 15.0),
    )
    payer_key = PayerKey.read_from(context.secrets) if context.secrets is not None else None
    relay = settings.get("callback_relay")  # put there by the composition root, not the file
    return MpesaMethod(
        DarajaClient(config),
        max_kes=max_kes,
        payer_key=payer_key,
        relay=relay if isinstance(relay, CallbackRelay) else None,
    )
