"""The agent against head-office answers that are wrong or unusual (session 15, b15a):
acknowledgements that match none of the events sent, a 503 with ``Retry-After`` (seconds
and both HTTP-date forms), a 200 cut mid-body, and a partial answer. Real HTTP on
127.0.0.1 (a scripted stand-in in front of the agent tests' head office) and the till's
real SQLite file."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from pos.domain.catalog import CatalogItem
from pos.services.terminal import Terminal
from pos.store import sync_state
from sync.agent import (
    AgentSettings,
    ClientSettings,
    HeadOfficeClient,
    SyncAgent,
    TransientError,
)
from tests.conftest import FakeClock
from tests.sync.agent.conftest import sell
from tests.sync.agent.headoffice import HeadOffice, serving

#: what the stand-in answers to a push: ``(status, headers, body bytes)`` or a function
#: of the head office's real answer (a dict) that gives the body bytes to send with 200
Answer = tuple[int, dict[str, str], bytes] | Any


@dataclass
class Scripted:
    """The agent tests' head office behind answers forced one request at a time."""

    ho: HeadOffice = field(default_factory=HeadOffice)
    answers: list[Answer] = field(default_factory=list)
    pushes: int = 0
    sizes: list[int] = field(default_factory=list)  # each push's body, in bytes
    #: answers to GET /changes, one a request (then an empty last page)
    pages: list[tuple[int, bytes]] = field(default_factory=list)
    pulls: int = 0


def _handler(sc: Scripted) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/api/v1/heartbeat":
                self._send(200, b'{"ok":true}', {})
                return
            sc.pushes += 1
            sc.sizes.append(len(body))
            answer = sc.answers.pop(0) if sc.answers else None
            if isinstance(answer, tuple):
                status, headers, data = answer
                self._send(status, data, headers)
                return
            real = sc.ho.apply(body)
            data = answer(real) if answer is not None else json.dumps(real).encode()
            self._send(200, data, {})

        def do_GET(self) -> None:
            sc.pulls += 1
            status, page = sc.pages.pop(0) if sc.pages else (200, b"")
            self._send(status, page or b'{"changes":[],"cursor":"0","more":false}', {})

    return Handler


def _serving(sc: Scripted) -> AbstractContextManager[str]:
    return serving(_handler(sc))


@pytest.fixture
def sc() -> Scripted:
    return Scripted()


@contextmanager
def _agent(
    till: Terminal, sc: Scripted, clock: FakeClock, settings: AgentSettings
) -> Iterator[SyncAgent]:
    with till.db.session() as s:  # the demo seed's shift.opened: delivered long ago
        seeded = s.connection().exec_driver_sql("SELECT id FROM outbox").scalars().all()
        sync_state.mark_sent(s, [str(i) for i in seeded], clock.now())
    with _serving(sc) as url:
        a = SyncAgent(
            till.db,
            HeadOfficeClient(ClientSettings(url, read_timeout_s=10), token=sc.ho.token),
            store_id="DEMO",
            terminal_id="T1",
            settings=settings,
            clock=clock.now,
        )
        yield a
        a.stop()


@pytest.fixture
def scripted_agent(cashier: Terminal, sc: Scripted, clock: FakeClock) -> Iterator[SyncAgent]:
    settings = AgentSettings(batch_size=3, app_version="test", training=True)
    with _agent(cashier, sc, clock, settings) as a:
        yield a


def _sent(till: Terminal) -> list[bool]:
    with till.db.read_session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT sent_at IS NOT NULL FROM outbox WHERE kind LIKE 'sale.%' ORDER BY seq"
        )
        return [bool(r[0]) for r in rows]


def _other_ids(real: dict[str, Any]) -> bytes:
    """The head office's answer with every event id replaced by one never sent."""
    for r in real["results"]:
        r["event_id"] = "0190a5c2-0000-7000-8000-000000000001"
    return json.dumps(real).encode()


def test_acks_naming_other_events_mark_nothing_and_end_the_round_instead_of_resending(
    cashier: Terminal, product: CatalogItem, scripted_agent: SyncAgent, sc: Scripted
) -> None:
    sell(cashier, product, 2)
    # the first answer names events never sent; anything after it is a 503, so an agent
    # that sends the same batch again at once meets that instead of looping for ever
    sc.answers = [_other_ids, (503, {}, b"{}")]
    with pytest.raises(TransientError, match="acknowledged none"):
        scripted_agent.run_once()
    assert sc.pushes == 1  # the round ended on the useless answer: no resend in a loop
    assert _sent(cashier) == [False, False]
    assert scripted_agent.status().last_success_at is None  # it was no success
    sc.answers = []  # the head office answers properly again
    assert scripted_agent.run_once().sent == 2  # the next round sends them and they count


def test_acks_with_indices_outside_the_batch_mark_nothing_and_end_the_round(
    cashier: Terminal, product: CatalogItem, scripted_agent: SyncAgent, sc: Scripted
) -> None:
    sell(cashier, product, 1)

    def shifted(real: dict[str, Any]) -> bytes:
        for r in real["results"]:
            r["index"] += 5  # each still names its own event, at a place never sent
        return json.dumps(real).encode()

    sc.answers = [shifted, (503, {}, b"{}")]
    with pytest.raises(TransientError, match="acknowledged none"):
        scripted_agent.run_once()
    assert sc.pushes == 1
    assert _sent(cashier) == [False]


def test_a_200_cut_mid_body_marks_nothing_and_the_batch_counts_once_later(
    cashier: Terminal, product: CatalogItem, scripted_agent: SyncAgent, sc: Scripted
) -> None:
    sell(cashier, product, 2)
    sc.answers = [lambda real: json.dumps(real).encode()[:40]]  # applied, answer cut short
    with pytest.raises(TransientError, match="not JSON"):
        scripted_agent.run_once()
    assert _sent(cashier) == [False, False]
    done = scripted_agent.run_once()
    assert (done.sent, done.duplicates) == (2, 2)
    assert len(sc.ho.applied_order) == 2


def test_a_partial_answer_marks_only_what_it_acknowledges(
    cashier: Terminal, product: CatalogItem, scripted_agent: SyncAgent, sc: Scripted
) -> None:
    sell(cashier, product, 3)

    def first_only(real: dict[str, Any]) -> bytes:
        real["results"] = real["results"][:1]
        return json.dumps(real).encode()

    sc.answers = [first_only]
    done = scripted_agent.run_once()  # the other two go again in the same drain
    assert _sent(cashier) == [True, True, True]
    assert (done.sent, done.duplicates) == (3, 2)
    assert len(sc.ho.applied_order) == 3


@pytest.mark.parametrize(
    "form",
    ["seconds", "imf-date", "asctime"],
)
def test_a_503_with_retry_after_is_honoured_in_each_form(
    cashier: Terminal,
    product: CatalogItem,
    scripted_agent: SyncAgent,
    sc: Scripted,
    form: str,
) -> None:
    sell(cashier, product, 1)
    when = datetime.now(UTC) + timedelta(seconds=120)
    value = {
        "seconds": "120",
        "imf-date": format_datetime(when, usegmt=True),
        "asctime": when.strftime("%a %b %d %H:%M:%S %Y"),  # RFC 9110's obsolete form, GMT
    }[form]
    sc.answers = [(503, {"Retry-After": value}, b'{"error":{"code":"down","message":"m"}}')]
    with pytest.raises(TransientError, match="503") as down:
        scripted_agent.run_once()
    assert down.value.retry_after is not None
    assert 60 <= down.value.retry_after <= 120  # the server's wish, not a guess
    assert _sent(cashier) == [False]


def _parked(till: Terminal) -> list[str]:
    with till.db.read_session() as s:
        rows = s.connection().exec_driver_sql(
            "SELECT parked_reason FROM outbox WHERE kind LIKE 'sale.%' ORDER BY seq"
        )
        return [str(r[0]) for r in rows]


def test_an_event_too_large_alone_is_parked_with_the_reason_and_the_rest_still_go(
    cashier: Terminal, product: CatalogItem, scripted_agent: SyncAgent, sc: Scripted
) -> None:
    sell(cashier, product, 1)
    too_large = b'{"error":{"code":"batch_too_large","message":"send fewer events"}}'
    sc.answers = [(413, {}, too_large)]  # a proxy's or head office's body limit
    assert scripted_agent.run_once().parked == 1  # no error round: parked, shown
    assert _parked(cashier) == ["too large for the head office: send fewer events"]
    assert scripted_agent.status().parked == 1
    sell(cashier, product, 1)
    assert scripted_agent.run_once().sent == 1  # not blocked behind it
    assert _sent(cashier) == [False, True]


def test_a_push_keeps_under_batch_bytes(
    cashier: Terminal, product: CatalogItem, sc: Scripted, clock: FakeClock
) -> None:
    sell(cashier, product, 1)
    with cashier.db.read_session() as s:
        one = len(
            str(
                s.connection()
                .exec_driver_sql("SELECT payload FROM outbox WHERE kind LIKE 'sale.%'")
                .scalar()
            ).encode()
        )
    # room for one such sale and a half: two never fit in a push
    settings = AgentSettings(batch_size=3, batch_bytes=one * 3 // 2, training=True)
    with _agent(cashier, sc, clock, settings) as agent:  # (marks what is queued as sent)
        sell(cashier, product, 3)
        done = agent.run_once()
    assert (done.sent, done.batches) == (3, 3)  # one event a push: two never fit
    assert len(sc.sizes) == 3
    assert all(size < 2 * one for size in sc.sizes)
    assert AgentSettings().batch_bytes <= 1_000_000  # under a proxy's usual 1 MB


def test_a_page_that_says_more_without_moving_its_cursor_ends_the_pull(
    scripted_agent: SyncAgent, sc: Scripted
) -> None:
    stuck = b'{"changes":[],"cursor":"5","more":true}'
    # after the second such page anything is a 503: an agent asking for the same page
    # again and again meets that instead of looping for ever
    sc.pages = [(200, stuck), (200, stuck), (503, b"{}")]
    with pytest.raises(TransientError, match="did not move"):
        scripted_agent.run_once()
    assert sc.pulls == 2
    with scripted_agent.db.read_session() as s:
        assert sync_state.get_value(s, sync_state.CURSOR) == "5"  # the first page's, kept


def test_the_token_is_in_no_log_line_or_error_of_a_failing_round(
    cashier: Terminal,
    product: CatalogItem,
    scripted_agent: SyncAgent,
    sc: Scripted,
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)  # urllib3's and requests' own lines included
    sell(cashier, product, 1)
    errors: list[str] = []
    sc.answers = [(401, {}, b"{}"), (500, {}, b"{}"), (429, {"Retry-After": "x"}, b"")]
    for _ in range(3):
        with pytest.raises(Exception) as failed:  # noqa: PT011 (each kind in turn)
            scripted_agent.run_once()
        errors.append(repr(failed.value))
    url = scripted_agent.client.settings.url.replace("http://", "https://")
    tls = HeadOfficeClient(ClientSettings(url), token=sc.ho.token)  # TLS to a plain server
    with pytest.raises(TransientError) as refused:
        tls.heartbeat({})
    tls.close()
    errors.append(str(refused.value))
    assert "certificate" in errors[-1] or "reached" in errors[-1]
    assert sc.ho.token not in caplog.text
    assert not [e for e in errors if sc.ho.token in e]
