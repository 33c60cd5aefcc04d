"""The executables the PyInstaller spec makes, per platform (imported by ``kaunta.spec``,
checked by ``tests/installer/test_windows_inputs.py``: the spec itself only runs inside
PyInstaller).

On Windows a console program opens a black console window behind the till, so the till's
``kaunta.exe`` is windowed (``console=False``). A windowed program has no standard output
(``sys.stdout`` is None): what the commands print goes to ``console.log`` in the log folder
(``installer/entry.py``), and ``kaunta-cli.exe``, the same program built as a console one
in the same folder, is for the commands a manager reads in a terminal (backup, restore,
verify, import-catalog, ``--print-paths``). Linux has one ``kaunta``: started from the
menu it shows no terminal anyway.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Executable:
    """One executable of the one-folder build: its file name (no ``.exe``) and whether it
    is a console program."""

    name: str
    console: bool


def executables(windows: bool) -> tuple[Executable, ...]:
    """What the build makes: ``kaunta`` first (the installer's shortcuts start it)."""
    if windows:
        return (Executable("kaunta", console=False), Executable("kaunta-cli", console=True))
    return (Executable("kaunta", console=True),)
