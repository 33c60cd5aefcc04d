#!/usr/bin/env python3
"""Kaunta's developer entry point: needs only Python 3.11+ and the OS package manager.

    python3 dev.py start   set up, then open the till in training mode (demo data)
    python3 dev.py test    set up, then run the whole test suite (lint, types, tests; the
                           tests marked ``xcb`` under Xvfb with openbox)

Setup is idempotent: a virtual environment in ``.venv`` with Kaunta installed in editable
mode, plus, on Debian/Ubuntu, the system libraries Qt needs (installed with apt when
running as root or with password-less sudo; otherwise the exact command is printed).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
#: Qt Linguist sources (.ts) and the .qm files built from them
TRANSLATIONS = ROOT / "resources" / "translations"

#: Debian/Ubuntu packages Qt 6 needs: for tests (offscreen) and for a real window (xcb).
APT_TEST = [
    # head office's native ingest kernel (setup.py builds it; its tests run it)
    "gcc",
    "libc6-dev",
    "python3-dev",
    "libegl1",
    "libgl1",
    "libxkbcommon0",
    "libfontconfig1",
    "libglib2.0-0",
    "libdbus-1-3",
    "fonts-dejavu-core",
    # head-office tests start a throwaway PostgreSQL cluster (initdb + pg_ctl)
    "postgresql",
    # the dashboard's browser test drives Debian's Chromium (never a downloaded browser)
    "chromium",
    # msgfmt compiles head office's Kiswahili catalogue (sync/server/etims/i18n.py)
    "gettext",
    # tests/server/test_ops_deploy.py validates deploy/Caddyfile with Caddy itself
    "caddy",
]
APT_WINDOW = [
    "libxcb-cursor0",
    "libxkbcommon-x11-0",
    "libxcb-icccm4",
    "libxcb-keysyms1",
    "libxcb-image0",
    "libxcb-render-util0",
    "libxcb-xinerama0",
    "libxcb-shape0",
    "libxcb-randr0",
    "libxcb-xfixes0",
    "libxcb-xkb1",
    "libx11-xcb1",
]
#: A virtual X server with a window manager, for the tests marked ``xcb`` (who holds the
#: keyboard is decided by a window manager; Qt's offscreen platform has none): xvfb-run
#: (xvfb, xauth), openbox, and xprop (x11-utils) to see that openbox has started.
APT_X = ["xvfb", "xauth", "openbox", "x11-utils"]
#: where ``dev.py _wm`` writes its command's exit code for :func:`test_under_x`
WM_RESULT = "KAUNTA_WM_RESULT"


def say(text: str) -> None:
    print(f"[dev] {text}", flush=True)


def run(cmd: list[str], **kw: object) -> None:
    say(" ".join(str(c) for c in cmd))
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def apt_install(packages: list[str]) -> None:
    """Install missing Debian packages, or say exactly how to."""
    if not sys.platform.startswith("linux") or shutil.which("dpkg-query") is None:
        return
    missing = []
    for pkg in packages:
        probe = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", pkg], capture_output=True, text=True
        )
        if "install ok installed" not in probe.stdout:
            missing.append(pkg)
    if not missing:
        return
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo_ok = (
            shutil.which("sudo")
            and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0
        )
        if not sudo_ok:
            say("Qt needs these system packages; install them, then run this again:")
            say(f"  sudo apt-get install -y {' '.join(missing)}")
            sys.exit(1)
        prefix = ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    run([*prefix, "apt-get", "update", "-qq"], env=env)
    run([*prefix, "apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing], env=env)


def setup(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on any system Python
        sys.exit(f"Kaunta needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PY.exists():
        say(f"creating {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    stamp = VENV / f".installed-{extras or 'app'}"
    # the package's build inputs: metadata, setup.py, and the C sources of head office's
    # native ingest kernel (built in place by the editable install)
    inputs = (
        ROOT / "pyproject.toml",
        ROOT / "setup.py",
        ROOT / "sync/protocol/_quickc.c",
        ROOT / "sync/server/ledger/_rowsc.c",
    )
    newest = max(p.stat().st_mtime for p in inputs)
    if not stamp.exists() or stamp.stat().st_mtime < newest:
        run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"])
        target = f".[{extras}]" if extras else "."
        run([str(PY), "-m", "pip", "install", "-q", "-e", target], cwd=ROOT)
        stamp.touch()
    if not kernel_built() and (shutil.which("gcc") or shutil.which("cc")):
        # installed before a compiler was there: build head office's native kernel now
        run([str(PY), "-m", "pip", "install", "-q", "--no-deps", "-e", "."], cwd=ROOT)
    if not kernel_built():
        say("head office's native ingest kernel is not built (no C compiler or Python headers):")
        say("head office runs its Python code instead (slower, the same answers)")
    build_translations()
    build_headoffice_catalogue()


#: the native ingest kernel's extension modules (setup.py), where the editable install puts them
KERNEL_MODULES = ("sync/protocol/_quickc", "sync/server/ledger/_rowsc")


def kernel_built() -> bool:
    """Are head office's native ingest kernel's extensions built in the checkout?"""
    return all(any(ROOT.glob(f"{m}.*.so")) or any(ROOT.glob(f"{m}.*.pyd")) for m in KERNEL_MODULES)


def build_headoffice_catalogue() -> None:
    """Compile head office's Kiswahili catalogue (the eTIMS pages) with the project's own
    :func:`sync.server.etims.i18n.compile_catalogue`, run in the virtual environment
    (Django lives there). Without GNU ``msgfmt`` (apt package ``gettext``) the pages are
    served in English and set-up says so instead of failing."""
    code = "from sync.server.etims.i18n import compile_catalogue; print(compile_catalogue())"
    try:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sync.server.settings"}
        done = subprocess.run(
            [str(PY), "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
    except OSError as exc:
        reason = str(exc)
    else:
        if done.returncode == 0:
            return
        reason = (done.stderr.strip().splitlines() or ["?"])[-1]
    say(f"head office's Kiswahili pages not built ({reason}); they are shown in English")


def build_translations(folder: Path = TRANSLATIONS, lrelease: Path | None = None) -> list[Path]:
    """Compile each Qt Linguist source ``*.ts`` in ``folder`` to the ``.qm`` Qt loads.

    The ``.qm`` files are build output, not committed: they are (re)built here, beside
    their sources, when missing or older than the ``.ts``, so the editable install sees
    them at once and a wheel built afterwards ships them. No ``.ts`` files: nothing to do
    (and the tool is not needed). Returns the ``.qm`` files written.
    """
    sources = sorted(folder.glob("*.ts"))
    tool = lrelease or BIN / ("pyside6-lrelease.exe" if os.name == "nt" else "pyside6-lrelease")
    written: list[Path] = []
    for source in sources:
        compiled = source.with_suffix(".qm")
        if compiled.exists() and compiled.stat().st_mtime >= source.stat().st_mtime:
            continue
        run([str(tool), "-silent", str(source), "-qm", str(compiled)])
        written.append(compiled)
    return written


def start(args: list[str]) -> int:
    apt_install(APT_TEST + APT_WINDOW)
    setup("")
    if (
        sys.platform.startswith("linux")
        and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        and not os.environ.get("QT_QPA_PLATFORM")
    ):
        say("No display found (DISPLAY/WAYLAND_DISPLAY unset). Run this from a desktop session,")
        say("or try it headless: xvfb-run -a python3 dev.py start")
        return 1
    say("starting Kaunta in training mode (demo store, demo catalog; PINs on screen)")
    return subprocess.call([str(BIN / "kaunta"), "--training", *args])


def test(args: list[str]) -> int:
    apt_install(APT_TEST + APT_WINDOW + APT_X)
    setup("dev")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONDONTWRITEBYTECODE": "1"}
    pytest = [str(PY), "-m", "pytest", "-p", "no:cacheprovider"]
    steps = [
        [str(PY), "-m", "ruff", "check", "."],
        [str(PY), "-m", "ruff", "format", "--check", "."],
        [str(PY), "-m", "mypy"],
        [*pytest, "-n", "2", "-m", "not xcb", *args],
    ]
    for cmd in steps:
        say(" ".join(cmd[2:]))
        code = subprocess.call(cmd, cwd=ROOT, env=env)
        if code != 0:
            say(f"FAILED: {' '.join(cmd[2:])} (exit {code})")
            return code
    return test_under_x(args)


def test_under_x(args: list[str]) -> int:
    """Run the tests marked ``xcb`` on a real X server with a window manager: a fresh
    Xvfb from ``xvfb-run -a`` (a free display, its own X authority), openbox started in it
    by :func:`under_window_manager`, ``QT_QPA_PLATFORM=xcb``, one process (a handful of
    tests). ``args`` narrow it as they narrow the offscreen run; none of them marked
    (pytest's exit 5, nothing collected) is a pass."""
    if shutil.which("xvfb-run") is None:
        say("FAILED: the xcb tests need xvfb-run (apt-get install xvfb xauth openbox x11-utils)")
        return 1
    import tempfile

    with tempfile.TemporaryDirectory(prefix="kaunta-xcb-") as scratch:
        # pytest's own exit code, written by under_window_manager: xvfb-run's is not it
        # when xvfb-run fails on its own (its exit 5, a failed clean-up of its temporary
        # folder, would read as pytest's "nothing collected" and pass a failed run)
        result = Path(scratch) / "exit-code"
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "xcb",
            "PYTHONDONTWRITEBYTECODE": "1",
            WM_RESULT: str(result),
        }
        pytest = [str(PY), "-m", "pytest", "-p", "no:cacheprovider", "-m", "xcb", *args]
        screen = "-screen 0 1366x768x24"
        say("pytest -m xcb under Xvfb + openbox " + " ".join(args))
        written, outer = "", 0
        for _attempt in range(3):
            # ``xvfb-run -a`` counts up from ``-n`` to a free display, but two runs started
            # together (parallel test workers) can both take the same one: start each run
            # from its own random number, and try again if Xvfb or openbox did not come up
            first = random.randrange(200, 60000)
            cmd = ["xvfb-run", "-a", "-n", str(first), "-s", screen]
            cmd += [str(PY), __file__, "_wm", *pytest]
            outer = subprocess.call(cmd, cwd=ROOT, env=env)
            written = result.read_text().strip() if result.exists() else ""
            if written.isdigit():
                break
            say(f"Xvfb or openbox did not come up (xvfb-run exit {outer}): trying again")
    if not written.isdigit():
        say(f"FAILED: Xvfb or openbox did not run the xcb tests (xvfb-run exit {outer})")
        return outer or 1
    code = int(written)
    if code == 5:  # no test marked xcb among those selected
        return 0
    if code != 0:
        say(f"FAILED: pytest -m xcb under Xvfb + openbox (exit {code})")
    return code


def under_window_manager(cmd: list[str], wait: float = 20.0) -> int:
    """Start openbox on ``$DISPLAY``, wait until it manages the screen (the root window's
    ``_NET_SUPPORTING_WM_CHECK``, polled with xprop), run ``cmd``, stop openbox; returns
    ``cmd``'s exit code (also written to the file named by ``$KAUNTA_WM_RESULT``, if set,
    for :func:`test_under_x`). Without the wait the first window could be mapped before a window
    manager exists, and focus would not be decided the way a till's desktop decides it."""
    import time

    wm = subprocess.Popen(
        ["openbox", "--sm-disable"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + wait
        while True:
            probe = subprocess.run(
                ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], capture_output=True, text=True
            )
            if "window id" in probe.stdout:
                break
            if wm.poll() is not None or time.monotonic() > deadline:
                say(f"openbox did not start on {os.environ.get('DISPLAY')}")
                return 1
            time.sleep(0.1)
        code = subprocess.call(cmd, cwd=ROOT)
        if os.environ.get(WM_RESULT):
            Path(os.environ[WM_RESULT]).write_text(str(code))
        return code
    finally:
        wm.terminate()
        wm.wait()


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "_wm":  # internal: test_under_x, inside xvfb-run
        return under_window_manager(sys.argv[2:])
    if len(sys.argv) < 2 or sys.argv[1] not in ("start", "test"):
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return start(rest) if command == "start" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
