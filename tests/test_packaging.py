"""Packaging: ``resources/`` ships in a real wheel and an installed copy finds it, and the
project's setup builds the translations Qt loads (``dev.py``'s ``.ts`` to ``.qm`` hook).

The wheel is built from a copy of the source tree (so the shared checkout gets no
``build/`` folder) and installed with ``--no-deps`` into a throwaway virtual environment;
the lookup is then imported from that environment, in a fresh interpreter, away from the
checkout, so nothing can be found through the editable install by accident.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
import venv
import zipfile
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]
LRELEASE = Path(sys.executable).parent / (
    "pyside6-lrelease.exe" if os.name == "nt" else "pyside6-lrelease"
)
SWAHILI_TS = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="sw_KE">
<context>
    <name>SaleScreen</name>
    <message>
        <source>Pay cash</source>
        <translation>Lipa pesa taslimu</translation>
    </message>
</context>
</TS>
"""


def load_dev() -> ModuleType:
    """``dev.py`` as a module (it is a script at the top of the repository)."""
    spec = importlib.util.spec_from_file_location("kaunta_dev_script", ROOT / "dev.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def translate(qm: Path, context: str, text: str) -> str:
    from PySide6.QtCore import QTranslator

    translator = QTranslator()
    assert translator.load(str(qm)), f"Qt cannot load {qm}"
    return translator.translate(context, text)


# -- the .ts -> .qm hook in dev.py ------------------------------------------------------------
def test_build_translations_compiles_each_ts_into_a_qm_qt_loads(tmp_path: Path) -> None:
    dev = load_dev()
    (tmp_path / "kaunta_sw.ts").write_text(SWAHILI_TS, encoding="utf-8")
    written = dev.build_translations(tmp_path, LRELEASE)
    assert written == [tmp_path / "kaunta_sw.qm"]
    assert translate(tmp_path / "kaunta_sw.qm", "SaleScreen", "Pay cash") == "Lipa pesa taslimu"


def test_build_translations_rebuilds_only_what_changed(tmp_path: Path) -> None:
    dev = load_dev()
    source = tmp_path / "kaunta_sw.ts"
    source.write_text(SWAHILI_TS, encoding="utf-8")
    dev.build_translations(tmp_path, LRELEASE)
    assert dev.build_translations(tmp_path, LRELEASE) == []  # up to date: untouched
    source.write_text(SWAHILI_TS.replace("Lipa pesa taslimu", "Lipa kwa pesa"), "utf-8")
    qm = tmp_path / "kaunta_sw.qm"
    os.utime(source, (qm.stat().st_mtime + 5, qm.stat().st_mtime + 5))
    assert dev.build_translations(tmp_path, LRELEASE) == [qm]
    assert translate(qm, "SaleScreen", "Pay cash") == "Lipa kwa pesa"


def test_build_translations_without_ts_files_needs_no_tool(tmp_path: Path) -> None:
    dev = load_dev()
    (tmp_path / "README.md").write_text("no sources yet", encoding="utf-8")
    assert dev.build_translations(tmp_path, tmp_path / "no-such-lrelease") == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


def test_setup_builds_the_translations_in_resources(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dev = load_dev()
    assert dev.TRANSLATIONS == ROOT / "resources" / "translations"
    # an environment that is already set up: setup installs nothing, then builds
    python = tmp_path / "python"
    python.touch()
    (tmp_path / ".installed-app").touch()
    monkeypatch.setattr(dev, "VENV", tmp_path)
    monkeypatch.setattr(dev, "PY", python)
    monkeypatch.setattr(dev, "run", lambda cmd, **kw: pytest.fail(f"ran {cmd}"))
    calls: list[tuple[object, ...]] = []
    monkeypatch.setattr(dev, "build_translations", lambda *a: calls.append(a) or [])
    monkeypatch.setattr(dev, "build_headoffice_catalogue", lambda: calls.append(("hq",)))
    dev.setup("")
    assert calls == [(), ("hq",)]  # resources/translations, then head office's catalogue


# -- a real wheel, installed ------------------------------------------------------------------
def copy_source(dest: Path) -> Path:
    """What a wheel is built from: the packages, resources and build files."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.qm", "*.egg-info", "*.so")
    for folder in ("pos", "sync", "resources"):
        shutil.copytree(ROOT / folder, dest / folder, ignore=ignore)
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(ROOT / name, dest / name)
    return dest


INSTALLED_CHECK = textwrap.dedent(
    """
    import json, sys
    from PySide6.QtCore import QTranslator
    from PySide6.QtGui import QGuiApplication
    import pos
    from pos.ui import resources

    app = QGuiApplication(sys.argv[:1])
    tinted = resources.icon("pay-cash", "#000000").pixmap(24, 24)
    window = resources.app_icon().pixmap(48, 48)
    qm = resources.translations_dir() / "kaunta_sw.qm"
    translator = QTranslator()
    print(json.dumps({
        "pos": pos.__file__,
        "root": str(resources.root()),
        "qss": resources.stylesheet(),
        "tinted": not tinted.isNull() and not tinted.toImage().isNull(),
        "app_icon": not window.isNull(),
        "translated": translator.load(str(qm))
        and translator.translate("SaleScreen", "Pay cash"),
    }))
    """
)


def test_a_built_wheel_ships_resources_and_an_installed_copy_finds_them(tmp_path: Path) -> None:
    source = copy_source(tmp_path / "src")
    # the setup step first, as a release build would: .ts -> .qm, then the wheel
    (source / "resources" / "translations" / "kaunta_sw.ts").write_text(SWAHILI_TS, "utf-8")
    load_dev().build_translations(source / "resources" / "translations", LRELEASE)
    wheels = tmp_path / "wheels"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(source), "--no-deps", "-w", str(wheels)], check=True)
    (wheel,) = wheels.glob("kaunta-*.whl")

    names = set(zipfile.ZipFile(wheel).namelist())
    icons = sorted((ROOT / "resources" / "icons").glob("*.svg"))
    assert icons
    expected = {f"kaunta_resources/icons/{p.name}" for p in icons} | {
        "kaunta_resources/__init__.py",
        "kaunta_resources/style/kaunta.qss",
        "kaunta_resources/translations/kaunta_sw.qm",
    }
    assert expected <= names, sorted(expected - names)
    # head office's pages and schema, read from the installed package at run time
    server = ROOT / "sync" / "server"
    shipped = {
        p.relative_to(ROOT).as_posix()
        for p in [
            server / "openapi.yaml",
            *server.glob("*/templates/*/*.html"),
            *server.glob("*/locale/*/LC_MESSAGES/django.po"),
        ]
    }
    assert len(shipped) > 10
    assert shipped <= names, sorted(shipped - names)
    assert not any(n.startswith("resources/") for n in names), "shipped as a top-level package"
    assert not any(n.endswith(".ts") for n in names), "sources are not shipped"
    # head office's native ingest kernel, compiled by the wheel's own build (setup.py)
    for module in ("sync/protocol/_quickc", "sync/server/ledger/_rowsc"):
        assert any(n.startswith(f"{module}.") and n.endswith(".so") for n in names), module

    # a throwaway environment with the wheel installed; the till's dependencies come from
    # this interpreter's site-packages as a plain path (its .pth files, among them the
    # editable install's finder, are not run)
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    (site / "kaunta_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    run_dir = tmp_path / "elsewhere"
    run_dir.mkdir()
    done = subprocess.run(
        [str(python), "-I", "-c", INSTALLED_CHECK],
        cwd=run_dir,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(found["pos"]).is_relative_to(site), found["pos"]
    assert Path(found["root"]) == site / "kaunta_resources"
    assert found["qss"] == (ROOT / "resources" / "style" / "kaunta.qss").read_text("utf-8")
    assert found["tinted"]
    assert found["app_icon"]
    assert found["translated"] == "Lipa pesa taslimu"
