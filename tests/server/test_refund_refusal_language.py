"""Head office's refusal of a racing refund reaches the till as a code plus values, and the
till says it in English or Kiswahili: the real head office (Django, SQLite and
PostgreSQL) rejects the second of two tills refunding one receipt; its answer is read
with the agent's parser, parked in a real till database as the agent parks it, and shown
through the head-office service the manager's screen uses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from pos.domain.messages import REGISTRY
from pos.services.auth import Role, UserSummary
from pos.services.refusal_messages import MESSAGES, parked_message
from pos.services.terminal import Terminal
from pos.store import repositories as repo
from pos.store import sync_state
from pos.ui import i18n
from sync.protocol.batch import AckStatus, parse_acks
from sync.protocol.refusals import TEMPLATES, decode_parked, encode_parked, fields_of
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.refund_docs import refund

pytestmark = pytest.mark.usefixtures("qapp")  # Qt's translator renders the Kiswahili


def test_every_head_office_refusal_code_is_a_till_message_with_the_same_english() -> None:
    assert {t.code for t in MESSAGES} == set(TEMPLATES)
    for code, english in TEMPLATES.items():
        assert REGISTRY[code].english == english
        assert REGISTRY[code].fields() == fields_of(english)


def _race(client: Client) -> tuple[dict[str, Any], Any]:
    """Till 1 sells two milks and refunds both; till 2 then refunds one of them."""
    store = new_store()
    one: Till = enroll(client, store, "Till 1")
    two: Till = enroll(client, store, "Till 2")
    sale = one.sale("65", 2)
    one.push(client, [sale])
    one.push(client, [refund(one, sale, 2)])
    got = two.push(client, [refund(two, sale, 1)])
    assert got.status_code == 200, got.content
    [ack] = parse_acks(got.content)  # the agent's own reading of the answer
    return sale, ack


def test_a_racing_refund_is_refused_with_a_code_and_its_values(client: Client) -> None:
    sale, ack = _race(client)
    receipt = sale["body"]["receipt_number"]
    assert ack.status is AckStatus.REJECTED
    assert ack.code == "hq_refund_line_over"
    assert ack.params == {
        "item": "Milk 500ml",
        "receipt": receipt,
        "sold": 2,
        "refunded": 2,
        "asked": 1,
    }
    # the English reason is still there for head office's log and older tills
    assert ack.reason == (
        f"Milk 500ml on receipt {receipt}: 2 sold, 2 already refunded (by this or another "
        "till), so 1 more cannot go back."
    )


def test_the_parked_refusal_is_shown_in_english_or_kiswahili(
    client: Client,
    terminal: Terminal,
    users: dict[Role, UserSummary],
    pins: dict[Role, str],
) -> None:
    sale, ack = _race(client)
    receipt = sale["body"]["receipt_number"]
    # parked in the till's outbox as the agent parks it (sync.agent.agent._send_batch)
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    with terminal.db.session() as s:
        event_id = "019cad74-0000-7000-8000-000000000001"
        repo.add_outbox_event(
            s,
            event_id=event_id,
            kind="refund.completed",
            aggregate_id=event_id,
            payload={"event_id": event_id},
            now=now,
            seq=repo.next_outbox_seq(s),
        )
        parked = encode_parked(f"lines: {ack.reason}", ack.code, ack.params)
        assert sync_state.park(s, [(event_id, parked)], now) == 1
    terminal.auth.login(users[Role.MANAGER].user_id, pins[Role.MANAGER])
    [view] = terminal.headoffice.parked()
    assert decode_parked(view.reason)[0] == "hq_refund_line_over"
    english = i18n.render(view.message, "en")
    assert english == ack.reason
    swahili = i18n.render(view.message, "sw")
    assert swahili == (
        f"Milk 500ml kwenye risiti {receipt}: 2 ziliuzwa, 2 zimesharudishwa (na kaunta "
        "hii au nyingine), kwa hivyo 1 zaidi haziwezi kurudishwa."
    )


def test_a_reason_without_a_code_stays_as_head_office_wrote_it() -> None:
    plain = "body.total: does not add up"
    assert parked_message(plain).render() == plain
    assert i18n.render(parked_message(plain), "sw") == plain
    # a code the till does not know (a newer head office) falls back to the English
    newer = encode_parked("Some new reason.", "hq_something_new", {"x": 1})
    assert parked_message(newer).render() == "Some new reason."
