"""Every text a person can see has a Kiswahili translation (and nothing reaches the screen
around the translation system).

The texts are found by reading the code (``tools/i18n_update.py``): ``self.tr``/
``QCoreApplication.translate`` in ``pos/ui``, every registered message, every marked fixed
sentence, every fixed sentence raised as a user error. A text missing from
``kaunta_sw.ts``, or translated with other ``{values}`` than its English, fails here, as
does a literal handed to a text-showing Qt call without a translation
(``tools/i18n_check.py``). Planted cases prove each check can fail.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import string
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
TS = ROOT / "resources" / "translations" / "kaunta_sw.ts"


def _tool(name: str) -> ModuleType:
    """A module of ``tools/`` (not a package), loaded by path."""
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(ROOT / "tools"))
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


update = _tool("i18n_update")
check = _tool("i18n_check")


def _fields(text: str) -> set[str]:
    return {name for _l, name, _s, _c in string.Formatter().parse(text) if name is not None}


def untranslated(root: Path, ts: Path) -> list[str]:
    """Each text found in the code under ``root`` that ``ts`` does not translate
    (or translates with other ``{values}``), one line each."""
    done = update.read_ts(ts)
    problems = []
    for found in update.scan(root):
        entry = found.entry
        translation = done.get(entry, "")
        if not translation.strip():
            problems.append(f"{found.where}: no Kiswahili for {entry.source!r} ({entry.context})")
        elif not _fields(translation) <= _fields(entry.source) | found.extra:  # (may leave
            # one out: "{a_method}" is English's "An M-Pesa"; Kiswahili says "{method}")
            problems.append(
                f"{found.where}: the Kiswahili of {entry.source!r} has values "
                f"{sorted(_fields(translation))}, the English {sorted(_fields(entry.source))}"
            )
    return problems


def test_every_text_in_the_code_has_a_kiswahili_translation() -> None:
    problems = untranslated(ROOT, TS)
    assert problems == [], (
        "run `python tools/i18n_update.py` and translate in resources/translations/"
        "kaunta_sw.ts:\n" + "\n".join(problems)
    )


def test_the_translation_file_is_up_to_date_with_the_code() -> None:
    """No stale entries either: the .ts is exactly what the tool writes for this code."""
    assert update.update(check=True) == [], "run `python tools/i18n_update.py`"


def test_every_registered_message_is_translated() -> None:
    """Import every module below the UI so each ``define`` runs, then look each up."""
    from pos.domain.messages import CONTEXT, REGISTRY

    for info in pkgutil.walk_packages([str(ROOT / "pos")], "pos."):
        skip = info.name.startswith(("pos.ui", "pos.store.migrations"))
        if not skip and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    assert len(REGISTRY) >= 30
    done = update.read_ts(TS)
    missing = [
        f"{code}: {source!r}"
        for code, template in REGISTRY.items()
        for source, disambiguation in template.sources()
        if not done.get(update.Entry(CONTEXT, source, disambiguation), "").strip()
    ]
    assert missing == []


def test_no_untranslated_literal_reaches_a_screen() -> None:
    found = check.check_screens()  # pos/ui, and pos/app.py's start-up dialogs and the like
    assert found == [], "\n".join(str(f) for f in found)
    assert any(p.name == "app.py" for p in (ROOT / "pos").glob("*.py"))


#: files below the UI that still raise user errors built as English f-strings, with how many
#: (docs/i18n.md says why each is English). A new one anywhere else fails; so does a count
#: that grew: such a message never reaches the translation system.
STILL_ENGLISH = {
    "pos/services/catalog.py": 12,  # `kaunta import-catalog`: the command line is English
    "pos/store/backup.py": 3,  # an upgrade's own checks: the detail inside UpgradeFailed
    "pos/services/device_admin.py": 1,  # an unknown device table: a bug report
}


def english_f_strings(root: Path) -> dict[str, int]:
    """Per file below the UI: how many ``raise UserError(f"…")`` (or ``"…" + …``) it has."""
    import ast

    errors = update.user_errors(root)
    found: dict[str, int] = {}
    for where in update.BELOW_UI:
        for path in update._files(root, where):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                exc = node.exc if isinstance(node, ast.Raise) else None
                if not isinstance(exc, ast.Call) or not exc.args:
                    continue
                if update._call_name(exc) in errors and isinstance(
                    exc.args[0], (ast.JoinedStr, ast.BinOp)
                ):
                    name = path.relative_to(root).as_posix()
                    found[name] = found.get(name, 0) + 1
    return found


def test_no_user_error_below_the_ui_is_a_new_english_f_string() -> None:
    grown = {
        name: count
        for name, count in english_f_strings(ROOT).items()
        if count > STILL_ENGLISH.get(name, 0)
    }
    assert grown == {}, (
        "a message built with an f-string stays English: define() it in "
        "pos/domain/messages.py style (code + values) and translate it"
    )


def test_the_f_string_check_catches_a_planted_one(tmp_path: Path) -> None:
    (tmp_path / "pos" / "domain").mkdir(parents=True)
    (tmp_path / "pos" / "domain" / "m.py").write_text(
        "class DomainError(Exception): ...\n"
        "def f(n):\n"
        '    raise DomainError(f"{n} is too many.")\n',
        encoding="utf-8",
    )
    assert english_f_strings(tmp_path) == {"pos/domain/m.py": 1}


# -- the checks catch what they are for ----------------------------------------------------


PLANTED = """
from PySide6.QtWidgets import QLabel, QWidget
from pos.ui.widgets import action_button


class Planted(QWidget):
    def __init__(self, parent, total):
        super().__init__(parent)
        self.label = QLabel("Welcome to the shop", self)
        self.label.setToolTip(f"Total {total}")
        self.ok = action_button(self, self.tr("Fine"), "Esc", self.close)
        self.label.setText(self.tr("A sentence nobody translated yet"))
        self.label.setText(f"{total} · {total}")
"""


def test_the_literal_check_catches_a_planted_untranslated_label() -> None:
    found = check.check_source(PLANTED, "planted.py")
    assert [(f.call, f.text) for f in found] == [
        ("QLabel", "Welcome to the shop"),
        ("setToolTip", "Total "),
    ]


def test_the_completeness_check_catches_a_planted_untranslated_text(tmp_path: Path) -> None:
    ui = tmp_path / "pos" / "ui"
    ui.mkdir(parents=True)
    (ui / "planted.py").write_text(PLANTED, encoding="utf-8")
    (tmp_path / "pos" / "domain").mkdir()
    (tmp_path / "pos" / "domain" / "planted_messages.py").write_text(
        "from pos.domain.messages import define, text\n"
        'GONE = define("planted.gone", "The {thing} is gone.")\n'
        'FIXED = text("A fixed sentence.")\n',
        encoding="utf-8",
    )
    problems = untranslated(tmp_path, TS)
    assert any("A sentence nobody translated yet" in p for p in problems)
    assert any("'The {thing} is gone.'" in p for p in problems)
    assert any("'A fixed sentence.'" in p for p in problems)


def test_a_translation_with_other_values_is_caught(tmp_path: Path) -> None:
    ts = tmp_path / "kaunta_sw.ts"
    entries = {update.Entry("messages", "Paid {amount}.", "planted"): "Imelipwa {kiasi}."}
    ts.write_text(update.write_ts(ts, "sw_KE", entries), encoding="utf-8")
    (tmp_path / "pos" / "domain").mkdir(parents=True)
    (tmp_path / "pos" / "domain" / "m.py").write_text(
        'from pos.domain.messages import define\nP = define("planted", "Paid {amount}.")\n',
        encoding="utf-8",
    )
    problems = untranslated(tmp_path, ts)
    assert len(problems) == 1
    assert "has values ['kiasi']" in problems[0]


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ('w.setText("Hello")', True),
        ('w.setText(self.tr("Hello"))', False),
        ('w.setText(QCoreApplication.translate("X", "Hello"))', False),
        ('w.setText(self.tr("Hello") + "\\nF12")', False),  # a key name is no word
        ('w.setText("F12")', False),
        ('show_message(w, f"Paid {amount}", error=False)', True),
        ('log.warning("nothing for the screen")', False),
        ('logging.getLogger("kaunta").critical("for the log %s", kind)', False),
        ('super().__init__(parent, "A dialog title")', True),
        # conditionals, and/or, f-strings and concatenations: wherever the words sit
        ('w.setText(self.tr("Yes") if ok else "No way")', True),
        ('w.setText(self.tr("Yes") if ok else self.tr("No"))', False),
        ('w.setText(name or "Nobody yet")', True),
        ('QMessageBox.warning(None, self.tr("Title"), "Cannot " + what)', True),
        ("w.setText(f\"{self.tr('Total')} {amount}\")", False),
        # values given to a translated text are shown too
        ('w.setText(self.tr("Paid {how}").format(how="by cash"))', True),
        ('w.setText(self.tr("Paid {how}").format(how="cash" if c else "card"))', True),
        ('w.setText(self.tr("Paid {amount}").format(amount=amount))', False),
        ('w.show_info(self.tr("Saved to {path}.").format(path=folder / "catalog.csv"))', False),
        # a text the translation files cannot be made from (only plain literals are read)
        ('w.setText(self.tr(f"Paid {amount}"))', True),
        ('w.setText(self.tr("Saved" if done else "Not saved"))', True),
        ('w.setText(QCoreApplication.translate("X", "Paid " + how))', True),
        ("w.setText(self.tr(SAVED if done else NOT_SET))", False),  # marked labels
        ("w.setText(self.tr(LABELS[code]))", False),
        # a local variable holding English, shown later in the same function
        ('def f(w, label):\n    text = f"{label}: connected"\n    w.show_info(text)', True),
        ('def f(w):\n    text = "Saved"\n    text += "."\n    w.setText(text)', True),
        ('def f(w):\n    a = "Saved"\n    b = a\n    w.setText(b)', True),
        ('def f(w):\n    text = self.tr("Saved")\n    w.setText(text)', False),
        (  # another function's variable of the same name
            'def f(w):\n    text = "Saved"\n    log.info(text)\n'
            "def g(w, text):\n    w.setText(text)",
            False,
        ),
        # a literal concatenated into a cell through a tuple and a loop (the basket row)
        (
            "def f(self, ln):\n"
            '    name = ln.name + ("  (price changed)" if ln.changed else "")\n'
            "    values = (name, str(ln.quantity))\n"
            "    for c, value in enumerate(values):\n"
            "        self.table.setItem(0, c, QTableWidgetItem(value))",
            True,
        ),
        (
            "def f(self, ln):\n"
            '    name = ln.name + ("  " + self.tr("(price changed)") if ln.changed else "")\n'
            "    for c, value in enumerate((name, str(ln.quantity))):\n"
            "        self.table.setItem(0, c, QTableWidgetItem(value))",
            False,
        ),
        ('def f(w, rows):\n    for label in ["Cash", "Card"]:\n        w.addItem(label)', True),
        # a tool tip joined from a comprehension's items (the VAT tool tip)
        (
            'w.setToolTip("\\n".join(f"{v.label}: {v.vat} of {v.gross}" for v in vats))',
            True,
        ),
        (
            'w.setToolTip("\\n".join(self.tr("{label}: {vat} of {gross}").format('
            "label=i18n.text(v.label), vat=v.vat, gross=v.gross) for v in vats))",
            False,
        ),
        ('w.setText(" and ".join(self.tr(x) for x in names))', True),  # English between
        ('w.setText("\\n".join([self.tr("Paid"), self.tr("Due")]))', False),
    ],
)
def test_the_literal_check_reads_calls_as_a_person_would(source: str, flagged: bool) -> None:
    assert bool(check.check_source(source, "x.py")) is flagged


def test_each_finding_is_reported_once_with_its_place() -> None:
    source = (
        "class D:\n"
        "    def f(self, w, ok):\n"
        '        shown = "Done" if ok else self.tr("Not done")\n'
        "        w.setText(shown)\n"
        '        w.setText(self.tr(f"Paid {ok}"))\n'
    )
    found = check.check_source(source, "d.py")
    assert [(f.where, f.call, f.text) for f in found] == [
        ("d.py:4", "setText", "Done"),
        ("d.py:5", "tr of a computed text", "Paid "),
    ]


# -- gateway outcomes ----------------------------------------------------------------------


def test_every_gateway_outcome_a_cashier_reads_is_translatable() -> None:
    """What every payment method (and the payment service) answers the cashier is made of
    texts the translation files list: marked sentences and registered outcomes. None is
    left English anywhere: the card methods, the payment interface's defaults and the card
    terminal's own words (``drivers/zvt/codes.py``, read by the scan) included."""
    found = check.check_outcomes()
    assert found == [], "mark the text with text(), or say() a registered outcome:\n" + "\n".join(
        str(item) for item in found
    )
    scanned = {f.where.rsplit(":", 1)[0] for f in update.scan(ROOT)}
    assert {
        "pos/payments/card/zvt_method.py",
        "pos/payments/card/manual.py",
        "pos/payments/base.py",
        "drivers/zvt/codes.py",
    } <= scanned


def test_the_card_terminal_words_are_all_listed_for_translation() -> None:
    """Every sentence of the ZVT driver's code tables is found by the scan, so a terminal's
    result or status text reaches the cashier in her language (the driver imports nothing
    of the till: its own ``text()`` marks them)."""
    from drivers.zvt import codes

    listed = {f.entry.source for f in update.scan(ROOT) if f.where.startswith("drivers/")}
    wanted = {*codes.RESULT_TEXTS.values(), *codes.INTERMEDIATE_TEXTS.values(), codes.WORKING}
    assert wanted <= listed
    assert len(wanted) > 40


PLANTED_OUTCOMES = """
from pos.domain.messages import text
from pos.domain.outcomes import say

GONE = "The terminal has gone away."
MARKED = text("The terminal is back.")


class Method:
    def start(self, request):
        return PaymentResult(AttemptState.PENDING, "x.sent", f"Prompt sent to {request.phone}.")

    def status(self, ref):
        note = f"Still waiting for {ref.phone}"
        if ref.late:
            return PaymentResult(AttemptState.PENDING, "x.wait", note + ".")
        if ref.gone:
            return PaymentResult(AttemptState.UNKNOWN, "x.gone", GONE)
        if ref.back:
            return PaymentResult(AttemptState.UNKNOWN, "x.back", MARKED)
        return self._declined("x.no", "Declined by the bank.")

    def _declined(self, code, message):
        return PaymentResult(AttemptState.DECLINED, code, message, retry_allowed=True)

    def refund(self, ref, amount):
        if amount:
            return RefundResult(True, "ok", say(REFUNDED, amount=amount))
        return RefundResult(False, "x.none", message=text("Nothing to refund."))
"""


def test_the_outcome_check_catches_planted_outcomes() -> None:
    found = check.check_outcome_source(
        PLANTED_OUTCOMES, "m.py", frozenset({"The terminal is back."})
    )
    assert [(f.where, f.call) for f in found] == [
        ("m.py:11", "PaymentResult"),  # an f-string
        ("m.py:16", "PaymentResult"),  # a local variable holding one
        ("m.py:18", "PaymentResult"),  # a module constant nobody marked
        ("m.py:21", "_declined"),  # a literal through the method's own helper
    ]
    assert "f-string" in found[0].text
    assert "through note" in found[1].text
    assert "not marked" in found[3].text
    # without the translation files' texts, only values built into English are reported
    only_built = check.check_outcome_source(PLANTED_OUTCOMES, "m.py")
    assert [f.where for f in only_built] == ["m.py:11", "m.py:16"]


# -- approval prompts ----------------------------------------------------------------------


def test_every_approval_prompt_is_translatable() -> None:
    """What an approver is asked to approve (the approval dialog's title) is a registered
    message or a marked text everywhere below the UI: price changes, discounts, cash
    movements, a shift close that is off, the Z report, several permissions at once."""
    found = check.check_approvals()
    assert found == [], "define() the action text with its values:\n" + "\n".join(
        str(item) for item in found
    )


PLANTED_APPROVALS = """
from pos.domain.messages import define, text

APPROVE_Z = define("planted.z", "The planted Z ({day})")
MARKED = text("Opening the planted drawer")
UNMARKED = "Closing the planted drawer"


class Service:
    def price(self, line, price, approval):
        return self._guarded(approval, action=f"Changing {line.name} to {price}")

    def _guarded(self, approval, *, action=None):
        label = action
        if self.discount:
            label = "A discount of " + str(self.percent) + "%"
        return self.auth.authorize_all(self.needed, approval, label)

    def move(self, direction, amount, approval):
        label = f"Cash {direction} of {amount}"
        self.auth.authorize(Permission.CASH_OVER_LIMIT, approval, label)

    def z(self, approval, day):
        self.auth.authorize(Permission.Z_REPORT, approval, APPROVE_Z(day=day))
        self.auth.authorize(Permission.Z_REPORT, approval, MARKED)
        self.auth.authorize(Permission.Z_REPORT, approval, UNMARKED)
        self.auth.authorize(Permission.Z_REPORT, approval)

    def both(self, missing):
        raise ApprovalRequired((), " and ".join(LABELS[p] for p in missing), "a manager")
"""


def test_the_approval_check_catches_planted_prompts() -> None:
    found = check.check_approval_source(
        PLANTED_APPROVALS, "s.py", frozenset({"Opening the planted drawer"})
    )
    assert [(f.where, f.call) for f in found] == [
        ("s.py:11", "_guarded"),  # an f-string through the module's own forwarder
        ("s.py:17", "authorize_all"),  # a concatenation, through a local name
        ("s.py:21", "authorize"),  # an f-string in a local name
        ("s.py:26", "authorize"),  # a module constant nobody marked
        ("s.py:30", "ApprovalRequired"),  # labels joined with an English "and"
    ]
    assert "f-string" in found[0].text
    assert "through label" in found[1].text
    assert "not marked" in found[3].text
    assert "' and '" in found[4].text
    # without the translation files' texts, only values built into English are reported
    # (a concatenation of sentences is read sentence by sentence: its literals must be known)
    only_built = check.check_approval_source(PLANTED_APPROVALS, "s.py")
    assert [f.where for f in only_built] == ["s.py:11", "s.py:21", "s.py:30"]


# -- no "(s)" plural hacks ------------------------------------------------------------------

#: a word with "(s)" glued on: "refund(s)", "setting(s)" (English only, and no translation
#: can follow it); "http(s)" is a scheme, not a count
_PLURAL_HACK = re.compile(r"\b(?!https?\(s\))[A-Za-z]+\(s\)")
#: PayPal's own error texts, served by the sandbox word for word as PayPal writes them
_VERBATIM = {"pos/payments/paypal/sandbox/issues.py"}


def plural_hacks(root: Path) -> list[str]:
    """Every string literal (f-strings' text included) in ``pos`` that counts with "(s)",
    and every Kiswahili translation that does, one line each. Docstrings (a bare string
    statement) explain code to programmers and are left out."""
    import ast

    found = []
    for path in sorted((root / "pos").rglob("*.py")):
        name = path.relative_to(root).as_posix()
        if name in _VERBATIM or "__pycache__" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        notes = {
            id(node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in notes
                and _PLURAL_HACK.search(node.value)
            ):
                found.append(f"{name}:{node.lineno}: {node.value[:70]!r}")
    ts = root / "resources" / "translations" / "kaunta_sw.ts"
    for entry, translation in (update.read_ts(ts) if ts.is_file() else {}).items():
        if _PLURAL_HACK.search(translation):
            found.append(f"kaunta_sw.ts: {translation[:70]!r} ({entry.source[:40]!r})")
    return found


def test_no_text_counts_with_a_plural_hack() -> None:
    """A count reads right in both languages when it stands after a colon ("Refunds still
    waiting on this till: 2") or has its own one/other forms (``define(other=…)``), never
    as "2 refund(s)", which Kiswahili cannot follow."""
    assert plural_hacks(ROOT) == []


def test_the_plural_hack_check_catches_a_planted_one(tmp_path: Path) -> None:
    (tmp_path / "pos").mkdir()
    (tmp_path / "pos" / "m.py").write_text(
        "from pos.domain.messages import define\n"
        'W = define("w", "{count} refund(s) are waiting.")\n'
        'U = "Use an http(s) URL."\n'
        '"""A note on the row(s) for programmers."""\n'
        "def f(n):\n"
        '    return f"{n} row(s) left"\n',
        encoding="utf-8",
    )
    assert [line.split(": ", 1)[0] for line in plural_hacks(tmp_path)] == [
        "pos/m.py:2",
        "pos/m.py:6",
    ]
