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
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from datetime import date, datetime, tzinfo
from pathlib import Path

from PySide6.QtCore import (
    QCoreApplication,
    QDate,
    QDateTime,
    QLocale,
    QTime,
    QTranslator,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QTableWidget,
    QWidget,
)

from pos.domain.messages import CONTEXT, Formats, Message
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


def ts_path(language: str) -> Path:
    return translations_dir() / f"kaunta_{language}.ts"


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


def text(english: str, code: str | None = None) -> str:
    """A fixed text from below the UI (a payment outcome, a service's plain message) in
    ``code`` (default: the screens' language). A text joined from marked sentences (an
    outcome plus "Call the manager…") is translated sentence by sentence; anything not
    in the translations stays as it is."""
    lang = code or language()
    whole = _translate_with(lang, english, None, CONTEXT)
    if whole != english or lang == SOURCE:
        return whole
    parts = _SENTENCE_END.split(english.strip())
    if len(parts) == 1:
        return english
    return " ".join(_translate_with(lang, part, None, CONTEXT) for part in parts)


def describe(error: BaseException) -> str:
    """An error's message in the screens' language (its English text if it has no code)."""
    msg = getattr(error, "msg", None)
    if isinstance(msg, Message):
        return render(msg)
    return text(str(error))


# -- retranslating what is on screen ---------------------------------------------------------


@functools.cache
def _catalog(code: str) -> dict[str, str]:
    """source -> translation of every entry of ``code``'s .ts (for in-place switching)."""
    path = ts_path(code)
    if not path.is_file():
        return {}
    out: dict[str, str] = {}
    for message in ET.parse(path).getroot().iter("message"):
        source = message.findtext("source")
        done = message.findtext("translation")
        if source and done and source not in out:
            out[source] = done
    return out


@functools.cache
def _back(code: str) -> dict[str, str]:
    """text shown in ``code`` -> its English source, for every known text."""
    if code == SOURCE:
        return {s: s for other in LANGUAGES if other != SOURCE for s in _catalog(other)}
    return {t: s for s, t in _catalog(code).items()}


def _swap(text_now: str, old: str, new: str) -> str | None:
    """``text_now`` (in ``old``) in ``new``, line by line; None if nothing in it is known."""
    if not text_now:
        return None
    back = _back(old)
    forward = None if new == SOURCE else _catalog(new)
    changed = False
    lines = []
    for line in text_now.split("\n"):
        source = back.get(line)
        if source is None:
            lines.append(line)
            continue
        shown = source if forward is None else forward.get(source, source)
        changed = changed or shown != line
        lines.append(shown)
    return "\n".join(lines) if changed else None


def _retext(getter: str, setter: str, widget: QWidget, old: str, new: str) -> None:
    now = getattr(widget, getter)()
    swapped = _swap(now, old, new)
    if swapped is not None:
        getattr(widget, setter)(swapped)


def retranslate(windows: Iterable[QWidget], old: str, new: str) -> None:
    """Swap every known text in ``windows`` (and their children) from ``old`` to ``new``."""
    for window in windows:
        for widget in [window, *window.findChildren(QWidget)]:
            _retext("toolTip", "setToolTip", widget, old, new)
            if widget.isWindow():
                _retext("windowTitle", "setWindowTitle", widget, old, new)
            if isinstance(widget, (QLabel, QAbstractButton)):
                _retext("text", "setText", widget, old, new)
            elif isinstance(widget, QLineEdit):
                _retext("placeholderText", "setPlaceholderText", widget, old, new)
            elif isinstance(widget, QGroupBox):
                _retext("title", "setTitle", widget, old, new)
            if isinstance(widget, QTableWidget):
                for column in range(widget.columnCount()):
                    item = widget.horizontalHeaderItem(column)
                    if item is not None:
                        _retext("text", "setText", item, old, new)  # type: ignore[arg-type]
            elif isinstance(widget, QListWidget):
                for row in range(widget.count()):
                    entry = widget.item(row)
                    if entry is not None:
                        _retext("text", "setText", entry, old, new)  # type: ignore[arg-type]


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
