"""The ``kaunta`` command as a user runs it: real processes, real files, exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from pos.store.instance_lock import InstanceLock
from tests.cli_run import kaunta


def test_help_lists_the_commands(tmp_path: Path) -> None:
    result = kaunta("--help", home=tmp_path)
    assert result.returncode == 0
    for word in ("run", "import-catalog", "bench", "--data-dir", "--config", "training"):
        assert word in result.stdout


def test_print_paths_uses_the_flags(tmp_path: Path) -> None:
    result = kaunta("--data-dir", str(tmp_path / "d"), "--print-paths", home=tmp_path)
    assert result.returncode == 0
    assert f"database: {tmp_path / 'd' / 'training' / 'kaunta.sqlite'}" in result.stdout
    assert "mode:     training" in result.stdout


def test_live_mode_without_a_config_is_refused(tmp_path: Path) -> None:
    result = kaunta("--live", "--print-paths", home=tmp_path)
    assert result.returncode == 2
    assert "live mode needs a config file" in result.stderr


def test_a_bad_config_value_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "kaunta.toml"
    config.write_text('[policy]\nmax_failed_pins = "five"\n', encoding="utf-8")
    result = kaunta("--config", str(config), "--print-paths", home=tmp_path)
    assert result.returncode == 2
    assert "policy.max_failed_pins must be int" in result.stderr


def test_smoke_run_reaches_the_sale_screen(tmp_path: Path) -> None:
    result = kaunta("--data-dir", str(tmp_path / "d"), "run", "--smoke", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("KAUNTA-READY startup_s=")


def test_import_exit_codes_and_line_numbers(tmp_path: Path) -> None:
    data = tmp_path / "d"
    good = tmp_path / "good.csv"
    good.write_text(
        "sku,barcode,name,price,vat_class\nNEW-1,,Test Juice 1L,150.00,S\n", encoding="utf-8"
    )
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "sku,name,price,vat_class\nNEW-2,Tea,45,S\nNEW-3,Soap,-5,S\nNEW-4,Salt,12,Q\n",
        encoding="utf-8",
    )
    ok = kaunta("--data-dir", str(data), "import-catalog", str(good), home=tmp_path)
    assert ok.returncode == 0, ok.stderr
    assert "Imported 1 products from 1 rows." in ok.stdout

    refused = kaunta("--data-dir", str(data), "import-catalog", str(bad), home=tmp_path)
    assert refused.returncode == 1
    assert "bad.csv: line 3: price -5 must be more than zero" in refused.stderr
    assert "bad.csv: line 4: VAT class 'Q' is not one of S, Z, E" in refused.stderr
    assert "Nothing imported: 2 of 3 rows have errors." in refused.stderr

    missing = kaunta(
        "--data-dir", str(data), "import-catalog", str(tmp_path / "nope.csv"), home=tmp_path
    )
    assert missing.returncode == 2
    assert "Cannot read" in missing.stderr


def test_a_second_instance_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "d"
    lock = InstanceLock(data / "training")
    lock.acquire()
    try:
        result = kaunta("--data-dir", str(data), "run", "--smoke", home=tmp_path)
    finally:
        lock.release()
    assert result.returncode == 2
    assert "already running on the data folder" in result.stderr
    assert "--data-dir" in result.stderr


@pytest.mark.parametrize(
    "content", [b"this is not a database" * 100, b"SQLite format 3\x00" + b"\xff" * 8000]
)
def test_a_damaged_database_is_reported_and_left_untouched(tmp_path: Path, content: bytes) -> None:
    db = tmp_path / "d" / "training" / "kaunta.sqlite"
    db.parent.mkdir(parents=True)
    db.write_bytes(content)
    result = kaunta("--data-dir", str(tmp_path / "d"), "run", "--smoke", home=tmp_path)
    assert result.returncode == 2
    assert "is damaged or is not a Kaunta database" in result.stderr
    assert "Kaunta has not changed it" in result.stderr
    assert db.read_bytes() == content
