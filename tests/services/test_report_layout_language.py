"""Every label of the X/Z printer layout goes through ``say`` (the screens' translator in
the UI) and is a marked text that ``tools/i18n_update.py`` extracts for translation, so a
Kiswahili till shows no English label once the texts are translated; the values (amounts,
names, dates) are left as they are. Tenders are said by their payment plug-in's own label
(its words, not this module's)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from pos.domain.money import Money
from pos.services import refund_attempts as attempts
from pos.services.auth import Role, UserSummary
from pos.services.refund_attempts import RefundAttemptState as S
from pos.services.report_layout import report_lines
from pos.services.terminal import Terminal

ROOT = Path(__file__).resolve().parents[2]
MILK = "6168232712628"


def _i18n_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_update", ROOT / "tools/i18n_update.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["i18n_update"] = module
    spec.loader.exec_module(module)
    return module


def _a_full_x(term: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> None:
    """A sale, a cash out, a no-sale opening and a refund waiting: every section shows."""
    term.checkout.scan(MILK, 2)
    assert term.checkout.pay_cash(term.checkout.view().cash_due).receipt is not None
    term.shifts.cash_out(Money(1000, "KES"), "paid_out", "bus fare")
    term.shifts.no_sale("change for a customer")
    now = term.clock.now()
    with term.db.session() as s:
        attempts.add(
            s,
            attempt="A-lang",
            refund_id="R-lang",
            sale_id="S-any",
            payment_id="P-any",
            terminal_id=term.ctx.terminal_id,
            method="card_zvt",
            amount=Money(5000, "KES"),
            request="{}",
            created_by="tester",
            now=now,
        )
        attempts.move(s, "A-lang", S.PENDING, now)
    term.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])


def test_every_label_is_said_and_extracted_for_translation(
    cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]
) -> None:
    _a_full_x(cashier, users, pins)
    x = cashier.zreports.x_report()
    said: set[str] = set()

    def say(english: str) -> str:
        said.add(english)
        return "~" * len(english)  # no letter of the English is left where it was said

    lines = report_lines(x, 42, say)
    tool = _i18n_tool()
    extracted = {
        f.entry.source
        for f in tool.scan(ROOT)
        if f.where.startswith("pos/services/report_layout.py") and f.entry.context == "messages"
    }
    # the tenders' labels are the payment plug-ins' own words ("Cash", "Card"), said too
    labels = {label for _, label in x.labels}
    assert labels <= said
    assert said - labels <= extracted, sorted(said - labels - extracted)
    assert len(said) >= 30  # every section was printed
    # what is left in English letters is values only: the store, names
    values = {x.store_name, x.made_by, *(c.name for c in x.by_cashier)}
    values |= {t.method for t in x.tenders} | {"card_zvt", "pending", "paid_out", "bus", "fare"}
    for line in lines:
        rest = line
        for value in sorted(values, key=len, reverse=True):
            rest = rest.replace(value, "")
        words = re.findall(r"[A-Za-z]{2,}", rest)
        assert words == [] or set(words) <= {"T1", "KES"}, (line, words)
