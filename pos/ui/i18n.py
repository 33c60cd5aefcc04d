"""The till's languages: installing Qt's translator, switching it, rendering messages.

English is the source language (no translator needed); Kiswahili comes from
``kaunta_sw.qm``, compiled from ``resources/translations/kaunta_sw.ts`` by the project's
setup. :func:`set_language` installs the user's language at login; the screens already
built are retranslated in place: every label, button, tool tip, placeholder and title whose
text is a known source or translation is swapped for the new language's text (texts built
from values, such as totals, are redrawn by their screens). Dialogs opened later are built
in the new language through ``self.tr()``.

Messages from the domain and the services (:class:`pos.domain.messages.Message`) render
through the translator of the language asked for, so a receipt can be Kiswahili while the
cashier reads English.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
    Qt,
    QTime,
    QTranslator,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QLineEdit,
    QTableWidget,
    QWidget,
)

from pos.domain.messages import CONTEXT, Formats, Message
from pos.domain.outcomes import read as read_outcome
from pos.ui.resources import translations_dir

log = logging.getLogger(__name__)


def QT_TRANSLATE_NOOP(context: str, source: str) -> str:
    """Mark ``source`` for translation in ``context`` where it is defined (a table of
    labels) and translate it where it is shown; typed, unlike PySide6's."""
    return source


#: the languages the till speaks, by code, with their own names (for the toggle)
LANGUAGES: dict[str, str] = {"en": "English", "sw": "Kiswahili"}
#: the language of the source texts
SOURCE = "en"

_state: dict[str, object] = {
    "language": SOURCE,
    "translator": None,
    "zone": None,
    "receipt": SOURCE,
}
#: ``[receipt] language`` values: one language, or "both" (English and Kiswahili)
RECEIPT_LANGUAGES = ("en", "sw", "both")


class TranslationMissing(FileNotFoundError):
    """A language's compiled file is not where the resources are (a packaging bug)."""


def qm_path(language: str) -> Path:
    return translations_dir() / f"kaunta_{language}.qm"


@functools.cache
def translator(language: str) -> QTranslator | None:
    """The loaded translator of ``language`` (None for English, the source language)."""
    if language == SOURCE:
        return None
    if language not in LANGUAGES:
        raise ValueError(f"Kaunta does not speak {language!r} (it speaks {', '.join(LANGUAGES)})")
    loaded = QTranslator()
    path = qm_path(language)
    if not loaded.load(str(path)):
        raise TranslationMissing(
            f"The {LANGUAGES[language]} translation {path} is missing or unreadable: "
            "run `python3 dev.py` (it builds the .qm files from the .ts sources)"
        )
    return loaded


def language() -> str:
    """The language the screens show now."""
    return str(_state["language"])


def set_zone(zone: tzinfo | None) -> None:
    """The shop's time zone, for dates and times in messages."""
    _state["zone"] = zone


def formats() -> Formats:
    zone = _state["zone"]
    return Formats(zone if isinstance(zone, tzinfo) else None)


def set_language(code: str) -> bool:
    """Show the till in ``code`` from now on (installing its translator and retranslating
    the windows that are open). Returns whether anything changed."""
    if code not in LANGUAGES:
        log.warning("unknown language %r; keeping %s", code, language())
        return False
    if code == language():
        return False
    app = QCoreApplication.instance()
    new = translator(code)
    old = _state["translator"]
    if app is not None:
        if isinstance(old, QTranslator):
            app.removeTranslator(old)
        if new is not None:
            app.installTranslator(new)
    previous = language()
    _state["translator"] = new
    _state["language"] = code
    if isinstance(app, QApplication):
        retranslate(app.topLevelWidgets(), previous, code)
    return True


def _translate_with(code: str, source: str, disambiguation: str | None, context: str) -> str:
    current = translator(code)
    if current is None:
        return source
    found = current.translate(context, source, disambiguation)
    return found or source


def render(message: Message, code: str | None = None) -> str:
    """``message`` in ``code`` (default: the screens' language), values per locale."""
    lang = code or language()
    return message.render(
        lambda source, dis: _translate_with(lang, source, dis, CONTEXT), formats()
    )


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _said(lang: str, english: str) -> str | None:
    """``english`` in ``lang`` if it is a known text or a registered outcome's output
    (:mod:`pos.domain.outcomes`, values kept as written); None if it is neither."""
    whole = _translate_with(lang, english, None, CONTEXT)
    if whole != english:
        return whole
    found = read_outcome(english)
    return render(found, lang) if found is not None else None


def text(english: str, code: str | None = None) -> str:
    """A fixed text from below the UI (a payment outcome, a service's plain message) in
    ``code`` (default: the screens' language). A text joined from marked sentences (an
    outcome plus "Call the manager…") is translated sentence by sentence, the longest run
    of sentences that is a known text or outcome first (an outcome with a value may span
    two sentences); anything not in the translations stays as it is."""
    lang = code or language()
    if lang == SOURCE:
        return english
    whole = _said(lang, english)
    if whole is not None:
        return whole
    parts = _SENTENCE_END.split(english.strip())
    if len(parts) == 1:
        return english
    out: list[str] = []
    start = 0
    while start < len(parts):
        for end in range(len(parts), start, -1):
            whole_text = end - start == len(parts)  # already tried above
            said = None if whole_text else _said(lang, " ".join(parts[start:end]))
            if said is not None:
                out.append(said)
                start = end
                break
        else:
            out.append(parts[start])
            start += 1
    return " ".join(out)


def describe(error: BaseException) -> str:
    """An error's message in the screens' language (its English text if it has no code)."""
    msg = getattr(error, "msg", None)
    if isinstance(msg, Message):
        return render(msg)
    return text(str(error))


# -- retranslating what is on screen ---------------------------------------------------------

#: contexts tried after a widget's own classes and its parents' (texts from below the UI)
_SHARED_CONTEXTS = (CONTEXT, "Role", "counts", "actions")
#: where a widget keeps the English source of a text it shows ("english\0shown")
_SOURCE_KEY = "kaunta_i18n_{}"
_ITEM_ROLE = int(Qt.ItemDataRole.UserRole) + 0x18
_WITH_KEY = re.compile(r"^(.*) \(([^()]+)\)$")  # "Pay cash (F12)": a tool tip's key


def _contexts(widget: QWidget) -> list[str]:
    """Where Qt looks up the texts ``widget`` shows: the classes of the widget and of its
    parents (a screen sets its buttons' texts with its own ``tr``), then shared ones."""
    names: list[str] = []
    current: QWidget | None = widget
    while current is not None:
        for cls in type(current).__mro__:
            if cls.__module__.startswith("pos.") and cls.__name__ not in names:
                names.append(cls.__name__)
        current = current.parentWidget()
    return [*names, *_SHARED_CONTEXTS]


def _line_in(code: str, line: str, contexts: list[str]) -> str:
    found = translator(code)
    if found is None or not line:
        return line
    for context in contexts:
        done = found.translate(context, line, None)
        if done:
            return done
    keyed = _WITH_KEY.match(line)
    if keyed:
        return f"{_line_in(code, keyed.group(1), contexts)} ({keyed.group(2)})"
    return line


def _in(code: str, english: str, contexts: list[str]) -> str:
    """``english`` (one or more lines) in ``code``, line by line; unknown lines unchanged."""
    return "\n".join(_line_in(code, line, contexts) for line in english.split("\n"))


def _swap(now: str, record: str | None, old: str, new: str, contexts: list[str]) -> str | None:
    """The new record ("english\0shown") for a text showing ``now``, or None to leave it.

    The English source is the one recorded when this text was last translated here (if it
    still shows what was recorded), or the text itself while the screens are English."""
    if not now:
        return None
    english: str | None = None
    if record and "\0" in record:
        source, shown = record.split("\0", 1)
        if shown == now:
            english = source
    if english is None:
        if old != SOURCE:
            return None  # set by a screen in the old language: it redraws it itself
        english = now
    return f"{english}\0{_in(new, english, contexts)}"


def _retext(widget: QWidget, getter: str, setter: str, old: str, new: str, ctx: list[str]) -> None:
    key = _SOURCE_KEY.format(getter)
    record = widget.property(key)
    now = getattr(widget, getter)()
    swapped = _swap(now, record if isinstance(record, str) else None, old, new, ctx)
    if swapped is None:
        return
    shown = swapped.split("\0", 1)[1]
    if shown != now:
        getattr(widget, setter)(shown)
    widget.setProperty(key, swapped)


def _retext_header(table: QTableWidget, old: str, new: str, ctx: list[str]) -> None:
    for column in range(table.columnCount()):
        item = table.horizontalHeaderItem(column)
        if item is None:
            continue
        record = item.data(_ITEM_ROLE)
        swapped = _swap(item.text(), record if isinstance(record, str) else None, old, new, ctx)
        if swapped is not None:
            item.setText(swapped.split("\0", 1)[1])
            item.setData(_ITEM_ROLE, swapped)


def retranslate(windows: Iterable[QWidget], old: str, new: str) -> None:
    """Show every known text in ``windows`` (and their children) in ``new`` instead of
    ``old``: labels, buttons, tool tips, placeholders, titles and table headers."""
    for window in windows:
        for widget in [window, *window.findChildren(QWidget)]:
            ctx = _contexts(widget)
            _retext(widget, "toolTip", "setToolTip", old, new, ctx)
            if widget.isWindow():
                _retext(widget, "windowTitle", "setWindowTitle", old, new, ctx)
            if isinstance(widget, (QLabel, QAbstractButton)):
                _retext(widget, "text", "setText", old, new, ctx)
            elif isinstance(widget, QLineEdit):
                _retext(widget, "placeholderText", "setPlaceholderText", old, new, ctx)
            elif isinstance(widget, QGroupBox):
                _retext(widget, "title", "setTitle", old, new, ctx)
            if isinstance(widget, QTableWidget):
                _retext_header(widget, old, new, ctx)


# -- words the screens build from values ----------------------------------------------------

#: role names as the screens show them (translated; the stored value stays English)
ROLE_NAMES = {
    "cashier": QT_TRANSLATE_NOOP("Role", "cashier"),
    "supervisor": QT_TRANSLATE_NOOP("Role", "supervisor"),
    "manager": QT_TRANSLATE_NOOP("Role", "manager"),
}

#: Qt's locale for each language (day and month names of the clock)
LOCALES = {"en": "en_KE", "sw": "sw_KE"}


def role_name(role: str) -> str:
    """A role ("cashier") in the screens' language."""
    source = ROLE_NAMES.get(role)
    return QCoreApplication.translate("Role", str(source)) if source else role


def clock_text(now: datetime) -> str:
    """The status bar's clock: day, date and time in the screens' language."""
    moment = QDateTime(QDate(now.year, now.month, now.day), QTime(now.hour, now.minute, now.second))
    return str(QLocale(LOCALES.get(language(), "en_KE")).toString(moment, "ddd dd MMM  HH:mm"))


def count_items(count: int) -> str:
    """ "1 item" / "12 items" in the screens' language (each form translated on its own)."""
    if count == 1:
        return QCoreApplication.translate("counts", "1 item")
    return QCoreApplication.translate("counts", "{count} items").format(count=f"{count:,}")


def day_text(day: date) -> str:
    """A day as the screens name it: "Wed 2 Dec 2026" / "Jtano 2 Des 2026"."""
    locale = QLocale(LOCALES.get(language(), "en_KE"))
    return locale.toString(QDate(day.year, day.month, day.day), "ddd d MMM yyyy")


# -- receipts ---------------------------------------------------------------------------------


def set_receipt_language(code: str) -> None:
    """The ``[receipt] language`` setting: "en", "sw" or "both"."""
    if code not in RECEIPT_LANGUAGES:
        raise ValueError(f"receipt language must be one of {RECEIPT_LANGUAGES}, not {code!r}")
    _state["receipt"] = code


def receipt_language() -> str:
    return str(_state["receipt"])


def receipt_say(code: str | None = None) -> Callable[[Message], str] | None:
    """How receipts say their labels for ``code`` (default: the setting); None: English.

    "both": each label in English and Kiswahili ("Change / Chenji"), or once when the two
    are the same."""
    chosen = code or receipt_language()
    if chosen == SOURCE:
        return None
    if chosen != "both":
        return lambda message: render(message, chosen)

    def both(message: Message) -> str:
        english, kiswahili = render(message, "en"), render(message, "sw")
        return english if english == kiswahili else f"{english} / {kiswahili}"

    return both
