"""The eTIMS library's sentences a manager reads, in English, marked for translation.

The OSCU client and queue are a library without Qt (they run at head office too), so
they write English. Each fixed sentence that reaches the till's screens (the eTIMS
queue's reason column, the status line) is marked with :func:`text`, which
``tools/i18n_update.py`` reads here as it reads ``drivers/zvt/codes.py`` (context
``messages``). A reason is built as ``sentence: details`` (details: KRA's own words, a
number, a content type), so the screens translate it part by part
(:func:`pos.ui.etims_queue.reason_text`) and leave what KRA said as KRA said it.
"""

from __future__ import annotations


def text(english: str) -> str:
    """Mark a sentence the manager reads, for translation by the till; returns it."""
    return english


# -- the link to KRA (TransportError) --------------------------------------------------
REFUSED = text("KRA refused the connection")
UNREACHABLE = text("KRA could not be reached")
NO_ANSWER = text("KRA did not answer in time")
BROKE = text("the connection to KRA broke before its answer")
UNREADABLE = text("KRA's reply was not readable")
HTTP_ERROR = text("HTTP error")
UNTRUSTED = text("KRA's certificate was not trusted")

# -- what the till's worker was doing ----------------------------------------------------
SETUP = text("set-up with KRA")
REGISTRATION = text("product registration")
#: the start-up check of the stored signatures found a rewritten one
TAMPERED = text("TAMPERED: a stored KRA signature does not verify (run kaunta verify)")
#: the worker's last words before it stops
STOPPED = text("the eTIMS worker stopped on an error (see the log)")

#: every sentence here (tests check each is in the translation files); the numbering and
#: back-off sentences below are added to it
ALL: tuple[str, ...] = (
    REFUSED,
    UNREACHABLE,
    NO_ANSWER,
    BROKE,
    UNREADABLE,
    HTTP_ERROR,
    UNTRUSTED,
    SETUP,
    REGISTRATION,
    TAMPERED,
    STOPPED,
)

# -- numbering and the device ----------------------------------------------------------
#: a device-level refusal (900/901/903/911/912, HTTP 401/403): the drain stops, nothing parks
DEVICE_REFUSED = text("KRA does not accept this device or key")
#: a look-up found another invoice under the entry's number: those numbers are skipped
NUMBERS_TAKEN = text("KRA already holds other invoices under these numbers (skipped)")
#: followed by the entry's new number
RENUMBERED = text("submitted again as number")
#: followed by the number KRA already signed for this very sale
FOUND_OWN = text("KRA had signed this sale before, as number")
#: the start-up probe moved the branch's counter past numbers KRA holds
COUNTER_MOVED = text("the branch's invoice counter now continues after")
#: the skip found no free number within its bound: the branch stops
NO_FREE_NUMBER = text("KRA holds every invoice number tried; the branch stops (see the log)")

#: the till worker's view after KRA answered "try later": the reason, then this and the
#: next try's time (pos.etims_link backs off)
NEXT_TRY = text("KRA asked to try later; next try at")

#: the numbering and back-off sentences (in :data:`ALL` too)
NUMBERING = (
    DEVICE_REFUSED,
    NUMBERS_TAKEN,
    RENUMBERED,
    FOUND_OWN,
    COUNTER_MOVED,
    NO_FREE_NUMBER,
    NEXT_TRY,
)
ALL += NUMBERING

# -- credit notes ------------------------------------------------------------------------
#: a refund whose sale was not a KRA invoice (no receipt, or sold before eTIMS): settled
#: without a credit note, never sent (sync.etims.queue.EntryState.NO_CREDIT_NOTE)
NO_CREDIT_NOTE = text("no credit note: the refunded sale was not a KRA invoice")
ALL += (NO_CREDIT_NOTE,)
