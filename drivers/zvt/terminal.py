"""The ECR's conversations with a ZVT payment terminal (PT).

Every command runs the same way: send it, get the PT's ``80 00 00`` (or ``84 xx``:
refused), then, while the PT holds "master rights", read its messages and acknowledge
each one: intermediate statuses (shown to the cashier through ``on_status``), the status
information with the result, receipt lines, until the completion ``06 0F`` or the abort
``06 1E``. An abort asked for by the till (``abort`` set) is sent as ``06 B0`` in the
middle of that loop; the PT then ends with ``06 1E 6C``.

The answer is an :class:`Outcome`; a terminal that goes silent or a broken link raises
:class:`~drivers.zvt.link.LinkError` (the outcome is unknown: ask with
:meth:`ZvtTerminal.last_transaction`). Logs carry commands and result codes only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from drivers.zvt import messages as m
from drivers.zvt.apdu import ACK_APDU, Apdu
from drivers.zvt.codes import intermediate_text
from drivers.zvt.link import Link, LinkError, LinkTimeout

log = logging.getLogger(__name__)

StatusCallback = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one command ended.

    ``status``: the PT's status information (result, amounts, masked PAN), if it sent one;
    ``abort_code``: set when the PT ended with ``06 1E``; ``refused``: the ``84 xx`` code
    when it refused the command outright.
    """

    status: m.StatusInfo | None = None
    abort_code: int | None = None
    refused: int | None = None
    receipt: tuple[str, ...] = ()
    completed: bool = False

    @property
    def approved(self) -> bool:
        return (
            self.completed
            and self.abort_code is None
            and self.refused is None
            and (self.status is None or self.status.approved)
        )

    @property
    def result_code(self) -> int:
        if self.refused is not None:
            return self.refused
        if self.abort_code is not None:
            return self.abort_code
        return self.status.result_code if self.status else 0


@dataclass(slots=True)
class Timeouts:
    """Seconds. ``answer``: the PT's ``80 00 00`` to a command (T3); ``transaction``:
    silence allowed while the PT has control (T4: the customer may be slow with the PIN)."""

    answer: float = 5.0
    transaction: float = 180.0


@dataclass(slots=True)
class ZvtTerminal:
    """One PT behind one link (serial or TCP). Not thread-safe: one device worker owns it."""

    link: Link
    password: int = 0
    currency: str = "KES"
    timeouts: Timeouts = field(default_factory=Timeouts)

    # -- commands --------------------------------------------------------------------------
    def register(self) -> Outcome:
        return self._run(m.registration(self.password, self.currency))

    def pay(
        self,
        amount_minor: int,
        on_status: StatusCallback | None = None,
        abort: threading.Event | None = None,
    ) -> Outcome:
        """Authorise ``amount_minor`` of :attr:`currency` on the card the customer presents."""
        return self._run(m.authorization(amount_minor, self.currency), on_status, abort)

    def reverse(self, receipt_no: int, on_status: StatusCallback | None = None) -> Outcome:
        return self._run(m.reversal(self.password, receipt_no), on_status)

    def refund(
        self,
        amount_minor: int,
        on_status: StatusCallback | None = None,
        abort: threading.Event | None = None,
    ) -> Outcome:
        return self._run(m.refund(self.password, amount_minor, self.currency), on_status, abort)

    def end_of_day(self, on_status: StatusCallback | None = None) -> Outcome:
        return self._run(m.end_of_day(self.password), on_status)

    def status_enquiry(self) -> Outcome:
        return self._run(m.status_enquiry(self.password))

    def last_transaction(self) -> Outcome:
        """The status information of the PT's last transaction (repeat receipt)."""
        return self._run(m.repeat_receipt(self.password))

    # -- the conversation ------------------------------------------------------------------
    def _run(
        self,
        command: Apdu,
        on_status: StatusCallback | None = None,
        abort: threading.Event | None = None,
    ) -> Outcome:
        log.info("zvt: -> %s", command)
        self.link.send(command)
        first = self.link.receive(self.timeouts.answer)
        if first is None:
            raise LinkTimeout(f"the terminal did not answer {command}")
        reply = m.parse(first)
        if isinstance(reply, m.Nack):
            log.info("zvt: <- refused 84 %02X", reply.code)
            return Outcome(refused=reply.code)
        status: m.StatusInfo | None = None
        receipt: list[str] = []
        aborted_sent = False
        pending: m.Message | None = None if isinstance(reply, m.Ack) else reply
        deadline = time.monotonic() + self.timeouts.transaction
        while True:
            if pending is not None:
                message, pending = pending, None
            else:
                if abort is not None and abort.is_set() and not aborted_sent:
                    aborted_sent = True
                    log.info("zvt: -> abort (asked by the till)")
                    self.link.send(m.abort())
                apdu = self.link.receive(0.2 if abort is not None else 1.0)
                if apdu is None:
                    if time.monotonic() > deadline:
                        raise LinkTimeout(f"the terminal went silent during {command}")
                    continue
                message = m.parse(apdu)
                deadline = time.monotonic() + self.timeouts.transaction
            if isinstance(message, m.Ack | m.Nack):
                continue  # the PT's answer to our abort
            self.link.send(ACK_APDU)
            if isinstance(message, m.Intermediate):
                if on_status is not None:
                    on_status(message.text or intermediate_text(message.code))
            elif isinstance(message, m.StatusInfo):
                status = message
                log.info("zvt: <- status information, result %02X", message.result_code)
            elif isinstance(message, m.PrintLine):
                receipt.append(message.text)
            elif isinstance(message, m.Completion):
                log.info("zvt: <- completion")
                return Outcome(status=status, receipt=tuple(receipt), completed=True)
            elif isinstance(message, m.PtAbort):
                log.info("zvt: <- abort, result %02X", message.code)
                return Outcome(status=status, abort_code=message.code, receipt=tuple(receipt))


def link_error_text(exc: LinkError) -> str:
    """The cashier's words for a link that failed mid-way."""
    return (
        "The card terminal stopped answering. Check its cable and power; the till will "
        "ask it what happened to this payment before anything else is charged."
    )
