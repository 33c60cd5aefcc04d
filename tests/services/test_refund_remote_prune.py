"""Kept copies of other tills' sales (found at head office for a refund here) are pruned on
a real SQLite file: a copy found longer ago than ``[policy] kept_sale_days`` goes once every
refund of it made here is acknowledged by head office; a young copy stays; a copy whose
refund is still in the outbox (waiting or parked) or whose refund attempt is still open
stays. The prune runs with the refund housekeeping after each login
(``RefundService.resolve_pending``, the call the main window makes on the till worker)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from pos.domain.money import Money
from pos.services import refund_attempts as attempts_store
from pos.services.auth import Role, UserSummary
from pos.services.refund_remote import KEPT_PREFIX
from pos.services.refunds import RefundRequest
from pos.services.terminal import Terminal
from pos.store import sync_state
from tests.conftest import FakeClock
from tests.services.test_refund_remote import MPESA_ID, NUMBER, SALE_ID, HeadOffice, _sale, new_id
from tests.services.test_refunds_card import rows

KEPT = f"{KEPT_PREFIX}{SALE_ID}"


@pytest.fixture
def manager(cashier: Terminal, users: dict[Role, UserSummary], pins: dict[Role, str]) -> Terminal:
    cashier.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    return cashier


def kept_names(t: Terminal) -> list[str]:
    return [n for (n,) in rows(t, "SELECT name FROM sync_state WHERE name LIKE 'refund_sale.%'")]


def found_and_refunded(t: Terminal) -> str:
    """Find the sale of till T2 at head office (kept here) and refund one milk of it by
    hand (its M-Pesa reversal); the refund's outbox event id."""
    hq = HeadOffice()
    t.refunds.use_lookup(hq)
    hq.answers.append([_sale()])
    t.refunds.find_at_head_office(NUMBER)
    assert kept_names(t) == [KEPT]
    done = t.refunds.refund(
        RefundRequest(SALE_ID, {1: 1}, "damaged", references={MPESA_ID: "SGR7REV001"})
    )
    [(event_id,)] = rows(
        t,
        "SELECT id FROM outbox WHERE kind = 'refund.completed' "
        f"AND aggregate_id = '{done.refund_id}'",
    )
    return str(event_id)


def acknowledged(t: Terminal, event_id: str, clock: FakeClock) -> None:
    with t.db.session() as s:
        assert sync_state.mark_sent(s, [event_id], clock.now()) == 1


def test_an_old_copy_whose_refunds_are_all_synced_goes_at_the_refund_housekeeping(
    manager: Terminal, clock: FakeClock
) -> None:
    acknowledged(manager, found_and_refunded(manager), clock)
    clock.advance(timedelta(days=90, minutes=1).total_seconds())
    assert manager.refunds.resolve_pending() == []
    assert kept_names(manager) == []
    # the sale is then as if never found here: asking head office again keeps it again
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([_sale()])
    manager.refunds.find_at_head_office(NUMBER)
    assert kept_names(manager) == [KEPT]


def test_a_young_copy_stays(manager: Terminal, clock: FakeClock) -> None:
    acknowledged(manager, found_and_refunded(manager), clock)
    clock.advance(timedelta(days=89, hours=23).total_seconds())
    manager.refunds.resolve_pending()
    assert kept_names(manager) == [KEPT]


def test_a_copy_whose_refund_waits_in_the_outbox_or_is_parked_stays_until_acknowledged(
    manager: Terminal, clock: FakeClock
) -> None:
    event_id = found_and_refunded(manager)
    clock.advance(timedelta(days=200).total_seconds())
    manager.refunds.resolve_pending()
    assert kept_names(manager) == [KEPT]  # not sent yet
    with manager.db.session() as s:
        assert sync_state.park(s, [(event_id, "head office refused it")], clock.now()) == 1
    manager.refunds.resolve_pending()
    assert kept_names(manager) == [KEPT]  # parked: head office does not count it
    acknowledged(manager, event_id, clock)
    manager.refunds.resolve_pending()
    assert kept_names(manager) == []


def test_a_copy_with_an_open_refund_attempt_stays(manager: Terminal, clock: FakeClock) -> None:
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([_sale()])
    manager.refunds.find_at_head_office(NUMBER)
    refund_id = new_id()
    with manager.db.session() as s:  # stored before its method is asked, as the refund does
        attempts_store.add(
            s,
            attempt=attempts_store.attempt_id(refund_id, 0),
            refund_id=refund_id,
            sale_id=SALE_ID,
            payment_id=MPESA_ID,
            terminal_id="T1",
            method="card_zvt",
            amount=Money(6500, "KES"),
            request="{}",
            created_by="manager",
            now=clock.now(),
        )
    clock.advance(timedelta(days=120).total_seconds())
    assert manager.refunds.prune_kept() == []
    assert kept_names(manager) == [KEPT]


def test_the_window_is_the_policy_and_an_unreadable_copy_goes(
    manager: Terminal, clock: FakeClock
) -> None:
    hq = HeadOffice()
    manager.refunds.use_lookup(hq)
    hq.answers.append([_sale()])
    manager.refunds.find_at_head_office(NUMBER)
    with manager.db.session() as s:
        sync_state.set_value(s, f"{KEPT_PREFIX}{new_id()}", "not json")
    assert len(kept_names(manager)) == 2
    assert manager.refunds.prune_kept() != []  # the unreadable one serves nothing
    assert kept_names(manager) == [KEPT]
    stored: dict[str, Any] = json.loads(
        rows(manager, f"SELECT value FROM sync_state WHERE name = '{KEPT}'")[0][0]
    )
    assert stored["sale"]["sale_id"] == SALE_ID
    assert manager.ctx.policy.kept_sale_days == 90  # the default
    clock.advance(timedelta(days=90, seconds=1).total_seconds())
    assert manager.refunds.prune_kept() == [SALE_ID]  # never refunded here: nothing needs it


def test_kept_sale_days_is_read_from_the_config_and_checked(tmp_path: Path) -> None:
    from pos.config import ConfigError, load_config

    path = tmp_path / "kaunta.toml"
    path.write_text("[policy]\nkept_sale_days = 30\n", encoding="utf-8")
    config = load_config(config_path=path, data_dir=tmp_path / "data", training=True, env={})
    assert config.policy.kept_sale_days == 30
    path.write_text("[policy]\nkept_sale_days = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="kept_sale_days"):
        load_config(config_path=path, data_dir=tmp_path / "data", training=True, env={})
