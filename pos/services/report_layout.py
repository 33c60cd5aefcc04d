"""An X or Z report as receipt-printer lines and as CSV (formula-safe).

The printer layout is plain text lines of the printer's width (42 columns on 80 mm paper,
32 on 58 mm); the screen and the PDF show the same lines, so what a manager reads is what
the printer gives. ``say`` translates a label (the UI passes the screens' translator,
``pos.ui.i18n.text``; English without one): every label is marked with ``text`` so it is
extracted for translation. Tenders, counts and refunds waiting are named by their method's
label as its plug-in describes it (``PeriodReport.label``: "M-Pesa", "Card"; the code of a
method no longer installed), also said through ``say``. Amounts and names stay as they
are, and so does the CSV (for spreadsheets: its section and item names are fixed English
keys; its tender items are the methods' labels, untranslated).
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from decimal import Decimal

from pos.domain import csv_safe
from pos.domain.messages import text
from pos.domain.money import Money, exponent
from pos.services.period import PeriodReport

Say = Callable[[str], str]


def _same(label: str) -> str:
    return label


#: the lines under an X's refunds-waiting list (also the CSV's note row)
WAITING_NOTE = text(
    "Not counted in this report yet: resolve each in the refund dialog (Check again, or "
    "settle by hand) before the Z."
)


def _amount(minor: int, currency: str) -> str:
    """``1,250.00`` with the currency's own decimals (``1,250`` for UGX), no code."""
    return Money(int(minor), currency).amount_text()


def _major(minor: int, currency: str) -> Decimal:
    """An amount as the CSV's number in major units, exact (the currency's decimals)."""
    return Decimal(int(minor)).scaleb(-exponent(currency))


def local_moment(iso: str, zone: tzinfo | None) -> str:
    """A stored UTC moment as the shop reads it: its own time zone, to the minute."""
    if zone is None:
        return iso[:16].replace("T", " ")
    moment = datetime.fromisoformat(iso)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def report_lines(
    r: PeriodReport, width: int = 42, say: Say = _same, zone: tzinfo | None = None
) -> list[str]:
    """The report as it prints."""

    def row(label: str, value: str) -> str:
        room = max(width - len(value) - 1, 1)
        return f"{label[:room]:<{room}} {value}"

    def money(label: str, minor: int) -> str:
        return row(label, _amount(minor, r.currency))

    def own(minor: int, currency: str) -> str:
        """An amount, with its code when it is not in the report's currency."""
        value = _amount(minor, currency)
        return value if currency == r.currency else f"{currency} {value}"

    def name(method: str) -> str:
        """A tender as a person names it, in the report's language."""
        return say(r.label(method))

    rule = "-" * width
    title = say(text("Z REPORT")) + f" {r.z_number}" if r.kind == "Z" else say(text("X REPORT"))
    out = [r.store_name[:width].center(width), title.center(width)]
    if r.training:
        out.append(say(text("TRAINING - NOT A REAL REPORT")).center(width))
    out += [
        row(say(text("Terminal")), r.terminal_id),
        row(say(text("Business day")), r.business_date),
        row(say(text("Shifts")), ", ".join(str(n) for n in r.shift_numbers)),
        row(say(text("From")), local_moment(r.period_start, zone)),
        row(say(text("To")), local_moment(r.period_end, zone)),
        row(say(text("Printed by")), r.made_by),
    ]
    if r.waiting_refunds:  # before the figures: they leave these refunds out
        out += [rule, say(text("REFUNDS WAITING")) + f" ({r.waiting_count})"]
        for w in r.waiting_refunds:
            at = local_moment(w.at, zone)[11:]
            out.append(row(f"  {name(w.method)} {w.state} {at}", own(w.amount, w.currency)))
        for currency, value in r.waiting_value():
            out.append(row("  " + say(text("Total waiting")), own(value, currency)))
        out += textwrap.wrap(say(WAITING_NOTE), width)
    out += [
        rule,
        money(say(text("Gross sales")), r.gross_sales),
        money(say(text("Discounts")), -r.discounts),
        money(say(text("Refunds")) + f" ({r.refunds_count})", -r.refunds_value),
        money(say(text("Net sales")), r.net_sales),
        money(say(text("Voids")) + f" ({r.voids_count})", r.voids_value),
        row(say(text("Number of sales")), str(r.sales_count)),
        money(say(text("Average basket")), r.average_basket),
        rule,
        say(text("VAT by class")),
    ]
    for v in r.vat:
        out.append(money(f"  {v.code} {v.rate_bp / 100:g}% " + say(text("gross")), v.gross))
        out.append(money(f"  {v.code} " + say(text("VAT")), v.vat))
    out += [rule, say(text("Tenders"))]
    for t in r.tenders:
        label = f"  {name(t.method)} ({t.count})"
        out.append(money(label, t.amount))
        if t.foreign_currency:
            out.append(row("", own(t.foreign_amount, t.foreign_currency)))
        if t.refunded:
            out.append(money("    " + say(text("refunded")), -t.refunded))
    out += [
        rule,
        say(text("Cash drawer")),
        money("  " + say(text("Opening float")), r.opening_float),
        money("  " + say(text("Cash sales")), r.cash_sales),
        money("  " + say(text("Cash refunds")), -r.cash_refunds),
        money("  " + say(text("Cash in")), r.paid_in),
        money("  " + say(text("Cash out")), -r.paid_out),
        money("  " + say(text("Expected cash")), r.expected_cash),
    ]
    for c in r.counted:
        out.append(money(f"  {name(c.method)} " + say(text("counted")), c.counted))
        out.append(money(f"  {name(c.method)} " + say(text("difference")), c.difference))
    out.append(row("  " + say(text("No-sale openings")), str(r.no_sale_count)))
    moves = [m for m in r.movements if m.direction != "none"]
    if moves:
        out += [rule, say(text("Cash movements"))]
        for m in moves:
            sign = 1 if m.direction == "in" else -1
            out.append(money(f"  {m.at[11:16]} {m.kind} {m.reason}", sign * m.amount))
    out += [rule, say(text("By cashier"))]
    for who in r.by_cashier:
        out.append(money(f"  {who.name} ({who.sales_count})", who.net_sales))
    out.append(rule)
    return out


def report_csv(r: PeriodReport) -> str:
    """The report as CSV rows (section, item, count, amount, currency); every text cell
    is neutralised against formula injection, amounts are numbers in major units with
    their currency's decimals. An X's refunds still waiting come last, each with its own
    currency, a total per currency and the note that they are not counted yet."""
    buf = io.StringIO()
    w = csv_safe.writer(buf)

    def amt(minor: int) -> Decimal:
        return _major(minor, r.currency)

    w.writerow(["section", "item", "count", "amount", "currency"])
    cur = r.currency
    head = [
        ("report", r.kind, r.z_number, None),
        ("report", "terminal " + r.terminal_id, None, None),
        ("report", "business day " + r.business_date, None, None),
    ]
    for section, item, count, amount in head:
        w.writerow([section, item, count, amount, ""])
    rows: list[tuple[str, str, int | None, int]] = [
        ("sales", "gross sales", r.sales_count, r.gross_sales),
        ("sales", "discounts", None, r.discounts),
        ("sales", "refunds", r.refunds_count, r.refunds_value),
        ("sales", "net sales", None, r.net_sales),
        ("sales", "voids", r.voids_count, r.voids_value),
        ("sales", "average basket", None, r.average_basket),
    ]
    rows += [("vat", f"{v.code} gross", None, v.gross) for v in r.vat]
    rows += [("vat", f"{v.code} vat", None, v.vat) for v in r.vat]
    rows += [("tender", r.label(t.method), t.count, t.amount) for t in r.tenders]
    rows += [
        ("tender refunded", r.label(t.method), None, t.refunded) for t in r.tenders if t.refunded
    ]
    rows += [
        ("cash", "opening float", None, r.opening_float),
        ("cash", "cash sales", None, r.cash_sales),
        ("cash", "cash refunds", None, r.cash_refunds),
        ("cash", "cash in", None, r.paid_in),
        ("cash", "cash out", None, r.paid_out),
        ("cash", "expected cash", None, r.expected_cash),
        ("cash", "no-sale openings", r.no_sale_count, 0),
    ]
    rows += [("counted", r.label(c.method), None, c.counted) for c in r.counted]
    rows += [(f"movement {m.kind}", m.reason, None, m.amount) for m in r.movements]
    rows += [("cashier", k.name, k.sales_count, k.net_sales) for k in r.by_cashier]
    for section, item, count, amount in rows:
        w.writerow([section, item, count, amt(amount), cur])
    for t in r.tenders:
        if t.foreign_currency:
            w.writerow(
                [
                    "tender foreign",
                    r.label(t.method),
                    t.count,
                    _major(t.foreign_amount, t.foreign_currency),
                    t.foreign_currency,
                ]
            )
    if r.waiting_refunds:  # the X's refunds still waiting: in none of the rows above
        for wr in r.waiting_refunds:
            item = f"{r.label(wr.method)} {wr.state} {wr.at}"
            w.writerow(["refunds waiting", item, 1, _major(wr.amount, wr.currency), wr.currency])
        for currency, value in r.waiting_value():
            n = sum(1 for wr in r.waiting_refunds if wr.currency == currency)
            w.writerow(["refunds waiting", "total", n, _major(value, currency), currency])
        w.writerow(["refunds waiting", WAITING_NOTE, r.waiting_count, None, ""])
    return buf.getvalue()
