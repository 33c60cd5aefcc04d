"""What the terminal's numbers mean, in words a cashier can act on.

Result codes (BMP 27 and the ``06 1E`` abort) from the ZVT list as Portalum.Zvt's
``EnglishErrorMessageRepository.cs`` and Wireshark's ``packet-zvt.c`` give it; the
intermediate status codes (``04 FF``) from the same sources. Codes not listed here are
shown by number with a generic text, never dropped.
"""

from __future__ import annotations

#: result code -> (what happened, what to do)
RESULT_TEXTS: dict[int, str] = {
    0x00: "Approved.",
    0x64: "The card could not be read. Ask the customer to insert it again.",
    0x65: "The card data is missing. Try the card again.",
    0x66: "The terminal had a processing error. Try again.",
    0x67: "This card type is not allowed for this payment.",
    0x68: "This card type is not allowed for this payment.",
    0x6A: "The terminal's transaction memory is full: run end of day, then try again.",
    0x6B: "This function is switched off on the terminal.",
    0x6C: "The payment was aborted (timeout or the abort key). Nothing was charged.",
    0x6E: "The card is blocked. Ask for another card or another way to pay.",
    0x6F: "The terminal does not take this currency.",
    0x71: "Not enough credit on the card. Ask for another card or another way to pay.",
    0x72: "The card's chip failed. Ask the customer to try again or use another card.",
    0x73: "The card data is wrong. Try again or use another card.",
    0x77: "End of day is not possible now.",
    0x78: "The card has expired. Ask for another card.",
    0x79: "The card is not valid yet. Ask for another card.",
    0x7A: "The card is unknown to the terminal. Ask for another card.",
    0x7D: "The terminal could not reach the bank. Try again, or take another method.",
    0x83: "The terminal cannot do that now.",
    0x85: "The terminal is missing a key: call the terminal's support.",
    0x89: "Wrong PIN. Ask the customer to try again.",
    0x9A: "The terminal refused the till's message (protocol error).",
    0x9B: "Communication with the bank failed. Try again.",
    0x9C: "The terminal asks to wait. Try again in a moment.",
    0xA0: "The terminal's receiver is not ready.",
    0xA1: "The bank's host does not answer. Try again, or take another method.",
    0xA3: "The terminal has no connection. Check its network or phone line.",
    0xB4: "This payment was already reversed.",
    0xB5: "The reversal is not possible (too late, or the receipt number is wrong).",
    0xC2: "The card was declined by the bank.",
    0xFF: "The terminal reported a system error. Restart it and try again.",
}

#: intermediate status code -> text for the cashier's screen
INTERMEDIATE_TEXTS: dict[int, str] = {
    0x00: "Waiting for the amount to be confirmed on the terminal…",
    0x01: "The customer is using the PIN pad…",
    0x02: "The customer is using the PIN pad…",
    0x03: "Not accepted.",
    0x04: "Waiting for the bank…",
    0x05: "The terminal is sending an automatic reversal…",
    0x06: "The terminal is sending post-bookings…",
    0x07: "Card not admitted.",
    0x08: "Card unknown.",
    0x09: "The card has expired.",
    0x0A: "Insert, tap or swipe the card…",
    0x0B: "Please remove the card.",
    0x0C: "The card could not be read.",
    0x0D: "Processing error.",
    0x0E: "Please wait…",
    0x0F: "The terminal is running its end of day…",
    0x10: "Invalid card.",
    0x12: "Terminal malfunction.",
    0x13: "Payment not possible.",
    0x14: "Not enough credit.",
    0x15: "Wrong PIN.",
    0x16: "Limit not sufficient.",
    0x17: "Please wait…",
    0x18: "PIN tries exceeded.",
    0x19: "Card data incorrect.",
    0x1C: "Approved. Hand over the goods.",
    0x1D: "Declined.",
    0x41: "Please wait…",
    0x42: "The customer is entering their PIN…",
}

ABORTED = 0x6C
SYSTEM_ERROR = 0xFF


def result_text(code: int) -> str:
    """The cashier's words for a result code."""
    return RESULT_TEXTS.get(
        code, f"The terminal refused the payment (code {code:02X}). Try again or use another card."
    )


def intermediate_text(code: int) -> str:
    return INTERMEDIATE_TEXTS.get(code, "The terminal is working…")
