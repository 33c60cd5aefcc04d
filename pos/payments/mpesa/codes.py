"""What Daraja's codes mean for the till: state, machine code, cashier message, retry.

Two families of codes reach Kaunta:

* **ResultCode** — the customer's answer, in the STK callback (a JSON *number*, e.g.
  ``1032``) and in the STK query (a JSON *string*, ``"1032"``). A wrong till comes back as
  the string ``"SFC_IC0003"``. :func:`result_key` folds all spellings into one key.
* **errorCode envelopes** — ``{"requestId", "errorCode", "errorMessage"}`` answered
  synchronously by push, query and OAuth. One code can mean different things:
  ``500.001.1001`` is "wrong credentials" on a push but "the transaction is being
  processed" (still pending) on a query, so the mapping looks at the message and at the
  phase of the call.

What a code means for the *money* depends on the phase too. An error envelope answered to
a push means no prompt went out (nothing can be charged: DECLINED, maybe retry), except an
internal error, after which nobody knows (UNKNOWN). An error answered to a query says
nothing about the payment (UNKNOWN: ask again later), except "being processed" (PENDING).

Sources: ``gateways.md`` sections A3 and A5. Code 17 has two conflicting descriptions in the
wild; it is treated as retryable after a short wait, as the reference advises.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from pos.domain.messages import text
from pos.payments.base import AttemptState

__all__ = [
    "ERROR_CODES",
    "RESULT_CODES",
    "UNKNOWN_RESULT",
    "Outcome",
    "Phase",
    "error_field",
    "is_invalid_token",
    "is_processing",
    "outcome_for_error",
    "outcome_for_result",
    "result_key",
]

_MANAGER_SETUP = text(
    "Call the manager to check the shop's M-Pesa settings; take the payment another way."
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One code's meaning for a payment attempt."""

    state: AttemptState
    code: str  # machine code, e.g. "mpesa.1032"
    message: str  # for the cashier: what happened and what to do
    retry_allowed: bool  # may the cashier start a new M-Pesa attempt?


class Phase(StrEnum):
    """Which call an error envelope answered: it decides what the error means."""

    PUSH = "push"  # before the customer was prompted
    QUERY = "query"  # asking about a prompt already sent


# -- ResultCode (customer's answer) ----------------------------------------------------


def _result(state: AttemptState, key: str, message: str, retry: bool) -> Outcome:
    return Outcome(state, f"mpesa.{key}", message, retry)


_A = AttemptState
_SEND_FAILED = text(
    "M-Pesa could not send the PIN prompt to the phone. Try again; if it keeps failing, "
    "pay another way."
)

#: Every ResultCode in the reference (A5), keyed by :func:`result_key`.
RESULT_CODES: Mapping[str, Outcome] = MappingProxyType(
    {
        "0": _result(_A.CAPTURED, "0", text("Paid with M-Pesa."), False),
        "1": _result(
            _A.DECLINED,
            "1",
            text(
                "The customer's M-Pesa balance is too low. Ask them to top up and try again, "
                "or pay another way."
            ),
            True,
        ),
        "1032": _result(
            _A.CANCELLED,
            "1032",
            text(
                "The customer cancelled on their phone. Ask them to try again or pay another way."
            ),
            True,
        ),
        "1037": _result(
            _A.EXPIRED,
            "1037",
            text(
                "The customer's phone could not be reached or nobody answered the prompt. Check "
                "the phone is on, unlocked and has network, then try again."
            ),
            True,
        ),
        "2001": _result(
            _A.DECLINED,
            "2001",
            text(
                "The customer entered a wrong M-Pesa PIN. Ask them to try again with the right PIN."
            ),
            True,
        ),
        "1019": _result(
            _A.EXPIRED,
            "1019",
            text("The payment request expired before the customer answered. Try again."),
            True,
        ),
        "1001": _result(
            _A.DECLINED,
            "1001",
            text(
                "The customer's phone is busy with another M-Pesa transaction. Wait a minute, "
                "then try again."
            ),
            True,
        ),
        "1025": _result(_A.DECLINED, "1025", _SEND_FAILED, True),
        "9999": _result(_A.DECLINED, "9999", _SEND_FAILED, True),
        "17": _result(
            _A.DECLINED,
            "17",
            text(
                "M-Pesa refused the payment (the same amount may have gone to this number in the "
                "last 2 minutes). Wait 2 minutes and try again, or pay another way."
            ),
            True,
        ),
        "26": _result(
            _A.DECLINED,
            "26",
            text("M-Pesa is busy right now. Wait a moment and try again, or pay another way."),
            True,
        ),
        "SFC_IC0003": _result(
            _A.DECLINED,
            "SFC_IC0003",
            text("M-Pesa says the shop's till does not exist, so nothing was paid. ")
            + _MANAGER_SETUP,
            False,
        ),
    }
)

#: Any other ResultCode: not 0, so nothing was taken; but say so carefully.
UNKNOWN_RESULT = Outcome(
    AttemptState.DECLINED,
    "mpesa.unknown",
    text(
        "M-Pesa did not take the payment (an unusual answer). Try again or pay another way; if "
        "the customer's phone shows an M-Pesa confirmation, call the manager."
    ),
    True,
)


def result_key(value: object) -> str:
    """Fold a ResultCode as sent (``1032``, ``"1032"``, ``" 1032 "``) into its table key.

    Raises ``TypeError`` for values that are not a code at all (booleans, floats, lists):
    the callback parser turns that into a precise "malformed" reason.
    """
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"ResultCode must be a number or a string, not {type(value).__name__}")
    key = str(value).strip()
    if not key:
        raise TypeError("ResultCode is empty")
    if key.lstrip("-").isdigit():
        key = str(int(key))  # "0032" and 32 are the same code
    return key


def outcome_for_result(value: object) -> Outcome:
    """The outcome of a ResultCode (number, numeric string or ``"SFC_IC0003"``)."""
    key = result_key(value)
    known = RESULT_CODES.get(key)
    if known is not None:
        return known
    return Outcome(
        UNKNOWN_RESULT.state,
        f"mpesa.{key}" if re.fullmatch(r"[A-Za-z0-9_]{1,32}", key) else UNKNOWN_RESULT.code,
        UNKNOWN_RESULT.message,
        UNKNOWN_RESULT.retry_allowed,
    )


# -- errorCode envelopes ---------------------------------------------------------------

_INVALID_TOKEN_CODES = frozenset({"404.001.03", "401.003.01", "400.003.01"})
_FIELD_RE = re.compile(r"Invalid\s+([A-Za-z]+)")


def is_processing(code: str, message: str) -> bool:
    """The query's "still pending" answer: 500.001.1001 "The transaction is being processed"."""
    return code == "500.001.1001" and "processed" in message.lower() and "being" in message.lower()


def is_invalid_token(code: str, http_status: int) -> bool:
    """An expired/unknown access token: drop it, get a new one, send the call once more."""
    return code in _INVALID_TOKEN_CODES or http_status == 401


def error_field(message: str) -> str:
    """The field named by ``"Bad Request - Invalid PhoneNumber"`` (``""`` if none)."""
    match = _FIELD_RE.search(message)
    return match.group(1) if match else ""


def _err(state: AttemptState, key: str, message: str, retry: bool) -> Outcome:
    return Outcome(state, f"mpesa.{key}", message, retry)


#: Envelopes answered to an STK *push* (nothing was sent unless the state says UNKNOWN).
#: 400.002.02 and 500.001.1001 are refined by :func:`outcome_for_error` from their message.
ERROR_CODES: Mapping[str, Outcome] = MappingProxyType(
    {
        "400.002.02": _err(
            _A.DECLINED,
            "400.002.02",
            text("M-Pesa refused the request as invalid. ") + _MANAGER_SETUP,
            False,
        ),
        "404.001.03": _err(
            _A.DECLINED,
            "404.001.03",
            text(
                "M-Pesa refused the shop's access token. Try again in a minute; if it keeps "
                "happening, call the manager to check the M-Pesa keys."
            ),
            True,
        ),
        "401.003.01": _err(
            _A.DECLINED,
            "401.003.01",
            text(
                "M-Pesa refused the shop's access token. Try again in a minute; if it keeps "
                "happening, call the manager to check the M-Pesa keys."
            ),
            True,
        ),
        "500.001.1001": _err(
            _A.DECLINED,
            "500.001.1001",
            text(
                "M-Pesa refused the shop's credentials (wrong shortcode or passkey), so nothing "
                "was sent to the phone. "
            )
            + _MANAGER_SETUP,
            False,
        ),
        "500.003.02": _err(
            _A.DECLINED,
            "500.003.02",
            text(
                "M-Pesa is receiving too many requests from this shop (spike arrest). Wait a few "
                "seconds and try again."
            ),
            True,
        ),
        "500.003.03": _err(
            _A.DECLINED,
            "500.003.03",
            text(
                "The shop has used up its M-Pesa request quota for now. Wait a minute and try "
                "again, or pay another way."
            ),
            True,
        ),
        "500.003.1001": _err(
            _A.UNKNOWN,
            "500.003.1001",
            text(
                "M-Pesa had an internal error; the prompt may or may not have reached the phone. "
                "Ask the customer: if they paid, call the manager before taking money again."
            ),
            False,
        ),
        "400.008.01": _err(
            _A.DECLINED,
            "400.008.01",
            text("M-Pesa refused the shop's API keys (consumer key/secret). ") + _MANAGER_SETUP,
            False,
        ),
        "400.008.02": _err(
            _A.DECLINED,
            "400.008.02",
            text("M-Pesa refused the shop's login request (invalid grant type). ") + _MANAGER_SETUP,
            False,
        ),
    }
)

_FIELD_MESSAGES: Mapping[str, tuple[str, bool]] = MappingProxyType(
    {
        "PhoneNumber": (
            text("M-Pesa refused the phone number. Check it with the customer and try again."),
            True,
        ),
        "PartyA": (
            text("M-Pesa refused the phone number. Check it with the customer and try again."),
            True,
        ),
        "Amount": (
            text(
                "M-Pesa refused the amount (whole shillings, at least 1, within the limit). "
                "Check the amount and try again, or split the payment."
            ),
            True,
        ),
    }
)

#: 400.002.02 naming a field :data:`_FIELD_MESSAGES` has no sentence for
_SETTING_REFUSED = (
    text(
        "M-Pesa refused one of the shop's M-Pesa settings as invalid, so nothing was sent "
        "to the phone. "
    )
    + _MANAGER_SETUP
)
#: 400.002.02 naming no field at all
_REQUEST_REFUSED = (
    text("M-Pesa refused the request as invalid, so nothing was sent to the phone. ")
    + _MANAGER_SETUP
)

_PENDING = Outcome(
    AttemptState.PENDING,
    "mpesa.pending",
    text("Waiting for the customer to enter their M-Pesa PIN."),
    False,
)


def outcome_for_error(code: str, message: str, *, phase: Phase, http_status: int = 0) -> Outcome:
    """The outcome of an error envelope (``code``/``message``) answered to ``phase``.

    ``code`` may also be ``"http.<status>"`` for an error without an envelope.
    """
    if is_processing(code, message):
        return _PENDING
    if phase is Phase.QUERY:
        hint = (
            " " + _MANAGER_SETUP
            if code in ("500.001.1001", "400.008.01", "400.008.02")
            else text(
                " It will be checked again; if the customer shows an M-Pesa SMS, call the manager."
            )
        )
        return Outcome(
            AttemptState.UNKNOWN,
            f"mpesa.{code}",
            text("Could not get the M-Pesa status right now.") + hint,
            False,
        )
    if code == "400.002.02":
        # a field with no sentence of its own (Timestamp, BusinessShortCode...) is a set-up
        # problem: the cashier reads a fixed sentence in their language, the field's name
        # stays in the code ("mpesa.400.002.02.Timestamp") for the manager and the log
        field = error_field(message)
        reason, retry = _FIELD_MESSAGES.get(
            field, (_SETTING_REFUSED if field else _REQUEST_REFUSED, False)
        )
        return Outcome(
            AttemptState.DECLINED,
            f"mpesa.400.002.02.{field}" if field else "mpesa.400.002.02",
            reason,
            retry,
        )
    known = ERROR_CODES.get(code)
    if known is not None:
        return known
    status = http_status
    if not status and code.startswith("http."):
        status = int(code[5:]) if code[5:].isdigit() else 0
    if not status and code[:3].isdigit():
        status = int(code[:3])
    if 400 <= status < 500:
        return Outcome(
            AttemptState.DECLINED,
            f"mpesa.{code}",
            text(
                "M-Pesa refused the request, so nothing was sent to the phone. Try again; if it "
                "keeps failing, pay another way."
            ),
            True,
        )
    return Outcome(
        AttemptState.UNKNOWN,
        f"mpesa.{code}",
        text(
            "M-Pesa answered with an error; the prompt may or may not have reached the phone. "
            "Ask the customer: if they paid, call the manager before taking money again."
        ),
        False,
    )
