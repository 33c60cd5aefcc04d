"""Find UI text that would reach the screen untranslated: ``python tools/i18n_check.py``.

A string literal with words in it (a plain string or the literal part of an f-string)
passed to a call that puts text on screen (``setText``, ``QLabel(…)``, ``setToolTip``,
``QMessageBox``, the till's own ``action_button``/dialog helpers…) is English forever: it
must go through ``self.tr(…)`` or ``QCoreApplication.translate(…)`` instead. Found wherever
the literal sits in what is shown: a conditional (``"a" if x else "b"``), an f-string, a
concatenation, a ``join`` (its separator too), a comprehension's items, a value given to
``.format(…)`` of a translated text, or a local variable assigned such a literal and shown
later (``text = f"…"``, then ``setText(text)``), also as a loop's item (``name = ln.name +
"  (price changed)"``, ``values = (name, …)``, then ``for c, value in enumerate(values):
QTableWidgetItem(value)``).

A translation call whose text is not one plain literal (``self.tr(f"…")``,
``self.tr("a" if x else "b")``, ``self.tr("a" + b)``) is refused too: the translation
files are made by reading the code, so such a text is never translated.

Gateway outcomes (:func:`check_outcomes`): what a payment method or the payment service
answers the cashier (``PaymentResult``/``RefundResult``'s message, and the functions of a
module that pass one of their arguments on as that message) is English text stored with the
attempt and translated on screen sentence by sentence, so it must be made of texts the
translation files list: a sentence marked with ``text("…")`` (or one already listed), or a
registered outcome written by ``say(TEMPLATE, …)`` (``pos.domain.outcomes``). An English
f-string there (``f"Give {amount} back."``), a concatenation with one, or a plain literal
nobody marked reaches a Kiswahili screen in English; each is reported, with the local or
module-level name it went through.

Approval prompts (:func:`check_approvals`): what an approver is asked to approve (the
action given to ``authorize``/``authorize_all``/``ApprovalRequired``, or to a function of
the module that passes it on, such as checkout's ``_guarded(…, action=…)``) is the approval
dialog's title, rendered in the reader's language: a registered message (``define()`` with
fields) or a marked text. An English f-string, a concatenation, a ``join`` with English
between or an unmarked literal there is reported.

Used by ``tests/test_i18n_complete.py`` (and the payment methods' tests); exits 1 and lists
each place when it finds one.
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


#: local names holding untranslated words, by name (see :func:`_tainted`)
Tainted = dict[str, str]


def _first(nodes: list[ast.expr], tainted: Tainted) -> str | None:
    for node in nodes:
        found = _bare_words(node, tainted)
        if found:
            return found
    return None


def _bare_words(node: ast.AST, tainted: Tainted | None = None) -> str | None:
    """The English words in ``node`` that no translation call wraps, if any.

    ``tainted``: local names assigned such words in the same function."""
    names = tainted or {}
    if isinstance(node, ast.Attribute) and node.attr == "join":  # " and ".join(…)
        return _bare_words(node.value, names)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if _KEY.match(node.value.strip()):
            return None
        return node.value if _WORD.search(node.value) else None
    if isinstance(node, ast.Name):
        return names.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        literal = "".join(str(p) for p in parts)
        if _WORD.search(literal):
            return literal
        return _first([v.value for v in node.values if isinstance(v, ast.FormattedValue)], names)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Div):
            return None  # folder / "catalog.csv": a path, not a sentence
        return _bare_words(node.left, names) or _bare_words(node.right, names)
    if isinstance(node, ast.BoolOp):  # shown = text or "Nothing yet"
        return _first(node.values, names)
    if isinstance(node, ast.IfExp):
        return _bare_words(node.body, names) or _bare_words(node.orelse, names)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return _first(node.elts, names)
    if isinstance(node, (ast.GeneratorExp, ast.ListComp, ast.SetComp)):
        # "\n".join(f"{v.label}: {v.vat} of {v.gross}" for v in lines): each item is shown
        return _bare_words(node.elt, names) or _first([g.iter for g in node.generators], names)
    if isinstance(node, ast.Call):
        name = _name(node)
        if name == "join" and node.args:
            return _bare_words(node.func, names) or _bare_words(node.args[0], names)
        if name == "format" and isinstance(node.func, ast.Attribute):
            # "Paid {x}".format(...) and tr("Paid {x}").format(x="cash"): the values
            # given to a shown text are shown too
            values = [*node.args, *(k.value for k in node.keywords)]
            return _bare_words(node.func.value, names) or _first(values, names)
    return None


def _not_extractable(node: ast.Call) -> str | None:
    """The text of a translation call that is not one plain literal (never extracted)."""
    name = _name(node)
    if name not in TRANSLATING:
        return None
    # tr(source[, disambiguation]); translate(context, source[, disambiguation])
    at = 0 if name in ("tr", "QT_TR_NOOP") else 1
    if len(node.args) <= at:
        return None
    source = node.args[at]
    if isinstance(source, ast.Constant):
        return None
    # names, table look-ups and choices between them are labels marked with
    # QT_TRANSLATE_NOOP where they are defined; literal words in a computed text are not
    return _bare_words(source)


def _tainted(scope: ast.AST) -> Tainted:
    """Local names assigned untranslated words anywhere in the function ``scope``:
    ``text = f"{label}: connected"`` then ``show_info(text)`` shows English. Flow-blind on
    purpose (a name given English on any path is reported): choose between two ``tr``s."""
    found: Tainted = {}
    for _round in range(3):  # b = a + "…" after a = "…": another pass picks it up
        for node in ast.walk(scope):
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                targets, value = [node.target], node.value
            elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                # for value in values / for c, value in enumerate(values): each item
                targets, value = _loop_items(node.target, node.iter)
            if value is None:
                continue
            words = _bare_words(value, found)
            if not words:
                continue
            for target in targets:
                for name in _target_names(target):
                    found.setdefault(name, words)
    return found


#: calls that hand a loop the items of their first argument (enumerate: after the index)
_ITEMS_OF = frozenset({"enumerate", "sorted", "reversed", "list", "tuple", "iter"})


def _loop_items(target: ast.expr, source: ast.expr) -> tuple[list[ast.expr], ast.expr]:
    """The loop's targets that receive the items of ``source``, and what holds the items:
    ``for c, value in enumerate(values)`` gives ``value`` the items of ``values``."""
    while isinstance(source, ast.Call) and _name(source) in _ITEMS_OF and source.args:
        if _name(source) == "enumerate" and isinstance(target, ast.Tuple) and target.elts:
            target = target.elts[-1]
        source = source.args[0]
    return [target], source


def _target_names(target: ast.expr) -> list[str]:
    """The names an assignment or loop target binds (``a``, ``a, b``, ``(a, *b)``)."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _target_names(target.value)
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for t in target.elts for n in _target_names(t)]
    return []


def _logs(node: ast.Call) -> bool:
    """``log.warning(…)``, ``logging.getLogger(…).critical(…)``: the log file, not a screen."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return False
    owner = func.value
    if isinstance(owner, ast.Name):
        return owner.id in LOGGERS
    return isinstance(owner, ast.Call) and _name(owner) == "getLogger"


def _scopes(tree: ast.Module) -> list[ast.AST]:
    """The module and each function, outermost first (names are looked up per scope)."""
    functions = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    return [tree, *(n for n in ast.walk(tree) if isinstance(n, functions))]


def check_source(source: str, where: str) -> list[Untranslated]:
    """Every untranslated literal given to a text-showing call in ``source``, and every
    translation call whose text cannot be extracted."""
    tree = ast.parse(source, where)
    found: dict[tuple[int, int], Untranslated] = {}
    for scope in _scopes(tree):
        # a function's own names only: module-level names are constants (labels marked
        # with QT_TRANSLATE_NOOP, key names), not followed
        tainted = _tainted(scope) if scope is not tree else {}
        body = scope.body if isinstance(scope, ast.Module) else [scope]
        for node in (n for top in body for n in ast.walk(top)):
            if not isinstance(node, ast.Call):
                continue
            place = (node.lineno, node.col_offset)
            unextractable = _not_extractable(node)
            if unextractable and place not in found:
                found[place] = Untranslated(
                    f"{where}:{node.lineno}", f"{_name(node)} of a computed text", unextractable
                )
                continue
            if not (_name(node) in SHOWN or _super_init(node)):
                continue
            if _logs(node):
                continue  # log.warning(...) is for the log file, in English
            shown = [k.value for k in node.keywords if k.arg not in NOT_TEXT]
            for arg in [*node.args, *shown]:
                words = _bare_words(arg, tainted)
                if words and place not in found:
                    found[place] = Untranslated(f"{where}:{node.lineno}", _name(node), words)
    return [found[place] for place in sorted(found)]


#: where screens are built: the UI, and the till's top-level modules (the composition root
#: ``pos/app.py`` shows the start-up dialogs, ``pos/first_run.py`` the wizard)
SCREENS = (ROOT / "pos" / "ui", ROOT / "pos")


def check(folder: Path = ROOT / "pos" / "ui", *, recursive: bool = True) -> list[Untranslated]:
    """:func:`check_source` over every module under ``folder`` (only those directly in
    it when not ``recursive``)."""
    found: list[Untranslated] = []
    for path in sorted(folder.rglob("*.py") if recursive else folder.glob("*.py")):
        where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
        found.extend(check_source(path.read_text(encoding="utf-8"), where))
    return found


def check_screens() -> list[Untranslated]:
    """:func:`check` over ``pos/ui`` and the modules directly in ``pos``."""
    ui, top = SCREENS
    return [*check(ui), *check(top, recursive=False)]


# -- gateway outcomes ---------------------------------------------------------------------

#: the results a payment method answers, and where their message is given (third argument;
#: the payment service's view of an attempt, which its dialog shows, by keyword only)
OUTCOME_CALLS: dict[str, int | None] = {"PaymentResult": 2, "RefundResult": 2, "AttemptView": None}
#: where outcomes are made: every payment method, and the payment service's own words
OUTCOME_SOURCES = ("pos/payments", "pos/services/payments.py")
_SENTENCES = re.compile(r"(?<=[.!?…])\s+(?=[A-Z])")


def _given(call: ast.Call, position: int | None, keyword: str) -> ast.expr | None:
    """The argument at ``position`` or given as ``keyword``."""
    if position is not None and len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _passed_names(node: ast.expr | None) -> set[str]:
    """The names whose own value becomes the text: ``message``, ``message or "…"``,
    ``note + message`` (not ``record`` of ``record.message``)."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.BoolOp):
        return {n for v in node.values for n in _passed_names(v)}
    if isinstance(node, ast.IfExp):
        return _passed_names(node.body) | _passed_names(node.orelse)
    if isinstance(node, ast.BinOp):
        return _passed_names(node.left) | _passed_names(node.right)
    if isinstance(node, ast.JoinedStr):
        values = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        return {n for v in values for n in _passed_names(v)}
    return set()


def _forwarders(
    tree: ast.Module, base: dict[str, int | None] | None = None, keyword: str = "message"
) -> dict[str, tuple[int | None, str]]:
    """The outcome calls of a module (``base``, given by position or as ``keyword``) and
    its own functions that pass a parameter on as an outcome's message (``def
    _refused(self, issue, message): return RefundResult(…, message)``), directly or
    through a local name (``label = action`` … ``authorize(…, label)``): name ->
    (position among the call's arguments, keyword name)."""
    known = OUTCOME_CALLS if base is None else base
    calls: dict[str, tuple[int | None, str]] = {n: (p, keyword) for n, p in known.items()}
    functions = [
        n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    grew = True
    while grew:
        grew = False
        for function in functions:
            if function.name in calls:
                continue
            params = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
            method = bool(params) and params[0] in ("self", "cls")
            names = params[1:] if method else params
            keywords = [a.arg for a in function.args.kwonlyargs]
            for node in ast.walk(function):
                if not isinstance(node, ast.Call) or _name(node) not in calls:
                    continue
                message = _given(node, *calls[_name(node)])
                passed = _passed_names(message)
                for local in list(passed):  # label = action or …; then label is passed
                    for value in _assigned(function, local):
                        if not isinstance(value, (ast.JoinedStr, ast.BinOp)):  # words: reported
                            passed |= _passed_names(value)
                hit = next((n for n in (*names, *keywords) if n in passed), None)
                if hit is not None:
                    where = names.index(hit) if hit in names else None
                    calls[function.name] = (where, hit)
                    grew = True
                    break
    return calls


def _assigned(scope: ast.AST, name: str) -> list[ast.expr]:
    """Every value assigned to ``name`` directly in ``scope`` (a function or the module)."""
    values: list[ast.expr] = []
    nodes = ast.walk(scope) if not isinstance(scope, ast.Module) else iter(scope.body)
    for node in nodes:
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        value = getattr(node, "value", None)
        if value is not None and any(isinstance(t, ast.Name) and t.id == name for t in targets):
            values.append(value)
    return values


def _unknown_sentences(english: str, known: frozenset[str]) -> list[str]:
    if english.strip() in known:
        return []
    return [s for s in _SENTENCES.split(english.strip()) if s and s not in known]


def _outcome_problem(
    node: ast.expr | None,
    scopes: tuple[ast.AST, ...],
    known: frozenset[str] | None,
    depth: int = 0,
) -> str | None:
    """What is wrong with ``node`` as an outcome's text, or None: an English f-string, or
    a literal the translation files do not list (when ``known`` is given)."""
    if node is None or depth > 4:
        return None
    if isinstance(node, ast.JoinedStr):
        literal = "".join(str(v.value) for v in node.values if isinstance(v, ast.Constant))
        return f"an English f-string {literal!r}" if _WORD.search(literal) else None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if known is None or not _WORD.search(node.value):
            return None
        missing = _unknown_sentences(node.value, known)
        return f"a literal not marked with text(): {missing[0]!r}" if missing else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _outcome_problem(node.left, scopes, known, depth + 1) or _outcome_problem(
            node.right, scopes, known, depth + 1
        )
    if isinstance(node, ast.IfExp):
        return _outcome_problem(node.body, scopes, known, depth + 1) or _outcome_problem(
            node.orelse, scopes, known, depth + 1
        )
    if isinstance(node, ast.BoolOp):
        for value in node.values:
            found = _outcome_problem(value, scopes, known, depth + 1)
            if found:
                return found
        return None
    if isinstance(node, ast.Subscript):  # f"…"[:300]
        return _outcome_problem(node.value, scopes, known, depth + 1)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        joiner = node.func.value
        if (
            node.func.attr == "join"
            and isinstance(joiner, ast.Constant)
            and isinstance(joiner.value, str)
            and _WORD.search(joiner.value)
        ):
            return f"texts joined with an English {joiner.value!r}"
    if isinstance(node, ast.Name):
        for scope in scopes:  # the enclosing function first, then the module
            values = _assigned(scope, node.id)
            for value in values:
                found = _outcome_problem(value, scopes, known, depth + 1)
                if found:
                    return f"{found} (through {node.id})"
            if values:
                return None
    return None  # text(…), say(…), str(error), a value from elsewhere: not followed


def _texts_given_to(
    tree: ast.Module,
    calls: dict[str, tuple[int | None, str]],
    where: str,
    known: frozenset[str] | None,
) -> list[Untranslated]:
    """Each call in ``tree`` to one of ``calls`` (name -> where its text argument is) whose
    text is English built with values, or (given ``known``) a literal not listed."""
    # each node's innermost function (ast.walk meets outer functions before inner ones)
    owner: dict[int, ast.AST] = {}
    for function in ast.walk(tree):
        if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(function):
                owner[id(node)] = function
    found: list[Untranslated] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _name(node) not in calls:
            continue
        scope = owner.get(id(node), tree)
        problem = _outcome_problem(_given(node, *calls[_name(node)]), (scope, tree), known)
        if problem:
            found.append(Untranslated(f"{where}:{node.lineno}", _name(node), problem))
    return sorted(found, key=lambda f: int(f.where.rsplit(":", 1)[1]))


def check_outcome_source(
    source: str, where: str, known: frozenset[str] | None = None
) -> list[Untranslated]:
    """Every gateway outcome in ``source`` whose text is English built with values, or
    (given ``known``, the source texts the translation files list) a literal not marked."""
    tree = ast.parse(source, where)
    return _texts_given_to(tree, _forwarders(tree), where, known)


def known_texts(root: Path = ROOT) -> frozenset[str]:
    """The source texts the translation files list (``tools/i18n_update.py``'s scan)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import i18n_update

    return frozenset(f.entry.source for f in i18n_update.scan(root))


def check_outcomes(root: Path = ROOT) -> list[Untranslated]:
    """:func:`check_outcome_source` over every module that makes gateway outcomes."""
    known = known_texts(root)
    found: list[Untranslated] = []
    for place in OUTCOME_SOURCES:
        target = root / place
        paths = [target] if target.is_file() else sorted(target.rglob("*.py"))
        for path in paths:
            if "__pycache__" in path.parts:
                continue
            where = path.relative_to(root).as_posix()
            found.extend(check_outcome_source(path.read_text(encoding="utf-8"), where, known))
    return found


# -- approval prompts ----------------------------------------------------------------------

#: the approval machinery and where it takes the text of what is approved (the approval
#: dialog's title: "{action} needs approval by {approver}."), by position or as ``action``
#: (``ApprovalRequired(permissions, action, approver)``; ``authorize(permission, approval,
#: action)`` of the auth service, whose ``self`` is not counted)
APPROVAL_CALLS: dict[str, int | None] = {"ApprovalRequired": 1, "authorize": 2, "authorize_all": 2}
#: where approvals are asked for: the whole till below the UI (the UI only shows them)
APPROVAL_SOURCES = ("pos",)


def check_approval_source(
    source: str, where: str, known: frozenset[str] | None = None
) -> list[Untranslated]:
    """Every approval in ``source`` whose action text is English built with values (an
    f-string, a concatenation, a ``join`` with English between), directly or through a
    local name or a function of the module that passes its argument on (``_guarded(…,
    action=f"…")``), or (given ``known``) a plain literal the translation files do not
    list. Such a title stays English in the approver's language: ``define()`` it."""
    tree = ast.parse(source, where)
    return _texts_given_to(tree, _forwarders(tree, APPROVAL_CALLS, "action"), where, known)


def check_approvals(root: Path = ROOT) -> list[Untranslated]:
    """:func:`check_approval_source` over every module of the till but its screens."""
    known = known_texts(root)
    found: list[Untranslated] = []
    for place in APPROVAL_SOURCES:
        for path in sorted((root / place).rglob("*.py")):
            where = path.relative_to(root).as_posix()
            if "__pycache__" in path.parts or where.startswith("pos/ui/"):
                continue
            found.extend(check_approval_source(path.read_text(encoding="utf-8"), where, known))
    return found


def main() -> int:
    found = [*check_screens(), *check_outcomes(), *check_approvals()]
    for item in found:
        print(item)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
