"""What the terminal's numbers mean, in words a cashier can act on.

Result codes (BMP 27 and the ``06 1E`` abort) from the ZVT list as Portalum.Zvt's
``EnglishErrorMessageRepository.cs`` and Wireshark's ``packet-zvt.c`` give it; the
intermediate status codes (``04 FF``) from the same sources. Codes not listed here are
shown by number with a generic text, never dropped.

The words are English, as the driver writes them (and its log and emulator use them). The
till shows them in the cashier's language: each is marked with :func:`text`, which
``tools/i18n_update.py`` reads here like ``pos.domain.messages.text`` (a driver imports
nothing of the till), so every sentence is in the translation files and the screens
translate it where they show a card payment's outcome. A terminal's own display text (the
``04 FF`` message's text field) is shown as the terminal wrote it.
"""

from __future__ import annotations


def text(english: str) -> str:
    """Mark a sentence the cashier reads, for translation by the till; returns it."""
    return english


#: result code -> (what happened, what to do)
RESULT_TEXTS: dict[int, str] = {
    0x00: text("Approved."),
    0x64: text("The card could not be read. Ask the customer to insert it again."),
    0x65: text("The card data is missing. Try the card again."),
    0x66: text("The terminal had a processing error. Try again."),
    0x67: text("This card type is not allowed for this payment."),
    0x68: text("This card type is not allowed for this payment."),
    0x6A: text("The terminal's transaction memory is full: run end of day, then try again."),
    0x6B: text("This function is switched off on the terminal."),
    0x6C: text("The payment was aborted (timeout or the abort key). Nothing was charged."),
    0x6E: text("The card is blocked. Ask for another card or another way to pay."),
    0x6F: text("The terminal does not take this currency."),
    0x71: text("Not enough credit on the card. Ask for another card or another way to pay."),
    0x72: text("The card's chip failed. Ask the customer to try again or use another card."),
    0x73: text("The card data is wrong. Try again or use another card."),
    0x77: text("End of day is not possible now."),
    0x78: text("The card has expired. Ask for another card."),
    0x79: text("The card is not valid yet. Ask for another card."),
    0x7A: text("The card is unknown to the terminal. Ask for another card."),
    0x7D: text("The terminal could not reach the bank. Try again, or take another method."),
    0x83: text("The terminal cannot do that now."),
    0x85: text("The terminal is missing a key: call the terminal's support."),
    0x89: text("Wrong PIN. Ask the customer to try again."),
    0x9A: text("The terminal refused the till's message (protocol error)."),
    0x9B: text("Communication with the bank failed. Try again."),
    0x9C: text("The terminal asks to wait. Try again in a moment."),
    0xA0: text("The terminal's receiver is not ready."),
    0xA1: text("The bank's host does not answer. Try again, or take another method."),
    0xA3: text("The terminal has no connection. Check its network or phone line."),
    0xB4: text("This payment was already reversed."),
    0xB5: text("The reversal is not possible (too late, or the receipt number is wrong)."),
    0xC2: text("The card was declined by the bank."),
    0xFF: text("The terminal reported a system error. Restart it and try again."),
}

#: intermediate status code -> text for the cashier's screen
INTERMEDIATE_TEXTS: dict[int, str] = {
    0x00: text("Waiting for the amount to be confirmed on the terminal…"),
    0x01: text("The customer is using the PIN pad…"),
    0x02: text("The customer is using the PIN pad…"),
    0x03: text("Not accepted."),
    0x04: text("Waiting for the bank…"),
    0x05: text("The terminal is sending an automatic reversal…"),
    0x06: text("The terminal is sending post-bookings…"),
    0x07: text("Card not admitted."),
    0x08: text("Card unknown."),
    0x09: text("The card has expired."),
    0x0A: text("Insert, tap or swipe the card…"),
    0x0B: text("Please remove the card."),
    0x0C: text("The card could not be read."),
    0x0D: text("Processing error."),
    0x0E: text("Please wait…"),
    0x0F: text("The terminal is running its end of day…"),
    0x10: text("Invalid card."),
    0x12: text("Terminal malfunction."),
    0x13: text("Payment not possible."),
    0x14: text("Not enough credit."),
    0x15: text("Wrong PIN."),
    0x16: text("Limit not sufficient."),
    0x17: text("Please wait…"),
    0x18: text("PIN tries exceeded."),
    0x19: text("Card data incorrect."),
    0x1C: text("Approved. Hand over the goods."),
    0x1D: text("Declined."),
    0x41: text("Please wait…"),
    0x42: text("The customer is entering their PIN…"),
}

#: an intermediate status code not listed
WORKING = text("The terminal is working…")

ABORTED = 0x6C
SYSTEM_ERROR = 0xFF


def result_text(code: int) -> str:
    """The cashier's words for a result code (an unlisted code by number: the till says
    that one through its own registered outcome, ``card_zvt.refused_code``)."""
    return RESULT_TEXTS.get(
        code, f"The terminal refused the payment (code {code:02X}). Try again or use another card."
    )


def intermediate_text(code: int) -> str:
    """The cashier's words for an intermediate status code."""
    return INTERMEDIATE_TEXTS.get(code, WORKING)
