"""The Windows build's inputs, checked on Linux (no Windows or Inno Setup here: the spec's
Windows branch, the icon and the installer script are read and run as far as Linux can;
docs/installer.md says what was never run).

- the icon: drawn from the SVG at build time (``installer/icon.py``), a real ICO file that
  Qt's own ICO reader opens, every size there and drawn;
- the spec: run with stand-ins for PyInstaller's build steps (Analysis, PYZ, EXE, COLLECT:
  the Windows build itself cannot run here), as Windows (``sys.platform`` "win32") and as
  this platform: on Windows the till's ``kaunta.exe`` is windowed, ``kaunta-cli.exe`` a
  console, both with the icon, in one folder;
- a windowed start (no stdout or stderr) still puts what the command prints into the log
  folder (``installer/entry.py``);
- ``kaunta.iss`` and ``Swahili.isl``: English and Kiswahili, every message the script uses
  defined for both, the same fields in each translation as in its English, the paths the
  script names the ones the build and the till use.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PureWindowsPath
from typing import Any

import platformdirs.windows
import pytest

ROOT = Path(__file__).resolve().parents[2]
WINDOWS_DIR = ROOT / "installer" / "windows"
ISS = WINDOWS_DIR / "kaunta.iss"
ISL = WINDOWS_DIR / "Swahili.isl"

sys.path.insert(0, str(ROOT / "installer"))
import build  # noqa: E402
from icon import ICO_SIZES, ico_bytes, make_ico, read_ico  # noqa: E402
from targets import executables  # noqa: E402

#: the fields Inno Setup fills in a message: %1..%9, %n (new line), [name], [name/ver], [mb]
FIELDS = re.compile(r"%\d|%n|\[[a-z/]+\]")


# -- the icon (``qapp``: pytest-qt's QApplication, so icon.py draws with it and makes none) ---


def test_the_icon_is_an_ico_of_every_size_drawn_from_the_svg(tmp_path: Path, qapp: object) -> None:
    from PySide6.QtGui import QImage, QImageReader

    ico = make_ico(tmp_path / "kaunta.ico")
    images = read_ico(ico.read_bytes())
    assert [size for size, _ in images] == list(ICO_SIZES)
    for size, png in images:
        image = QImage.fromData(png)
        assert (image.width(), image.height()) == (size, size)
        corner, middle = image.pixelColor(0, 0), image.pixelColor(size // 2, size // 6)
        assert corner.alpha() == 0, f"{size} px: the rounded corner is transparent"
        assert middle.alpha() == 255, f"{size} px: the icon is drawn"
        assert middle.green() > middle.red(), f"{size} px: Kaunta's green"
    reader = QImageReader(str(ico))  # Qt's own ICO reader agrees it is an icon
    assert bytes(reader.format().data()) == b"ico"
    assert reader.imageCount() == len(ICO_SIZES)


def test_an_icon_of_nothing_or_of_no_png_is_refused(tmp_path: Path, qapp: object) -> None:
    with pytest.raises(ValueError, match="at least one"):
        ico_bytes([])
    with pytest.raises(ValueError, match="PNG data only"):
        ico_bytes([(32, b"BM not a png")])
    with pytest.raises(ValueError, match="sizes 1-256"):
        ico_bytes([(512, b"\x89PNG\r\n\x1a\n")])
    with pytest.raises(ValueError, match="not an ICO"):
        read_ico(b"GIF89a........")
    with pytest.raises(ValueError, match="not an SVG"):
        make_ico(tmp_path / "x.ico", svg=Path(__file__))


# -- the spec --------------------------------------------------------------------------------


class _Step:
    """A stand-in for one of PyInstaller's build steps: records what the spec gave it."""

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]]

    def __init__(self, kind: str, calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]]):
        self.kind = kind
        self.calls = calls

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        made = _Made(self.kind, args, kwargs)
        self.calls.append((self.kind, args, kwargs))
        return made


class _Made:
    def __init__(self, kind: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        self.kind, self.args, self.kwargs = kind, args, kwargs
        self.scripts, self.pure = ["entry"], ["pure"]
        self.datas = [("PySide6/Qt/translations/qt_de.qm", "x", "DATA"), ("pos/a", "y", "DATA")]
        self.binaries = [("libgtk-3.so.0", "z", "BINARY"), ("libQt6Core.so.6", "w", "BINARY")]


def _run_spec(
    monkeypatch: pytest.MonkeyPatch, platform: str, icon: Path
) -> list[tuple[str, tuple[Any, ...], dict[str, Any]]]:
    import PyInstaller.utils.hooks as hooks  # type: ignore[import-untyped]

    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    # what import analysis finds is the real build's business (tests/installer/
    # test_built_app.py); here only the spec's own decisions are looked at
    monkeypatch.setattr(hooks, "collect_submodules", lambda name, **_: [name])
    monkeypatch.setenv("KAUNTA_BUILD_ICON", str(icon))
    namespace: dict[str, Any] = {
        "SPECPATH": str(ROOT / "installer"),
        "__file__": str(ROOT / "installer" / "kaunta.spec"),
        **{kind: _Step(kind, calls) for kind in ("Analysis", "PYZ", "EXE", "COLLECT")},
    }
    code = compile((ROOT / "installer" / "kaunta.spec").read_text(encoding="utf-8"), "spec", "exec")
    with monkeypatch.context() as m:
        m.setattr(sys, "platform", platform)
        exec(code, namespace)
    return calls


@pytest.mark.parametrize("platform", ["win32", "linux"])
def test_the_spec_makes_the_executables_of_its_platform(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, platform: str
) -> None:
    icon = tmp_path / "kaunta.ico"
    calls = _run_spec(monkeypatch, platform, icon)
    exes = [kwargs for kind, _args, kwargs in calls if kind == "EXE"]
    windows = platform == "win32"
    wanted = executables(windows)
    assert [(e["name"], e["console"]) for e in exes] == [(t.name, t.console) for t in wanted]
    if windows:
        assert [(t.name, t.console) for t in wanted] == [
            ("kaunta", False),  # the till: no console window behind it
            ("kaunta-cli", True),  # the commands that print
        ]
        assert all(e["icon"] == str(icon) for e in exes), "every Windows executable has the icon"
    else:
        assert [(t.name, t.console) for t in wanted] == [("kaunta", True)]
        assert all(e["icon"] is None for e in exes)
    assert all(e["exclude_binaries"] for e in exes)  # one folder, not one file
    (collect,) = [(args, kwargs) for kind, args, kwargs in calls if kind == "COLLECT"]
    args, kwargs = collect
    assert [a.kwargs["name"] for a in args if getattr(a, "kind", "") == "EXE"] == [
        t.name for t in wanted
    ], "every executable lands in the one folder"
    assert kwargs["name"] == "kaunta"  # dist/kaunta/, what kaunta.iss packs


# -- a windowed start ------------------------------------------------------------------------


def _windowed(args: list[str], log_dir: Path, tmp_path: Path) -> int:
    """``installer/entry.py ARGS`` started as a windowed build starts: with no standard
    output or error (both closed, so Python's ``sys.stdout``/``sys.stderr`` are None)."""
    env = {**os.environ, "KAUNTA_LOG_DIR": str(log_dir), "QT_QPA_PLATFORM": "offscreen"}
    env.pop("KAUNTA_DATA_DIR", None)
    command = " ".join(
        f"'{part}'" for part in [sys.executable, str(ROOT / "installer" / "entry.py"), *args]
    )
    done = subprocess.run(
        ["sh", "-c", f"exec {command} 1>&- 2>&-"], env=env, cwd=tmp_path, timeout=120, check=False
    )
    return done.returncode


def test_a_windowed_start_writes_what_it_prints_into_the_log_folder(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    data = tmp_path / "data"
    assert _windowed(["--data-dir", str(data), "--training", "--print-paths"], logs, tmp_path) == 0
    text = (logs / "console.log").read_text(encoding="utf-8")
    assert f"data:     {data}" in text.splitlines(), text
    assert f"logs:     {logs}" in text
    # refused: a configuration file that is not there, said on stderr (the same file)
    config = tmp_path / "none.toml"
    assert _windowed(["--config", str(config), "--live", "run"], logs, tmp_path) == 2
    text = (logs / "console.log").read_text(encoding="utf-8")
    assert f"kaunta: The config file {config} does not exist." in text.splitlines(), text
    assert text.count("--- ") == 2, "each start is headed by its time and arguments"


# -- the installer script and its Kiswahili ---------------------------------------------------


def _sections(text: str) -> dict[str, list[str]]:
    """An Inno Setup file's lines by section, without comments, blanks and #directives."""
    out: dict[str, list[str]] = {"": []}
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(";") or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]") and " " not in line:
            current = line[1:-1]
            out.setdefault(current, [])
            continue
        out[current].append(line)
    return out


def _entries(lines: list[str]) -> list[dict[str, str]]:
    """``Name: "x"; Filename: "y"; ...`` lines as dictionaries."""
    out = []
    for line in lines:
        fields = {}
        for part in re.findall(r'(\w+):\s*("(?:[^"]|"")*"|[^;]+)', line):
            key, value = part
            fields[key] = value.strip().strip('"').replace('""', '"')
        out.append(fields)
    return out


def _keys(lines: list[str]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for line in lines:
        key, _, value = line.partition("=")
        assert key not in keys, f"{key} is defined twice"
        keys[key] = value
    return keys


def _defines(text: str) -> dict[str, str]:
    return dict(re.findall(r'#\s*define\s+(\w+)\s+"([^"]*)"', text))


def _beside_script(value: str) -> Path:
    """A path the script names (Windows spelling, relative to the script's folder)."""
    return (WINDOWS_DIR / Path(*PureWindowsPath(value).parts)).resolve()


@pytest.fixture(scope="module")
def iss() -> tuple[str, dict[str, list[str]]]:
    text = ISS.read_text(encoding="utf-8")
    return text, _sections(text)


def _swahili_messages() -> dict[str, dict[str, tuple[str, str]]]:
    """Swahili.isl's sections: key -> (its English original, its Kiswahili)."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    section, english = "", None
    for raw in ISL.read_text(encoding="ascii").splitlines():
        if raw.startswith("[") and raw.endswith("]"):
            section, english = raw[1:-1], None
            out[section] = {}
        elif raw.startswith("; en: "):
            english = raw[len("; en: ") :]
        elif raw and not raw.startswith(";"):
            key, _, value = raw.partition("=")
            assert key not in out[section], f"Swahili.isl: {key} twice"
            if section in ("Messages", "CustomMessages"):
                assert english is not None, f"Swahili.isl: {key} has no '; en:' original"
            out[section][key] = (english or "", value)
            english = None
    return out


def test_the_installer_speaks_english_and_kiswahili(iss: tuple[str, dict[str, list[str]]]) -> None:
    _text, sections = iss
    languages = {e["Name"]: e["MessagesFile"] for e in _entries(sections["Languages"])}
    assert set(languages) == {"english", "swahili"}
    assert languages["english"] == "compiler:Default.isl"
    # Kiswahili on top of the English defaults: what it does not translate stays readable
    files = [f.strip() for f in languages["swahili"].split(",")]
    assert files[0] == "compiler:Default.isl"
    assert files[1:] == ["Swahili.isl"]
    assert (WINDOWS_DIR / "Swahili.isl").is_file()
    setup = _keys(sections["Setup"])
    assert setup["ShowLanguageDialog"] == "yes"


def test_every_message_the_script_uses_is_there_in_both_languages(
    iss: tuple[str, dict[str, list[str]]],
) -> None:
    text, sections = iss
    custom = _keys(sections["CustomMessages"])
    standard = _swahili_messages()["CustomMessages"]  # Inno's own, in Default.isl and here
    used = set(re.findall(r"\{cm:(\w+)", text))
    assert used, "the script's texts are custom messages"
    for name in used:
        if name in standard:
            continue
        for language in ("english", "swahili"):
            assert f"{language}.{name}" in custom, f"{{cm:{name}}} has no {language} text"
    for key, value in custom.items():
        language, _, name = key.partition(".")
        other = "swahili" if language == "english" else "english"
        assert f"{other}.{name}" in custom, f"{key} has no {other} twin"
        assert FIELDS.findall(value) == FIELDS.findall(custom[f"{other}.{name}"]), key
        assert name in used, f"{key} is never used"
    # no English left where a Kiswahili reader sees the script's own words
    for entry in _entries(sections["Tasks"] + sections["Run"] + sections["Icons"]):
        for field in ("Description", "GroupDescription"):
            if field in entry:
                assert entry[field].startswith("{cm:"), entry


def test_the_kiswahili_messages_keep_every_field_of_their_english() -> None:
    sections = _swahili_messages()
    options = {k: v for k, (_en, v) in sections["LangOptions"].items()}
    assert options["LanguageName"] == "Kiswahili"
    assert options["LanguageID"] == "$0441"  # Swahili (Kenya)
    messages = sections["Messages"] | sections["CustomMessages"]
    assert len(messages) > 100
    for key, (english, swahili) in messages.items():
        assert swahili.strip(), key
        assert swahili != english or key in {"ButtonOK"}, f"{key} is not translated"
        assert sorted(FIELDS.findall(swahili)) == sorted(FIELDS.findall(english)), key
        amp = swahili.replace("&&", "").count("&")
        assert amp == english.replace("&&", "").count("&"), f"{key}: keyboard accelerators"
    for needed in ("WelcomeLabel1", "ButtonNext", "ButtonInstall", "FinishedLabel"):
        assert needed in messages


def test_the_script_names_what_the_build_makes(iss: tuple[str, dict[str, list[str]]]) -> None:
    text, sections = iss
    defines = _defines(text)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "version"
    ]
    assert defines["AppVersion"] == version
    # the defaults are build.py's: its work folder holds the icon, its dist folder the app
    assert _beside_script(defines["IconFile"]) == build.DEFAULT_WORK / "kaunta.ico"
    assert _beside_script(defines["DistDir"]) == build.DEFAULT_DIST
    (files,) = _entries(sections["Files"])
    assert files["Source"] == "{#DistDir}\\kaunta\\*"
    names = {f"{t.name}.exe" for t in executables(True)}
    started = set(re.findall(r"\{app\}\\([\w-]+\.exe)", text)) | set(
        re.findall(r"([\w-]+\.exe) --", text)
    )
    assert started == names, f"the script starts {started}; the build makes {names}"
    assert _keys(sections["Setup"])["SetupIconFile"] == "{#IconFile}"


def test_the_log_shortcut_opens_the_folder_the_till_logs_to(
    iss: tuple[str, dict[str, list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _text, sections = iss
    local = r"C:\Users\duka\AppData\Local"
    # platformdirs' own Windows rules; only the folder lookup (a Windows API) is given
    monkeypatch.setattr(platformdirs.windows, "get_win_folder", lambda _csidl: local)
    from pos.config import APP

    logs = platformdirs.windows.Windows(APP, appauthor=False).user_log_dir.replace("/", "\\")
    assert logs.startswith(local)
    expected = "{localappdata}" + logs[len(local) :]
    (made,) = [e["Name"] for e in _entries(sections["Dirs"])]
    assert made == expected
    shortcuts = [e["Filename"] for e in _entries(sections["Icons"])]
    assert expected in shortcuts


@pytest.mark.skipif(shutil.which("iscc") is None, reason="Inno Setup's compiler (Windows only)")
def test_inno_setup_compiles_the_script(tmp_path: Path) -> None:  # pragma: no cover - Windows
    done = subprocess.run(
        ["iscc", f"/O{tmp_path}", str(ISS)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
