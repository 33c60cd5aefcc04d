"""Find UI text that would reach the screen untranslated: ``python tools/i18n_check.py``.

A string literal with words in it (a plain string or the literal part of an f-string)
passed straight to a call that puts text on screen (``setText``, ``QLabel(…)``,
``setToolTip``, the till's own ``action_button``/dialog helpers…) is English forever: it
must go through ``self.tr(…)`` or ``QCoreApplication.translate(…)`` instead. Used by
``tests/test_i18n_complete.py``; exits 1 and lists each place when it finds one.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

#: calls whose arguments are shown to a person (Qt's and the till's own helpers)
SHOWN = frozenset(
    {
        # Qt setters and constructors
        "setText",
        "setWindowTitle",
        "setToolTip",
        "setStatusTip",
        "setWhatsThis",
        "setPlaceholderText",
        "setTitle",
        "setPlainText",
        "setHtml",
        "setLabelText",
        "setTabText",
        "addTab",
        "addItem",
        "addItems",
        "insertItem",
        "setItemText",
        "showMessage",
        "setHorizontalHeaderLabels",
        "setVerticalHeaderLabels",
        "setSpecialValueText",
        "setPrefix",
        "setSuffix",
        "addRow",
        "addAction",
        "addMenu",
        "QLabel",
        "QPushButton",
        "QToolButton",
        "QCheckBox",
        "QRadioButton",
        "QGroupBox",
        "QAction",
        "QMenu",
        "QListWidgetItem",
        "QTableWidgetItem",
        "QTreeWidgetItem",
        "QMessageBox",
        "information",
        "warning",
        "critical",
        "question",
        "about",
        # the till's own helpers
        "ActionButton",
        "action_button",
        "show_message",
        "show_error",
        "show_info",
        "add_buttons",
        "ConfirmDialog",
        "KauntaDialog",
        "NumberDialog",
        "DiscountDialog",
        "ReasonDialog",
        "ask_approval",
        "ApprovalDialog",
    }
)
#: calls that translate their argument (a literal inside them is fine)
TRANSLATING = frozenset({"tr", "translate", "QT_TRANSLATE_NOOP", "QT_TR_NOOP"})
#: keyword arguments that are names, not text (style roles, icon names, object names)
NOT_TEXT = frozenset({"role", "icon", "objectName", "name", "key", "shortcut"})
#: names of loggers (their warning()/critical() write the log, not the screen)
LOGGERS = frozenset({"log", "logger", "logging", "_log", "LOG"})
_WORD = re.compile(r"[A-Za-z]{2,}")
#: key names given as shortcuts ("Esc", "Ctrl+P", "F12"): the same in every language
_KEY = re.compile(r"^((Ctrl|Alt|Shift|Meta)\+)*(F\d{1,2}|Esc|Enter|Return|Del|Tab|Space|.)$")


@dataclass(frozen=True)
class Untranslated:
    where: str  # path:line
    call: str
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.call}(… {self.text!r} …) is not translated"


def _name(node: ast.Call) -> str:
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    if isinstance(node.func, ast.Name):
        return node.func.id
    return ""


def _super_init(node: ast.Call) -> bool:
    """``super().__init__(parent, "Title")``: the till's dialogs take their title so."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and isinstance(func.value.func, ast.Name)
        and func.value.func.id == "super"
    )


def _bare_words(node: ast.AST) -> str | None:
    """The English words in ``node`` that no translation call wraps, if any."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _KEY.match(node.value.strip()):
            return None
        return node.value if _WORD.search(node.value) else None
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        literal = "".join(str(p) for p in parts)
        if _WORD.search(literal):
            return literal
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                found = _bare_words(value.value)
                if found:
                    return found
        return None
    if isinstance(node, ast.BinOp):
        return _bare_words(node.left) or _bare_words(node.right)
    if isinstance(node, ast.IfExp):
        return _bare_words(node.body) or _bare_words(node.orelse)
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            found = _bare_words(element)
            if found:
                return found
    if isinstance(node, ast.Call) and _name(node) == "join" and node.args:
        return _bare_words(node.args[0])
    return None


def check_source(source: str, where: str) -> list[Untranslated]:
    """Every untranslated literal given to a text-showing call in ``source``."""
    found: list[Untranslated] = []
    for node in ast.walk(ast.parse(source, where)):
        if not isinstance(node, ast.Call) or not (_name(node) in SHOWN or _super_init(node)):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in LOGGERS
        ):
            continue  # log.warning(...) is for the log file, in English
        shown = [k.value for k in node.keywords if k.arg not in NOT_TEXT]
        for arg in [*node.args, *shown]:
            words = _bare_words(arg)
            if words:
                found.append(Untranslated(f"{where}:{node.lineno}", _name(node), words))
    return found


def check(folder: Path = ROOT / "pos" / "ui") -> list[Untranslated]:
    """:func:`check_source` over every module under ``folder``."""
    found: list[Untranslated] = []
    for path in sorted(folder.rglob("*.py")):
        where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        found.extend(check_source(path.read_text(encoding="utf-8"), where))
    return found


def main() -> int:
    found = check()
    for item in found:
        print(item)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
