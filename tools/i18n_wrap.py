"""Wrap the untranslated literals :mod:`i18n_check` finds in translation calls:
``python tools/i18n_wrap.py pos/ui/some_screen.py …`` (then ``ruff format`` the files and
read the diff).

Inside a class: ``"Text"`` becomes ``self.tr("Text")`` and ``f"Due {due}"`` becomes
``self.tr("Due {due}").format(due=due)``; in a module-level function the context is the
module's name, through ``QCoreApplication.translate``. Literals inside ``+`` or ``if``
expressions are left for a person to reword (a sentence must be translated whole).
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from i18n_check import NOT_TEXT, SHOWN, _bare_words, _name


def _literal(text: str) -> str:
    """``text`` as a double-quoted Python literal, split into parts of about 70 characters."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    if len(body) <= 80:
        return f'"{body}"'
    parts, current = [], ""
    for word in re.split(r"(?<= )", body):
        if current and len(current) + len(word) > 70:
            parts.append(current)
            current = ""
        current += word
    parts.append(current)
    return "(" + " ".join(f'"{p}"' for p in parts) + ")"


def _placeholder(node: ast.expr, taken: set[str], index: int) -> str:
    if isinstance(node, ast.Name):
        name = node.id
    elif isinstance(node, ast.Attribute):
        name = node.attr
    elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
        name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
    else:
        name = f"value{index}"
    name = name.lstrip("_") or f"value{index}"
    base, n = name, 2
    while name in taken:
        name, n = f"{base}{n}", n + 1
    taken.add(name)
    return name


def _wrapped(node: ast.expr, source: str, tr: str) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"{tr}({_literal(node.value)})"
    if not isinstance(node, ast.JoinedStr):
        return None
    template, args, taken = "", [], set[str]()
    for i, value in enumerate(node.values):
        if isinstance(value, ast.Constant):
            template += str(value.value).replace("{", "{{").replace("}", "}}")
        elif isinstance(value, ast.FormattedValue):
            expr = ast.get_source_segment(source, value.value)
            if expr is None:
                return None
            name = _placeholder(value.value, taken, i)
            template += "{" + name + "}"
            if value.format_spec is not None or value.conversion != -1:
                whole = ast.get_source_segment(source, value)
                args.append(f"{name}=f{whole!r}" if whole else f"{name}={expr}")
            else:
                args.append(f"{name}={expr}")
    return f"{tr}({_literal(template)}).format({', '.join(args)})"


def wrap(path: Path) -> int:
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    module = path.stem
    edits: list[tuple[int, int, str]] = []
    lines = source.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(lineno: int, col: int) -> int:
        return starts[lineno - 1] + len(lines[lineno - 1].encode()[:col].decode())

    def visit(node: ast.AST, in_class: bool, in_method: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.ClassDef):
                visit(child, True, False)
                continue
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                method = in_class and bool(child.args.args) and child.args.args[0].arg == "self"
                visit(child, False, method or in_method)
                continue
            if isinstance(child, ast.Call) and _name(child) in SHOWN:
                tr = "self.tr" if in_method else f'QCoreApplication.translate("{module}", '
                shown = [k.value for k in child.keywords if k.arg not in NOT_TEXT]
                for arg in [*child.args, *shown]:
                    if not _bare_words(arg):
                        continue
                    if in_method:
                        new = _wrapped(arg, source, "self.tr")
                    else:
                        inner = _wrapped(arg, source, "X")
                        new = inner.replace("X(", tr, 1) if inner else None
                    if new is None:
                        print(f"{path}:{arg.lineno}: reword by hand")
                        continue
                    assert arg.end_lineno is not None
                    assert arg.end_col_offset is not None
                    edits.append(
                        (
                            offset(arg.lineno, arg.col_offset),
                            offset(arg.end_lineno, arg.end_col_offset),
                            new,
                        )
                    )
            visit(child, in_class, in_method)

    visit(tree, False, False)
    for start, end, new in sorted(edits, reverse=True):
        source = source[:start] + new + source[end:]
    path.write_text(source, encoding="utf-8")
    return len(edits)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(f"{name}: {wrap(Path(name))} wrapped")
