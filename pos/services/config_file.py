"""Changing a few keys of the till's TOML config file and keeping everything else.

The manager's screens change settings after set-up (the shop's details; the devices
screen has its own ``[devices.<table>]`` writer). A shop's file may have been edited by
hand, with comments, blank lines and keys in its own order, so a key is changed where it
stands, a new key goes at the end of its section, and every other byte stays as it was.

The standard library reads TOML but does not write it, so the edit is checked the strict
way: the edited text is parsed again and must read exactly as the old file with the new
values put in (:func:`edit_config`). A layout this module does not follow (a dotted key,
an inline table) is refused with a message naming the key, and nothing is written.
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: what a key can be set to (None: the key is removed)
TomlValue = str | bool | int | list[str]

_HEADER = re.compile(r"[ \t]*\[([^\[\]]+)\][ \t]*(#[^\n]*)?$")
_ARRAY_HEADER = re.compile(r"[ \t]*\[\[")
_KEY = re.compile(r"[ \t]*([A-Za-z0-9_-]+|\"[^\"\n]*\"|'[^'\n]*')[ \t]*=")


class ConfigEditError(ValueError):
    """The file cannot be changed safely; the message names the key and the file."""


@dataclass(frozen=True, slots=True)
class _KeyValue:
    """One ``key = value`` statement: its line starts at ``start``, its value spans
    ``value_start`` to ``value_end``, and its line (comment and newline included) ends at
    ``end``."""

    table: str
    key: str
    start: int
    value_start: int
    value_end: int
    end: int


def render_value(value: TomlValue) -> str:
    """``value`` as TOML (strings as JSON strings, whose escapes TOML shares)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _value_end(text: str, i: int) -> tuple[int, int]:
    """From just after ``=``: where the value ends and where its line ends (after an
    optional comment and the newline). Strings (all four kinds) and brackets are followed,
    so a multi-line array or string is one value."""
    depth = 0
    n = len(text)
    while i < n:
        if text.startswith(('"""', "'''"), i):
            quote = text[i : i + 3]
            close = text.find(quote, i + 3)
            while close != -1 and quote == '"""' and _escaped(text, close):
                close = text.find(quote, close + 1)
            if close == -1:
                raise ConfigEditError("a multi-line string is not closed")
            i = close + 3
            while i < n and text[i] == quote[0]:  # """a"""" : up to two quotes more
                i += 1
            continue
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"' and text[i] != "\n":
                i += 2 if text[i] == "\\" else 1
            i += 1
        elif c == "'":
            close = text.find("'", i + 1)
            i = n if close == -1 else close + 1
        elif c in "[{":
            depth += 1
            i += 1
        elif c in "]}":
            depth -= 1
            i += 1
        elif c == "#":
            line_end = text.find("\n", i)
            line_end = n if line_end == -1 else line_end
            if depth <= 0:
                return _trim(text, i), min(line_end + 1, n)
            i = line_end
        elif c == "\n" and depth <= 0:
            return _trim(text, i), i + 1
        else:
            i += 1
    return _trim(text, n), n


def _escaped(text: str, at: int) -> bool:
    slashes = 0
    while at - slashes - 1 >= 0 and text[at - slashes - 1] == "\\":
        slashes += 1
    return slashes % 2 == 1


def _trim(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in " \t\r":
        end -= 1
    return end


def _statements(text: str) -> tuple[list[_KeyValue], dict[str, tuple[int, int]]]:
    """Every ``key = value`` with its table, and where each ``[table]`` header's line
    ends and its last statement ends (for a new key)."""
    found: list[_KeyValue] = []
    tables: dict[str, tuple[int, int]] = {}
    table = ""
    i, n = 0, len(text)
    while i < n:
        line_end = text.find("\n", i)
        line_end = n if line_end == -1 else line_end + 1
        line = text[i:line_end].rstrip("\r\n")
        header = _HEADER.fullmatch(line)
        key = _KEY.match(line)
        if _ARRAY_HEADER.match(line):
            table = "[[array]]"  # arrays of tables: never changed here
        elif header:
            table = header.group(1).strip()
            tables.setdefault(table, (line_end, line_end))
        elif key:
            name = key.group(1).strip("\"'")
            value_start = i + key.end()
            value_end, end = _value_end(text, value_start)
            found.append(_KeyValue(table, name, i, value_start, value_end, end))
            if table in tables:
                tables[table] = (tables[table][0], end)
            line_end = end
        i = line_end
    return found, tables


def _expected(
    old: dict[str, Any], edits: Mapping[str, Mapping[str, TomlValue | None]]
) -> dict[str, Any]:
    want = copy.deepcopy(old)
    for table, values in edits.items():
        section = want.setdefault(table, {})
        assert isinstance(section, dict)
        for key, value in values.items():
            if value is None:
                section.pop(key, None)
            else:
                section[key] = value
        if not section and table not in old:
            del want[table]
    return want


def edit_config(
    text: str, edits: Mapping[str, Mapping[str, TomlValue | None]], *, name: str = "config"
) -> str:
    """``text`` with ``edits`` (table -> key -> new value, None to remove) put in.

    Raises :class:`ConfigEditError` naming the file (``name``) when the file is not TOML,
    or when the edited text would not read as the old one with exactly these changes."""
    try:
        old = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigEditError(f"The config file {name} is not valid TOML: {exc}") from None
    try:
        out = _edit(text, edits)
    except ConfigEditError as exc:
        raise ConfigEditError(f"The config file {name} cannot be changed here: {exc}.") from None
    try:
        got = tomllib.loads(out)
    except tomllib.TOMLDecodeError:
        got = None
    if got != _expected(old, edits):
        keys = ", ".join(f"{t}.{k}" for t, values in edits.items() for k in values)
        raise ConfigEditError(
            f"The config file {name} is laid out in a way Kaunta does not change by itself "
            f"(a dotted key or an inline table?); change {keys} in it by hand. Nothing was "
            "changed."
        )
    return out


def _edit(text: str, edits: Mapping[str, Mapping[str, TomlValue | None]]) -> str:
    statements, tables = _statements(text)
    # (start, end, replacement), applied from the end so earlier offsets stay right
    changes: list[tuple[int, int, str]] = []
    appended: list[str] = []
    for table, values in edits.items():
        present = {s.key: s for s in statements if s.table == table}
        added: list[str] = []
        for key, value in values.items():
            statement = present.get(key)
            if statement is not None and value is None:
                changes.append((statement.start, statement.end, ""))
            elif statement is not None and value is not None:
                rendered = " " + render_value(value)
                changes.append((statement.value_start, statement.value_end, rendered))
            elif value is not None:
                added.append(f"{key} = {render_value(value)}\n")
        if not added:
            continue
        if table in tables:
            at = tables[table][1]
            lead = "" if at == 0 or text[at - 1] == "\n" else "\n"
            changes.append((at, at, lead + "".join(added)))
        else:
            appended.append(f"[{table}]\n" + "".join(added))
    out = text
    for start, end, replacement in sorted(changes, key=lambda c: (c[0], c[1]), reverse=True):
        out = out[:start] + replacement + out[end:]
    if appended:
        out = out.rstrip("\n")
        out = (out + "\n\n" if out else "") + "\n".join(appended)
    return out


def write_atomically(path: Path, text: str) -> None:
    """``text`` at ``path``, all or nothing: a temporary file in the same folder, flushed
    and synced, renamed over (then the folder synced), so a power cut leaves the old file
    or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    if hasattr(os, "O_DIRECTORY"):  # POSIX: the rename itself is durable
        folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
