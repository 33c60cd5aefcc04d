"""Head office compares a batch's ``chain_check`` (the journal's MAC at the seq its last
answer named) with the head it accepted there: a journal rewritten below the newest head
reported, and carried on, is flagged ``rewritten``; heads alone never showed it."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from sync.protocol.batch import ChainHead, batch_document
from sync.server.terminals.models import ChainReport, Terminal
from tests.server.conftest import new_store
from tests.server.factory import T0, Till, enroll


def push(
    client: Client,
    till: Till,
    events: list[dict[str, Any]],
    head: ChainHead,
    check: ChainHead | None = None,
    *,
    version: str | None = None,
) -> Any:
    doc = batch_document(
        store_id=till.store_id,
        terminal_id=till.terminal_id,
        sent_at=T0,
        chain_head=head,
        events=events,
        chain_check=check,
    )
    if version is not None:  # an older till's batch: no chain_check field at all
        doc["version"] = version
        del doc["chain_check"]
    got = client.post(
        "/api/v1/events", json.dumps(doc), content_type="application/json", **till.auth
    )
    assert got.status_code == 200, got.content
    return got.json()


def terminal_of(till: Till) -> Terminal:
    return Terminal.objects.get(code=till.terminal_id, store__code=till.store_id)


def test_the_answer_names_the_newest_head_kept(client: Client) -> None:
    till = enroll(client, new_store())
    assert "chain" not in push(client, till, [], ChainHead(0, "0" * 64))  # no entry yet
    assert push(client, till, [till.sale()], ChainHead(5, "a" * 64))["chain"] == {"seq": 5}
    assert push(client, till, [], ChainHead(9, "b" * 64))["chain"] == {"seq": 9}
    # a head that went backwards is not accepted: the seq named stays the newest kept
    assert push(client, till, [], ChainHead(7, "c" * 64))["chain"] == {"seq": 9}


def test_a_check_with_the_mac_reported_leaves_the_chain_ok(client: Client) -> None:
    till = enroll(client, new_store())
    push(client, till, [till.sale()], ChainHead(5, "a" * 64))
    push(client, till, [till.sale()], ChainHead(9, "b" * 64), ChainHead(5, "a" * 64))
    push(client, till, [till.sale()], ChainHead(12, "e" * 64), ChainHead(9, "b" * 64))
    terminal = terminal_of(till)
    assert (terminal.chain_state, terminal.chain_seq) == ("ok", 12)
    assert not ChainReport.objects.filter(terminal=terminal).exclude(state="ok").exists()


def test_a_check_with_another_mac_flags_the_chain_rewritten_and_takes_the_events(
    client: Client,
) -> None:
    till = enroll(client, new_store())
    push(client, till, [till.sale()], ChainHead(5, "a" * 64))
    # the journal was edited at or below entry 5 and carried on to 8: a head never seen
    sale = till.sale()
    got = push(client, till, [sale], ChainHead(8, "f" * 64), ChainHead(5, "d" * 64))
    assert [r["status"] for r in got["results"]] == ["applied"]  # evidence either way
    terminal = terminal_of(till)
    assert terminal.chain_state == "rewritten"
    flagged = ChainReport.objects.get(terminal=terminal, state="rewritten")
    assert (flagged.seq, flagged.hash) == (5, "d" * 64)
    assert flagged.note == "the entry at seq 5 changed after it was reported"
    # the same check again (its answer lost on the way) is the same finding, kept once
    push(client, till, [sale], ChainHead(8, "f" * 64), ChainHead(5, "d" * 64))
    assert ChainReport.objects.filter(terminal=terminal, state="rewritten").count() == 1


def test_a_check_below_the_newest_head_is_compared_with_the_head_kept_there(
    client: Client,
) -> None:
    till = enroll(client, new_store())
    push(client, till, [], ChainHead(5, "a" * 64))
    push(client, till, [], ChainHead(9, "b" * 64))
    # an agent whose last answer was lost still names 5: compared there all the same
    push(client, till, [], ChainHead(11, "c" * 64), ChainHead(5, "9" * 64))
    assert terminal_of(till).chain_state == "rewritten"


def test_a_check_at_a_seq_head_office_never_accepted_is_ignored(client: Client) -> None:
    till = enroll(client, new_store())
    push(client, till, [], ChainHead(5, "a" * 64))
    push(client, till, [], ChainHead(9, "b" * 64), ChainHead(4, "d" * 64))  # never reported
    push(client, till, [], ChainHead(7, "c" * 64))  # backwards: reported, never accepted
    push(client, till, [], ChainHead(12, "e" * 64), ChainHead(7, "1" * 64))
    terminal = terminal_of(till)
    assert terminal.chain_state == "backwards"  # the head's finding; the checks added none
    assert not ChainReport.objects.filter(terminal=terminal, state="rewritten").exists()


def test_an_older_tills_batch_without_a_check_is_taken_as_before(client: Client) -> None:
    till = enroll(client, new_store())
    push(client, till, [till.sale()], ChainHead(5, "a" * 64), version="1.0")
    got = push(client, till, [till.sale()], ChainHead(9, "b" * 64), version="1.0")
    assert got["chain"] == {"seq": 9}  # named all the same; an old till ignores it
    assert [r["status"] for r in got["results"]] == ["applied"]
    assert terminal_of(till).chain_state == "ok"


def test_a_batch_of_only_rejected_events_is_still_checked_and_named(client: Client) -> None:
    till = enroll(client, new_store())
    push(client, till, [till.sale()], ChainHead(5, "a" * 64))
    bad = till.sale()
    bad["body"]["lines"][0]["quantity"] = 0  # refused by the parser
    got = push(client, till, [bad], ChainHead(6, "b" * 64), ChainHead(5, "d" * 64))
    assert [r["status"] for r in got["results"]] == ["rejected"]
    assert got["chain"] == {"seq": 6}
    assert terminal_of(till).chain_state == "rewritten"


def test_a_restored_journal_that_grows_past_the_old_head_shows_the_entry_changed(
    client: Client,
) -> None:
    till = enroll(client, new_store())
    push(client, till, [], ChainHead(9, "b" * 64))
    # restored from an older copy: its head went back (its journal has no entry 9 to check)
    got = push(client, till, [], ChainHead(5, "a" * 64))
    assert got["chain"] == {"seq": 9}
    assert terminal_of(till).chain_state == "backwards"
    # it sold on past 9: its entry 9 is another one than the 9 reported
    push(client, till, [], ChainHead(12, "c" * 64), ChainHead(9, "7" * 64))
    flagged = ChainReport.objects.get(terminal=terminal_of(till), state="rewritten")
    assert (flagged.seq, flagged.note) == (9, "the entry at seq 9 changed after it was reported")
