"""A statement is imported once: the same text again is refused with a message naming the
earlier import, and its open exceptions are not doubled (service, dashboard and command line),
on each backend."""

from __future__ import annotations

from argparse import Namespace
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pos.bench.reconcile import generate_month, write_ledger
from sync.server.accounts.models import HqRole, Profile
from sync.server.cli import cmd_reconcile
from sync.server.reconcile.models import ReconException, StatementImport
from sync.server.reconcile.service import AlreadyImported, import_statement

pytestmark = pytest.mark.usefixtures("hq_db")


def _open() -> int:
    return ReconException.objects.filter(resolved_at__isnull=True).count()


def test_the_same_statement_twice_is_refused_and_its_exceptions_stay_as_they_were() -> None:
    month = generate_month(200, planted_each=2, seed=41)
    write_ledger(month.ledger)
    before = _open()
    first = import_statement("mpesa", month.csv, file_name="march.csv")
    opened = _open() - before
    assert opened == first.statement.exceptions == 6  # 2 of each kind planted

    with pytest.raises(AlreadyImported) as refused:
        import_statement("mpesa", month.csv, file_name="march-again.csv")

    assert _open() - before == opened
    assert StatementImport.objects.filter(text_sha256=first.statement.text_sha256).count() == 1
    message = str(refused.value)
    assert "imported before" in message
    assert "march.csv" in message
    assert f"import {first.statement.pk}" in message
    assert "Nothing was imported" in message


def test_the_dashboard_refuses_a_statement_imported_before() -> None:
    month = generate_month(50, planted_each=1, seed=43)
    write_ledger(month.ledger)
    user = User.objects.create_user("recon-admin-once", password="x" * 16)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    browser = Client()
    browser.force_login(user)

    def upload() -> object:
        f = SimpleUploadedFile("april.csv", month.csv.encode())
        return browser.post("/dashboard/reconciliation/", {"gateway": "mpesa", "statement": f})

    assert upload().status_code == 302  # imported, back to the list
    opened = _open()
    again = upload()
    assert again.status_code == 400
    assert "This statement was imported before" in again.content.decode()
    assert _open() == opened


def test_a_different_statement_is_still_imported() -> None:
    one = generate_month(40, planted_each=1, seed=45)
    other = generate_month(40, planted_each=1, seed=46)
    done = []
    for month in (one, other):
        write_ledger(month.ledger)
        done.append(import_statement("mpesa", month.csv).statement)
    assert done[0].text_sha256 != done[1].text_sha256
    assert all(len(row.text_sha256) == 64 for row in done)


def test_the_command_line_says_why_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    month = generate_month(30, planted_each=1, seed=47)
    write_ledger(month.ledger)
    import_statement("mpesa", month.csv)
    path = tmp_path / "may.csv"
    path.write_text(month.csv, encoding="utf-8")
    opened = _open()
    assert cmd_reconcile(Namespace(gateway="mpesa", file=str(path), month_first=False)) == 2
    assert "Statement refused: This statement was imported before" in capsys.readouterr().err
    assert _open() == opened
