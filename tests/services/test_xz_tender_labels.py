"""Tenders on the X and the Z are named as people name them: the method's own receipt
label from its plug-in ("Cash", "Card"), not its code ("cash", "card_manual"), on the
printer layout (which the screen and the PDF show) and in the CSV. A method uninstalled
since shows its code. The labels are resolved each time a report is shown and never
written into the Z: the stored document, its hash and its sealed audit entry stay as they
were, and ``verify`` still finds every Z intact."""

from __future__ import annotations

import json
import sqlite3

from pos.payments.card.manual import APPROVAL, LAST4
from pos.payments.card.manual import create as create_card
from pos.payments.registry import MethodContext
from pos.services.auth import Role, UserSummary
from pos.services.period import PeriodReport
from pos.services.report_layout import report_csv, report_lines
from pos.services.terminal import Terminal
from pos.services.zreports import installed_labels
from sync.protocol.canonical import content_hash

MILK = "6168232712628"  # 65.00
UHT = "6168232799285"  # 75.00
CARD = "card_manual"


def _day(t: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    """A cash sale and a card sale (the bank's own terminal, approval keyed in)."""
    t.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    payments = t.enable_payments({CARD: create_card(MethodContext(True, "KES"))})
    t.checkout.scan(MILK)
    t.checkout.pay_cash(t.checkout.view().cash_due)
    t.checkout.scan(UHT)
    payments.start(CARD, t.checkout.view().cash_due, keyed={APPROVAL: "A1B2C3", LAST4: "0010"})
    assert t.checkout.open_sale_id is None  # the card paid it: completed


def _tender_lines(lines: list[str]) -> list[str]:
    start = lines.index("Tenders") + 1
    end = next(i for i in range(start, len(lines)) if lines[i].startswith("---"))
    return [ln.strip() for ln in lines[start:end]]


def test_the_installed_methods_are_named_by_their_own_receipt_labels() -> None:
    labels = installed_labels()
    assert labels["cash"] == "Cash"
    assert labels[CARD] == "Card"  # its receipt label, not "Card (PDQ)"
    assert labels["card_zvt"] == "Card"
    assert "M-Pesa" in labels.values()
    assert "PayPal" in labels.values()


def test_x_and_z_name_tenders_by_label_on_the_layout_and_in_the_csv(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    t = cashier
    _day(t, users, pins)
    x = t.zreports.x_report()
    assert {tr.method for tr in x.tenders} == {"cash", CARD}  # figures keep the codes
    lines = report_lines(x)
    tenders = _tender_lines(lines)
    assert tenders[0].startswith("Cash (1)")
    assert tenders[0].endswith(" 65.00")
    assert any(ln.startswith("Card (1)") and ln.endswith(" 75.00") for ln in tenders)
    assert not any(CARD in ln or ln.startswith("cash") for ln in lines)
    out = report_csv(x)
    assert "tender,Card,1,75.00,KES" in out
    assert f"tender,{CARD}" not in out

    t.shifts.close({}, note="drawer counted empty")
    z = t.zreports.z_report()
    z_lines = report_lines(z)
    assert any(ln.strip().startswith("Card (1)") for ln in z_lines)
    # the close counted card and cash: the count rows are named by label too
    assert any(ln.strip().startswith("Card counted") for ln in z_lines)
    assert any(ln.strip().startswith("Cash difference") for ln in z_lines)
    assert "counted,Card," in report_csv(z)


def test_a_method_no_longer_installed_shows_its_code(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    t = cashier
    _day(t, users, pins)
    t.shifts.close({}, note="drawer counted empty")
    z = t.zreports.z_report()
    t.zreports.labels = lambda: {"cash": "Cash"}  # the card plug-in was uninstalled
    again = t.zreports.reprint(t.zreports.z_list()[0].z_id)
    lines = report_lines(again)
    assert any(ln.strip().startswith(f"{CARD} (1)") for ln in _tender_lines(lines))
    assert any(ln.strip().startswith("Cash (") for ln in _tender_lines(lines))
    assert f"tender,{CARD},1,75.00,KES" in report_csv(again)
    assert again == z  # the same figures, whatever the names


def test_a_stored_z_reads_back_unchanged_and_still_verifies(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    t = cashier
    _day(t, users, pins)
    t.shifts.close({}, note="drawer counted empty")
    z = t.zreports.z_report()
    assert dict(z.labels)[CARD] == "Card"
    conn = sqlite3.connect(t.db.path)
    try:
        [(stored, sealed_hash)] = conn.execute(
            "SELECT document, content_hash FROM z_reports ORDER BY number DESC LIMIT 1"
        ).fetchall()
        [(detail,)] = conn.execute(
            "SELECT detail FROM audit_log WHERE action = 'z_report' ORDER BY rowid DESC LIMIT 1"
        ).fetchall()
    finally:
        conn.close()
    document = json.loads(stored)
    # no label was written into the Z: its report and its wire body hold method codes only
    assert "labels" not in document["report"]
    assert "Card" not in stored
    assert {tr["method"] for tr in document["report"]["tenders"]} == {"cash", CARD}
    assert {tr["method"] for tr in document["body"]["tenders"]} == {"cash", CARD}
    assert content_hash(document["body"]) == sealed_hash
    assert json.loads(detail)["report_hash"] == content_hash(document["report"])
    # shown with labels again and again: the document stays as the Z sealed it
    z_id = t.zreports.z_list()[0].z_id
    shown = t.zreports.reprint(z_id)
    assert json.loads(json.dumps(shown.to_json())) == document["report"]
    assert (
        content_hash(json.loads(json.dumps(shown.to_json()))) == json.loads(detail)["report_hash"]
    )
    assert PeriodReport.from_json(shown.to_json()) == z
    t.zreports.labels = dict  # nothing installed at all: codes
    assert t.zreports.reprint(z_id).labels == ()
    assert t.zreports.verify() == []
