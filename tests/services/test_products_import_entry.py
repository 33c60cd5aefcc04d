"""The products screen's import entry point (``ProductService.import_csv``): the
catalog's checked import for a logged-in manager on a till that owns its products; a
cashier and an enrolled till are refused before the file is read, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pos.services.auth import Role, UserSummary
from pos.services.errors import PermissionDenied, ServiceError
from pos.services.terminal import Terminal
from pos.store import repositories as repo

CSV = (
    "sku,barcode,name,category,price,vat_class\n"
    "ENT-0001,,Mandazi (6),Bakery,60.00,S\n"  # line 2: good
    "ENT-0002,,Broken,Bakery,abc,S\n"  # line 3: bad price
)


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "entry.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def _written(terminal: Terminal) -> bool:
    with terminal.db.session() as s:
        return repo.product_by_sku(s, "ENT-0001") is not None


def _audits(terminal: Terminal) -> list[str]:
    with terminal.db.session() as s:
        return [
            e.result
            for e in repo.recent_audit(s)
            if e.action == "catalog_import" and json.loads(e.detail)["file"] == "entry.csv"
        ]


def test_a_manager_imports_all_or_nothing_then_the_good_rows(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], tmp_path: Path
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    report = terminal.products.import_csv(terminal.catalog, _file(tmp_path))
    assert not report.written
    assert [e.line for e in report.errors] == [3]
    assert not _written(terminal)
    report = terminal.products.import_csv(terminal.catalog, _file(tmp_path), skip_errors=True)
    assert report.written
    assert report.imported == 1
    assert _written(terminal)
    assert sorted(_audits(terminal)) == ["ok", "refused"]


def test_a_long_file_reports_its_progress(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], tmp_path: Path
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    rows = "".join(f"LONG-{n:05d},,Item {n},Test,10.00,S\n" for n in range(1, 12_001))
    path = tmp_path / "long.csv"
    path.write_text(CSV.splitlines(keepends=True)[0] + rows, encoding="utf-8")
    heard: list[tuple[str, int, int]] = []
    report = terminal.products.import_csv(
        terminal.catalog, path, progress=lambda *p: heard.append(p)
    )
    assert report.written
    assert report.imported == 12_000
    checks = [(done, total) for phase, done, total in heard if phase == "check"]
    assert checks == [(n, 12_000) for n in range(1999, 12_000, 2000)]
    writes = [(done, total) for phase, done, total in heard if phase == "write"]
    assert writes == [(0, 12_000), (5000, 12_000), (10_000, 12_000)]  # a chunk each


def test_a_cashier_is_refused(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], tmp_path: Path
) -> None:
    terminal.auth.login(users[Role.CASHIER].user_id, pins[Role.CASHIER])
    with pytest.raises(PermissionDenied):
        terminal.products.import_csv(terminal.catalog, _file(tmp_path), skip_errors=True)
    assert not _written(terminal)


def test_an_enrolled_till_is_refused(
    terminal: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str], tmp_path: Path
) -> None:
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    terminal.products.owned_by_head_office = lambda: True
    with pytest.raises(ServiceError, match="head office owns its products"):
        terminal.products.import_csv(terminal.catalog, _file(tmp_path), skip_errors=True)
    assert not _written(terminal)
    assert _audits(terminal) == []
