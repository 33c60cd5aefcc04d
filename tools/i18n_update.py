"""Bring ``resources/translations/kaunta_*.ts`` up to date with the source (run after
changing any user-visible text): ``python tools/i18n_update.py [--check] [--apply FILE]``.

It reads the code (never imports it) and collects every text a person can see:

* UI strings: ``self.tr("…")`` in ``pos/ui`` (context: the enclosing class, which is where
  PySide6's ``tr`` looks first) and ``QCoreApplication.translate("context", "…"[, "…"])``;
* messages: ``define("code", "English…"[, other="…", count=…])`` anywhere in ``pos``
  (context ``messages``, the code as disambiguation; ``code#one``/``code#other`` per form);
* fixed sentences: ``text("…")`` (``pos.domain.messages.text``) and a plain string raised
  as an error, ``raise SomeError("…")``, in the layers below the UI (context ``messages``),
  and ``text("…")`` in the driver modules of ``DRIVER_TEXTS`` (their own marker).

Each ``.ts`` keeps the translations it has for texts still in use; new texts come in
empty (the completeness test then fails until they are translated); texts no longer used
are dropped. ``--apply FILE``: a JSON object ``{"English source": "translation"}`` filled
into every empty entry with that source (how a batch of translations is added).
``--check``: change nothing, exit 1 if a file is out of date.

``pyside6-lupdate`` is not used: for Python it cannot see a class's context the way
PySide6's ``tr`` resolves it, nor the message catalog.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "resources" / "translations"
#: translated languages (English is the source) and their Qt locale names
LANGUAGES = {"sw": "sw_KE"}
MESSAGES = "messages"
#: where messages and raised sentences come from (the UI's own strings come from pos/ui)
BELOW_UI = (
    "pos/domain",
    "pos/services",
    "pos/payments",
    "pos/store",
    "pos/config.py",
    "pos/etims_results.py",
)
#: driver modules whose cashier texts are marked with their own ``text()`` (a driver imports
#: nothing of the till, so not ``pos.domain.messages.text``): the card terminal's words, and
#: the eTIMS library's sentences the manager reads (its reasons, split by ``: ``)
DRIVER_TEXTS = ("drivers/zvt/codes.py", "sync/etims/words.py")


@dataclass(frozen=True, order=True)
class Entry:
    """One translatable text: where Qt looks it up and where it was found."""

    context: str
    source: str
    comment: str = ""  # Qt's disambiguation


@dataclass(frozen=True)
class Found:
    entry: Entry
    where: str  # path:line
    extra: frozenset[str] = frozenset()  # values only translations use (``define(also=…)``)


def _const(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, ui: bool, user_errors: frozenset[str] = frozenset()) -> None:
        self.path = path
        self.ui = ui
        self.user_errors = user_errors
        self.marker = False  # does the module import pos.domain.messages.text?
        self.classes: list[str] = []
        self.found: list[Found] = []

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "pos.domain.messages" and any(a.name == "text" for a in node.names):
            self.marker = True  # (SQLAlchemy's text() is another function)

    def _add(
        self,
        node: ast.AST,
        context: str,
        source: str,
        comment: str = "",
        extra: frozenset[str] = frozenset(),
    ) -> None:
        if source.strip():
            where = f"{self.path}:{getattr(node, 'lineno', 0)}"
            self.found.append(Found(Entry(context, source, comment), where, extra))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.append(node.name)
        self.generic_visit(node)
        self.classes.pop()

    def visit_Raise(self, node: ast.Raise) -> None:
        if (
            not self.ui
            and isinstance(node.exc, ast.Call)
            and node.exc.args
            and _call_name(node.exc) in self.user_errors
        ):
            source = _const(node.exc.args[0])
            if source is not None:
                self._add(node, MESSAGES, source)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        name = _call_name(node)
        func = node.func
        if name == "tr" and isinstance(func, ast.Attribute) and self.classes and node.args:
            source = _const(node.args[0])
            dis = _const(node.args[1]) if len(node.args) > 1 else None
            if source is not None and isinstance(func.value, ast.Name) and func.value.id == "self":
                self._add(node, self.classes[-1], source, dis or "")
        elif name in ("translate", "QT_TRANSLATE_NOOP") and len(node.args) >= 2:
            context, source = _const(node.args[0]), _const(node.args[1])
            dis = _const(node.args[2]) if len(node.args) > 2 else None
            if context is not None and source is not None:
                self._add(node, context, source, dis or "")
        elif name == "define" and len(node.args) >= 2:
            code, english = _const(node.args[0]), _const(node.args[1])
            other = next((_const(k.value) for k in node.keywords if k.arg == "other"), None)
            also = next((k.value for k in node.keywords if k.arg == "also"), None)
            extra = frozenset(
                c for c in (_const(e) for e in getattr(also, "elts", ())) if c is not None
            )
            if code is not None and english is not None:
                if other is None:
                    self._add(node, MESSAGES, english, code, extra)
                else:
                    self._add(node, MESSAGES, english, f"{code}#one", extra)
                    self._add(node, MESSAGES, other, f"{code}#other", extra)
        elif name == "text" and len(node.args) == 1 and not self.ui and self.marker:
            source = _const(node.args[0])
            if source is not None:  # pieces joined into a text are found sentence by sentence
                self._add(node, MESSAGES, source.strip())
        self.generic_visit(node)


def _files(root: Path, where: str) -> list[Path]:
    target = root / where
    if target.is_file():
        return [target]
    return sorted(p for p in target.rglob("*.py") if "__pycache__" not in p.parts)


#: the errors whose text people read (``pos.services.errors.USER_ERRORS``); a plain
#: ``ValueError`` or ``TypeError`` is a bug report for the log, not a message
USER_ERROR_ROOTS = frozenset({"DomainError", "ServiceError", "StoreError"})


def user_errors(root: Path = ROOT) -> frozenset[str]:
    """The names of every class in ``pos`` that is (transitively) a user error."""
    bases: dict[str, set[str]] = {}
    for path in _files(root, "pos"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                names = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
                bases.setdefault(node.name, set()).update(names)
    known = set(USER_ERROR_ROOTS)
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in known and parents & known:
                known.add(name)
                grew = True
    return frozenset(known)


def scan(root: Path = ROOT) -> list[Found]:
    """Every translatable text in the code under ``root``, in a stable order."""
    found: list[Found] = []
    errors = user_errors(root)
    for where, ui in [("pos/ui", True), *((b, False) for b in BELOW_UI)]:
        for path in _files(root, where):
            scanner = _Scanner(path.relative_to(root).as_posix(), ui, errors)
            scanner.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            found.extend(scanner.found)
    for where in DRIVER_TEXTS:
        for path in _files(root, where):
            scanner = _Scanner(path.relative_to(root).as_posix(), False)
            scanner.marker = True
            scanner.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
            found.extend(scanner.found)
    return found


def entries(root: Path = ROOT) -> list[Entry]:
    return sorted({f.entry for f in scan(root)})


def read_ts(path: Path) -> dict[Entry, str]:
    """The translations a .ts holds (empty ones included, as "")."""
    if not path.is_file():
        return {}
    out: dict[Entry, str] = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            entry = Entry(name, message.findtext("source") or "", message.findtext("comment") or "")
            out[entry] = message.findtext("translation") or ""
    return out


def write_ts(path: Path, locale: str, translations: dict[Entry, str]) -> str:
    """The .ts text for ``translations`` (contexts and messages in sorted order)."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        "<!DOCTYPE TS>",
        f'<TS version="2.1" language="{locale}" sourcelanguage="en">',
    ]
    by_context: dict[str, list[Entry]] = {}
    for entry in sorted(translations):
        by_context.setdefault(entry.context, []).append(entry)
    for context, items in by_context.items():
        lines += ["<context>", f"    <name>{escape(context)}</name>"]
        for entry in items:
            lines.append("    <message>")
            lines.append(f"        <source>{escape(entry.source)}</source>")
            if entry.comment:
                lines.append(f"        <comment>{escape(entry.comment)}</comment>")
            done = translations[entry]
            if done:
                lines.append(f"        <translation>{escape(done)}</translation>")
            else:
                lines.append('        <translation type="unfinished"></translation>')
            lines.append("    </message>")
        lines.append("</context>")
    lines.append("</TS>")
    return "\n".join(lines) + "\n"


def update(
    root: Path = ROOT, apply: dict[str, str] | None = None, check: bool = False
) -> list[Path]:
    """Rewrite each language's .ts for the texts in the code; returns the files changed
    (with ``check``: the files that would change)."""
    wanted = entries(root)
    changed: list[Path] = []
    for code, locale in LANGUAGES.items():
        path = root / "resources" / "translations" / f"kaunta_{code}.ts"
        old = read_ts(path)
        by_source = {e.source: t for e, t in old.items() if t}
        new: dict[Entry, str] = {}
        for entry in wanted:
            done = old.get(entry) or by_source.get(entry.source, "")
            if not done and apply:
                done = apply.get(entry.source, "")
            new[entry] = done
        text = write_ts(path, locale, new)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            changed.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a .ts is out of date")
    parser.add_argument("--apply", type=Path, help='JSON {"English": "translation"} to fill in')
    args = parser.parse_args(argv)
    apply = json.loads(args.apply.read_text(encoding="utf-8")) if args.apply else None
    changed = update(apply=apply, check=args.check)
    for path in changed:
        print(f"{'out of date' if args.check else 'updated'}: {path.relative_to(ROOT)}")
    missing = [
        e for e, t in read_ts(TRANSLATIONS / "kaunta_sw.ts").items() if not t and not args.check
    ]
    if missing:
        print(f"{len(missing)} texts still need a Kiswahili translation")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
