"""Card payments through a ZVT terminal (``card_zvt``).

The order of things makes a card attempt crash-safe, as gateway attempts are:

1. the service stores the attempt (``created``) and calls :meth:`start` on the network
   executor; ``start`` asks the terminal for its last transaction and answers ``pending``
   with ``gateway_ref = zvt:before:<that receipt number>``, which the service stores;
2. only the first :meth:`status` after that sends the amount to the terminal (a job on
   the terminal's device worker); later ones report the terminal's texts ("Insert card",
   "PIN") until it approves or declines;
3. a till that restarts knows no job for the attempt: :meth:`status` then asks the
   terminal (status enquiry, then its last transaction) and compares: a new receipt
   number for the amount is this attempt's approval; no new transaction means nothing was
   charged. Never is an amount sent again for an attempt of an earlier run.

Cancel aborts the running transaction (``06 B0``). Refunds reverse the payment while it
is in the terminal's open batch and otherwise refund to the card (the customer presents
it again). A refund is made crash-safe the same way: :meth:`prepare_refund` notes the
terminal's last receipt number before the refund service sends it, and
:meth:`refund_status` compares the terminal's last transaction with it afterwards (never
sending anything). Logs carry result codes, never card data.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Mapping
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from drivers.transport import DeviceError, PortSettings
from drivers.zvt.codes import ABORTED, RESULT_TEXTS
from drivers.zvt.link import LinkError
from drivers.zvt.messages import StatusInfo
from drivers.zvt.terminal import Outcome
from pos.domain.messages import define, text
from pos.domain.money import Money
from pos.domain.outcomes import outcome, say
from pos.payments.base import (
    AttemptRef,
    AttemptState,
    Capability,
    DialogKind,
    GatewayUnavailable,
    MethodDescription,
    PaymentMethod,
    PaymentRequest,
    PaymentResult,
    RefundCheck,
    RefundResult,
    RefundState,
)
from pos.payments.card import proof as P
from pos.payments.card.device import (
    SENDING_TEXT,
    CardTerminalDevice,
    TerminalSettings,
    device_for,
)
from pos.payments.registry import MethodContext, method_factory

log = logging.getLogger(__name__)

CODE = "card_zvt"
#: a run of 12-19 digits (a card number) inside free text
_PAN_IN_TEXT = re.compile(r"(?<!\d)(\d{6})\d{2,9}(\d{4})(?!\d)")
#: the terminal's answer to "repeat receipt" when it has no last transaction
NO_TRANSACTION = 0x83
OFFLINE_TEXT = text(
    "The card terminal does not answer. Check that it is on and its cable (or network) "
    "is connected, then try again, or take another method."
)
#: a refund sent, its answer lost (never "take another method": it may have gone back)
REFUND_LOST_TEXT = text("The card terminal stopped answering during the refund.")
#: asking about such a refund, the terminal does not answer
ASK_OFFLINE_TEXT = text(
    "The card terminal does not answer. Check that it is on and its cable (or network) "
    "is connected, then check again."
)
BUSY_TEXT = text("The card terminal is busy and gave no clear answer; the till asks it again.")
STILL_BUSY_TEXT = text("The card terminal is still busy…")

# -- outcomes with values, read back into their messages on screen (pos.domain.outcomes) --
#: a result code the ZVT list does not have (``code``: two hex digits, as the log says it)
REFUSED_CODE = outcome(
    define(
        "card_zvt.refused_code",
        "The terminal refused the payment (code {code}). Try again or use another card.",
    )
)
NOT_REFUNDED_AFTER = outcome(
    define(
        "card_zvt.not_refunded_after",
        "The card terminal approved nothing after receipt {receipt}, noted before the "
        "refund was sent: the refund did not go through.",
    )
)
REFUND_APPROVED = outcome(
    define(
        "card_zvt.refund_approved",
        "The card terminal approved the refund (receipt {receipt}).",
    )
)
UNCLEAR_AFTER = outcome(
    define(
        "card_zvt.unclear_after",
        "The card terminal's last transaction does not tell: look in its journal (or its "
        "end-of-day report) for a refund of {amount} after receipt {receipt}.",
    )
)
UNCLEAR = outcome(
    define(
        "card_zvt.unclear",
        "The card terminal's last transaction does not tell: look in its journal (or its "
        "end-of-day report) for a refund of {amount}.",
    )
)
#: the device screen's answers (``check_connection``, ``end_of_day``)
ANSWERS = outcome(
    define("card_zvt.answers", "The card terminal answers (terminal id {terminal_id}).")
)
ANSWERS_NO_ID = text("The card terminal answers (it gave no terminal id).")
DAY_ENDED = text("End of day done at the terminal.")
DAY_ENDED_TOTAL = outcome(
    define("card_zvt.day_ended_total", "End of day done at the terminal. Total {total}.")
)
#: ZVT receipt numbers are 4 BCD digits: after 9999 the terminal starts again at 1
_RECEIPT_WRAP = 9999


def terminal_says(code: int) -> str:
    """The cashier's words for a terminal's result code: the ZVT list's sentence, or the
    code by number (a registered outcome, so it is translated with its value too)."""
    known = RESULT_TEXTS.get(code)
    return known if known is not None else say(REFUSED_CODE, code=f"{code:02X}")


def _next_receipt(baseline: int | None) -> int:
    """The receipt number the terminal gives its next approved transaction."""
    return 1 if baseline is None else baseline % _RECEIPT_WRAP + 1


def _proof(info: StatusInfo) -> P.CardProof:
    return P.CardProof(
        approval_code=info.approval_code or "-",
        masked_pan=info.masked_pan,
        terminal_id=info.terminal_id,
        receipt_no=info.receipt_no,
        trace=info.trace,
    )


class ZvtCardMethod(PaymentMethod):
    code = CODE
    label = "Card"
    capabilities = frozenset({Capability.CANCEL, Capability.REFUND, Capability.PARTIAL_REFUND})
    description = MethodDescription(
        code=CODE,
        label="Card",
        dialog=DialogKind.TERMINAL,
        receipt_label=text("Card"),  # generic: translated on screens (i18n.text)
        reference_label="Card approval",
        deadline_seconds=300,
        recheck_window_seconds=3600,
    )

    def __init__(self, device: CardTerminalDevice, currency: str) -> None:
        self.device = device
        self.currencies = frozenset({currency})
        self._armed: dict[str, int] = {}  # attempt id -> amount: stored, not yet sent
        self._lock = threading.Lock()

    # -- taking money ----------------------------------------------------------------------
    def start(self, request: PaymentRequest) -> PaymentResult:
        try:
            last = self.device.run(lambda t: t.last_transaction())
        except (LinkError, DeviceError, FutureTimeout) as exc:
            log.warning("card terminal unreachable before %s: %s", request.attempt_id, exc)
            return PaymentResult(
                AttemptState.CANCELLED, f"{CODE}.offline", OFFLINE_TEXT, retry_allowed=True
            )
        baseline = last.status.receipt_no if last.status is not None else None
        with self._lock:
            self._armed[request.attempt_id] = request.amount.minor
        return PaymentResult(
            AttemptState.PENDING,
            f"{CODE}.sent",
            SENDING_TEXT,
            gateway_ref=P.before_ref(baseline),
        )

    def status(self, ref: AttemptRef) -> PaymentResult:
        job = self.device.job(ref.attempt_id)
        if job is not None:
            if not job.done:
                return PaymentResult(AttemptState.PENDING, f"{CODE}.waiting", job.text)
            result = self._finished(ref, job.future)
            if result.state.final:
                self.device.forget(ref.attempt_id)  # told once; the service keeps it
            return result
        with self._lock:
            armed = self._armed.pop(ref.attempt_id, None)
        if armed is not None:
            if not ref.may_capture:
                return self._not_sent()
            self.device.begin(ref.attempt_id, armed)
            return PaymentResult(
                AttemptState.PENDING,
                f"{CODE}.waiting",
                text("Follow the card terminal's screen…"),
            )
        return self._recover(ref)

    def cancel(self, ref: AttemptRef) -> PaymentResult:
        with self._lock:
            armed = self._armed.pop(ref.attempt_id, None)
        if armed is not None:
            return self._not_sent()
        job = self.device.job(ref.attempt_id)
        if job is None or job.future is None:
            return PaymentResult(
                AttemptState.UNKNOWN, f"{CODE}.unknown", text("The till asks the terminal again.")
            )
        job.abort.set()
        try:
            job.future.exception(timeout=15)
        except FutureTimeout:
            return PaymentResult(
                AttemptState.UNKNOWN,
                f"{CODE}.abort_pending",
                text("The terminal has not confirmed the abort yet; the till keeps asking it."),
            )
        return self._finished(ref, job.future)

    def _not_sent(self) -> PaymentResult:
        return PaymentResult(
            AttemptState.CANCELLED,
            f"{CODE}.not_sent",
            text("Cancelled before the terminal was asked: nothing was charged."),
            retry_allowed=True,
        )

    def _finished(self, ref: AttemptRef, future: Any) -> PaymentResult:
        try:
            outcome: Outcome = future.result(timeout=0)
        except (LinkError, DeviceError) as exc:
            self.device.forget(ref.attempt_id)  # the next status asks the terminal
            log.warning("card payment %s: link failed (%s)", ref.attempt_id, exc)
            return PaymentResult(
                AttemptState.UNKNOWN,
                f"{CODE}.link_lost",
                text(
                    "The card terminal stopped answering. Check its cable and power; the till "
                    "asks it what happened before anything is charged again."
                ),
            )
        return self._outcome(ref, outcome)

    def _outcome(self, ref: AttemptRef, outcome: Outcome) -> PaymentResult:
        info = outcome.status
        if outcome.approved and info is not None and info.amount_minor is not None:
            proof = _proof(info)
            log.info("card payment %s approved (result 00)", ref.attempt_id)
            return PaymentResult(
                AttemptState.CAPTURED,
                "ok",
                text("Card payment approved."),
                gateway_ref=proof.gateway_ref(),
                receipt_ref=proof.receipt_ref(),
                captured=Money(info.amount_minor, ref.amount.currency),
                payer=proof.masked_pan,
                details={"terminal_id": proof.terminal_id, "card": info.card_name},
            )
        code = outcome.result_code
        log.info("card payment %s not approved (result %02X)", ref.attempt_id, code)
        state = AttemptState.CANCELLED if code == ABORTED else AttemptState.DECLINED
        if outcome.approved:  # completed without a status: ask the terminal
            self.device.forget(ref.attempt_id)
            return PaymentResult(
                AttemptState.UNKNOWN,
                f"{CODE}.no_result",
                text("Asking the terminal for the result…"),
            )
        return PaymentResult(state, f"{CODE}.{code:02X}", terminal_says(code), retry_allowed=True)

    def _recover(self, ref: AttemptRef) -> PaymentResult:
        """No job in this run: ask the terminal what became of the attempt."""
        is_before, baseline = P.parse_before(ref.gateway_ref)
        if not is_before:
            return PaymentResult(AttemptState.UNKNOWN, f"{CODE}.unknown", text("Nothing to ask."))
        try:
            enquiry = self.device.run(lambda t: t.status_enquiry())
            if enquiry.refused is not None:
                return PaymentResult(AttemptState.PENDING, f"{CODE}.busy", STILL_BUSY_TEXT)
            last = self.device.run(lambda t: t.last_transaction())
        except (LinkError, DeviceError, FutureTimeout) as exc:
            raise GatewayUnavailable(OFFLINE_TEXT) from exc
        info = last.status
        if info is None and last.abort_code != NO_TRANSACTION:
            # no clear answer (busy, refused, a conversation cut short): never conclude
            # "not charged" from that; asked again on the re-check schedule
            return PaymentResult(AttemptState.PENDING, f"{CODE}.busy", STILL_BUSY_TEXT)
        if info is not None and info.approved and info.receipt_no not in (None, baseline):
            log.info("card payment %s found on the terminal after a restart", ref.attempt_id)
            return self._outcome(ref, Outcome(status=info, completed=True))
        return PaymentResult(
            AttemptState.CANCELLED,
            f"{CODE}.not_charged",
            text("The card terminal has no payment for this attempt: nothing was charged."),
            retry_allowed=True,
        )

    # -- giving back -----------------------------------------------------------------------
    def refund(self, ref: AttemptRef, amount: Money) -> RefundResult:
        """Reverse the whole payment while the terminal still has it in its batch; else
        (or for part of it) refund to the card, which the customer presents again."""
        proof = P.parse(ref.gateway_ref, ref.details.get("receipt_ref", "-"))
        try:
            if amount == ref.amount and proof is not None and proof.receipt_no is not None:
                number = proof.receipt_no
                outcome = self.device.run(lambda t: t.reverse(number))
                if outcome.approved:
                    return self._refunded(outcome, amount, text("Payment reversed on the card."))
                if outcome.result_code not in (0xB5, 0x83):
                    code = outcome.result_code
                    return RefundResult(False, f"{CODE}.{code:02X}", terminal_says(code))
            job = self.device.begin(f"refund:{ref.attempt_id}", amount.minor, refund=True)
            assert job.future is not None
            limit = self.device.settings.transaction_timeout + 30
            outcome = job.future.result(timeout=limit)
            self.device.forget(job.attempt_id)
        except (LinkError, DeviceError, FutureTimeout) as exc:
            raise GatewayUnavailable(REFUND_LOST_TEXT) from exc
        if outcome.approved:
            return self._refunded(outcome, amount, text("Refunded to the card."))
        code = outcome.result_code
        return RefundResult(False, f"{CODE}.{code:02X}", terminal_says(code))

    def prepare_refund(self, ref: AttemptRef, amount: Money) -> str:
        """The terminal's last approved receipt number before the refund is sent
        (``zvt:before:<n>``; ``zvt:before:`` when its last transaction was declined or it
        has none): a refund it approves gets the next one."""
        try:
            last = self.device.run(lambda t: t.last_transaction())
        except (LinkError, DeviceError, FutureTimeout) as exc:
            raise GatewayUnavailable(OFFLINE_TEXT) from exc
        info = last.status
        if info is None and last.abort_code != NO_TRANSACTION:
            # no clear answer: a receipt number guessed now could not be trusted later
            raise GatewayUnavailable(BUSY_TEXT)
        approved = info is not None and info.approved
        return P.before_ref(info.receipt_no if info is not None and approved else None)

    def refund_status(
        self, ref: AttemptRef, amount: Money, noted: str, *, nothing_since: bool
    ) -> RefundCheck:
        """Ask the terminal what became of a refund whose answer was lost: its last
        transaction compared with the receipt number noted before the refund was sent.

        - still the noted receipt: nothing was approved since, so the refund was not;
        - while the till asked the terminal for nothing else since (``nothing_since``),
          its last transaction can only be the refund or what was there before: declined
          (or not approved) means no money went back; approved for the amount with the
          next receipt number (any number when none was noted: what was there before was
          not approved) is the refund, whose proof is kept.

        Anything else cannot be told from the terminal's last transaction (the till asked
        it for something else since, another amount, a receipt number further on): a
        person looks at its journal. Never is anything sent to the terminal here."""
        is_before, baseline = P.parse_before(noted)
        if not is_before:
            return RefundCheck(
                RefundState.UNKNOWN,
                f"{CODE}.nothing_noted",
                text(
                    "The till did not note the terminal's last receipt before this refund: "
                    "look in the terminal's journal for it."
                ),
            )
        try:
            enquiry = self.device.run(lambda t: t.status_enquiry())
            if enquiry.refused is not None:
                return RefundCheck(RefundState.PENDING, f"{CODE}.busy", BUSY_TEXT)
            last = self.device.run(lambda t: t.last_transaction())
        except (LinkError, DeviceError, FutureTimeout) as exc:
            raise GatewayUnavailable(ASK_OFFLINE_TEXT) from exc
        info = last.status
        before = None if baseline is None else f"{baseline:04d}"
        not_through = RefundCheck(
            RefundState.NOT_REFUNDED,
            f"{CODE}.not_refunded",
            text(
                "The card terminal approved nothing since the refund was sent: the refund did "
                "not go through."
            )
            if before is None
            else say(NOT_REFUNDED_AFTER, receipt=before),
        )
        if info is None:
            if last.abort_code == NO_TRANSACTION and baseline is None:
                return not_through  # it has no transaction at all
            return RefundCheck(RefundState.PENDING, f"{CODE}.busy", BUSY_TEXT)
        if info.approved and baseline is not None and info.receipt_no == baseline:
            return not_through
        if nothing_since:
            if not info.approved:
                code = info.result_code
                log.info("card refund %s: the terminal's last is declined", ref.attempt_id)
                return RefundCheck(
                    RefundState.NOT_REFUNDED,
                    f"{CODE}.{code:02X}",
                    # two sentences, each translated on its own
                    text("The card terminal did not approve the refund.")
                    + " "
                    + terminal_says(code),
                )
            expected = baseline is None or info.receipt_no == _next_receipt(baseline)
            if info.amount_minor == amount.minor and info.receipt_no is not None and expected:
                log.info("card refund of %s found on the terminal", ref.attempt_id)
                proof = _proof(info)
                return RefundCheck(
                    RefundState.REFUNDED,
                    "ok",
                    say(REFUND_APPROVED, receipt=f"{info.receipt_no:04d}"),
                    refund_ref=proof.gateway_ref(),
                    receipt_ref=proof.receipt_ref(),
                    amount=amount,
                )
        return RefundCheck(
            RefundState.UNKNOWN,
            f"{CODE}.unclear",
            say(UNCLEAR, amount=amount)
            if before is None
            else say(UNCLEAR_AFTER, amount=amount, receipt=before),
        )

    def _refunded(self, outcome: Outcome, amount: Money, message: str) -> RefundResult:
        info = outcome.status
        proof = _proof(info) if info is not None else None
        return RefundResult(
            True,
            "ok",
            message,
            refund_ref=proof.gateway_ref() if proof is not None else "",
            amount=amount,
            receipt_ref=proof.receipt_ref() if proof is not None else "",
        )

    # -- words -----------------------------------------------------------------------------
    def customer_reference(self, receipt_ref: str, gateway_ref: str) -> str:
        proof = P.parse(gateway_ref, receipt_ref)
        return proof.customer_text() if proof is not None else receipt_ref

    def scrub(self, text: str) -> str:
        return super().scrub(_PAN_IN_TEXT.sub(lambda m: m.group(1) + "******" + m.group(2), text))

    def check_connection(self) -> str:
        try:
            outcome = self.device.run(lambda t: t.status_enquiry())
        except (LinkError, DeviceError, FutureTimeout) as exc:
            raise GatewayUnavailable(OFFLINE_TEXT) from exc
        tid = outcome.status.terminal_id if outcome.status else ""
        return say(ANSWERS, terminal_id=tid) if tid else ANSWERS_NO_ID

    # -- terminal administration (device screen) -------------------------------------------
    def register(self) -> str:
        outcome = self.device.run(lambda t: t.register())
        if outcome.refused is not None:
            return terminal_says(outcome.refused)
        return text("The till is registered at the card terminal.")

    def end_of_day(self) -> str:
        outcome = self.device.run(lambda t: t.end_of_day(), timeout=300)
        if not outcome.completed:
            return terminal_says(outcome.result_code)
        total = outcome.status.amount_minor if outcome.status else None
        if total is None:
            return DAY_ENDED
        return say(DAY_ENDED_TOTAL, total=Money(total, self.device.settings.currency))


_LINK_KEYS = ("protocol", "password", "answer_timeout", "transaction_timeout", "ack_timeout")


def settings_from(settings: Mapping[str, Any], currency: str) -> TerminalSettings:
    """``[payments.card_zvt]``: ``port`` (``/dev/ttyUSB0``, ``COM3``, ``socket://host:20007``),
    ``protocol`` (``serial`` or ``tcp``; default ``tcp`` for ``socket://``), ``password``,
    line settings (``baudrate``, ``parity``, ...) and timeouts."""
    table = dict(settings)
    if "base_url" in table and "port" not in table:
        table["port"] = table.pop("base_url")  # training: the emulator's address
    table.pop("base_url", None)
    link = {k: table.pop(k) for k in _LINK_KEYS if k in table}
    port = PortSettings.from_dict(table)
    protocol = str(link.get("protocol", "tcp" if port.url.startswith("socket://") else "serial"))
    return TerminalSettings(
        port=port,
        protocol=protocol,
        password=int(link.get("password", 0)),
        currency=currency,
        answer_timeout=float(link.get("answer_timeout", 5.0)),
        transaction_timeout=float(link.get("transaction_timeout", 180.0)),
        ack_timeout=float(link.get("ack_timeout", 1.0)),
    )


@method_factory(ZvtCardMethod)
def create(context: MethodContext) -> ZvtCardMethod:
    """Build the method from ``[payments.card_zvt]`` (see :func:`settings_from`).

    Training mode needs the emulated terminal's address (the app starts the emulator and
    passes it); without a port the method is not available."""
    if not context.settings.get("port") and not context.settings.get("base_url"):
        raise ValueError(
            "The card terminal needs [payments.card_zvt] port (e.g. /dev/ttyUSB0, COM3 or "
            "socket://192.168.1.50:20007)."
        )
    settings = settings_from(context.settings, context.currency)
    return ZvtCardMethod(device_for(settings), context.currency)
