"""The signature chain's findings are structured (a kind, the branch and invoice numbers):
``str()`` is the English ``kaunta verify`` prints, and each kind has a registered
message with that very English, which the till's screens render in the reader's
language. Every kind is made here from a real file the OSCU simulator signed, tampered
with by ``sqlite3`` as someone with the file would; ``kaunta verify`` (a process of its
own) still exits 1 naming every problem."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from pos.etims_link import tampered_alert
from pos.services.etims_tampering import ALERT, FINDINGS, finding
from sync.etims.chain_check import (
    ENGLISH,
    ChainFinding,
    Problem,
    file_findings,
    file_problems,
)
from sync.etims.client import OscuClient
from tests.etims.conftest import make_submitter
from tests.etims.docs import sale_body
from tests.test_cli_verify import LiveTill, _kaunta, live  # noqa: F401 (fixture)


def _signed(client: OscuClient, path: Path, sales: int) -> str:
    """A queue file with ``sales`` invoices the simulator signed; its branch key."""
    sub, queue = make_submitter(client, path)
    try:
        for n in range(sales):
            sub.enqueue_sale(sale_body([("SODA-500" if n % 2 else "MILK-500", 1)]))
        assert sub.drain().signed == sales
        return sub.branch
    finally:
        queue.close()


def _every_kind_of_tampering(path: Path) -> None:
    """Invoice 1 edited, invoice 2 given invoice 1's signature, invoice 3's made
    unreadable, invoice 4 deleted (5 no longer follows it), both rules dropped."""
    db = sqlite3.connect(path)
    try:
        db.execute("DROP TRIGGER etims_signed_no_update")
        db.execute("DROP TRIGGER etims_signed_no_delete")
        first = db.execute("SELECT signature FROM etims_signed WHERE invc_no = 1").fetchone()[0]
        db.execute(
            "UPDATE etims_signed SET signature = ? WHERE invc_no = 2",
            (first,),
        )
        edited = db.execute(
            "UPDATE etims_signed SET signature = replace(signature, "
            "'\"cur_rcpt_no\": 1', '\"cur_rcpt_no\": 99') WHERE invc_no = 1"
        ).rowcount
        assert edited == 1
        db.execute("UPDATE etims_signed SET signature = 'not a signature' WHERE invc_no = 3")
        db.execute("DELETE FROM etims_signed WHERE invc_no = 4")
        db.commit()
    finally:
        db.close()


def test_every_kind_of_tampering_is_a_finding_naming_its_branch_and_invoice(
    client: OscuClient, tmp_path: Path
) -> None:
    path = tmp_path / "etims.sqlite"
    branch = _signed(client, path, 5)
    assert file_findings(path) == []
    _every_kind_of_tampering(path)
    assert file_findings(path) == [
        ChainFinding(Problem.RULE_GONE, rule="etims_signed_no_update"),
        ChainFinding(Problem.RULE_GONE, rule="etims_signed_no_delete"),
        ChainFinding(Problem.HASH_DIFFERS, branch, 1),
        ChainFinding(Problem.OTHER_INVOICE, branch, 2, signed_as=1),
        ChainFinding(Problem.UNREADABLE, branch, 3),
        ChainFinding(Problem.OUT_OF_ORDER, branch, 5),
        ChainFinding(Problem.SIGNATURE_GONE, branch, 4),
    ]
    assert file_problems(path) == [
        "the rule etims_signed_no_update that keeps signed invoices unchanged is gone",
        "the rule etims_signed_no_delete that keeps signed invoices unchanged is gone",
        f"branch {branch}, invoice 1: its signature is not the one KRA gave (hash differs)",
        f"branch {branch}, invoice 2: its signature is of invoice 1",
        f"branch {branch}, invoice 3: its stored signature is not readable",
        f"branch {branch}, invoice 5: it does not follow the invoice signed before it (a "
        "signed invoice was removed, added or reordered)",
        f"branch {branch}, invoice 4: signed in the queue, but its signature is gone",
    ]
    # the screens' messages say the same in English, from the same values
    for found in file_findings(path):
        assert str(finding(found.problem.value, found.values())) == str(found)


def test_each_kind_has_a_registered_message_with_the_librarys_english() -> None:
    assert set(FINDINGS) == {p.value for p in Problem}
    for problem in Problem:
        template = FINDINGS[problem.value]
        assert template.english == ENGLISH[problem]
        sample = ChainFinding(problem, "P051234567X-00", 12345, "etims_x", 12344)
        assert template.fields() == set(sample.values())
        # an invoice number is written as it is, not as "12,345"
        assert "12,345" not in str(finding(problem.value, sample.values()))


def test_the_alert_names_the_file_the_first_finding_and_how_many() -> None:
    one = [ChainFinding(Problem.HASH_DIFFERS, "P051234567X-00", 2)]
    said = str(tampered_alert("etims.sqlite", one))
    assert said.startswith(
        "KRA eTIMS: the KRA signatures stored in etims.sqlite were changed outside Kaunta "
        "(branch P051234567X-00, invoice 2: its signature is not the one KRA gave (hash "
        "differs)). Sales go on"
    )
    assert "kaunta verify" in said
    assert "call support" in said
    two = [ChainFinding(Problem.RULE_GONE, rule="etims_signed_no_update"), *one]
    assert "(2 problems, the first: the rule etims_signed_no_update" in str(
        tampered_alert("etims.sqlite", two)
    )
    assert ALERT.count == "problems"


def test_kaunta_verify_exits_1_naming_every_problem_of_a_dropped_rule_and_an_edited_row(
    live: LiveTill,  # noqa: F811
    client: OscuClient,
) -> None:
    path = live.config.database_path.with_name("etims.sqlite")
    branch = _signed(client, path, 3)
    db = sqlite3.connect(path)
    db.execute("DROP TRIGGER etims_signed_no_update")
    db.execute(
        "UPDATE etims_signed SET signature = replace(signature, "
        "'\"cur_rcpt_no\": 2', '\"cur_rcpt_no\": 99') WHERE invc_no = 2"
    )
    db.commit()
    db.close()
    result = _kaunta(live.home, "verify")
    assert result.returncode == 1, (result.stdout, result.stderr)
    lines = result.stdout.splitlines()
    at = lines.index(f"TAMPERED: 2 problems in the KRA signatures of {path}.")
    assert lines[at + 1 : at + 3] == [
        "  etims.sqlite: the rule etims_signed_no_update that keeps signed invoices "
        "unchanged is gone",
        f"  etims.sqlite: branch {branch}, invoice 2: its signature is not the one KRA gave "
        "(hash differs)",
    ]
    assert "Traceback" not in result.stderr
