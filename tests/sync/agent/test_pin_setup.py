"""A person added at head office sets their own PIN at the till with the one-time code
head office made for them: the code arrives as its SHA-256 with the person's user change,
works once on this till and only before it expires; a wrong code is refused and audited;
the PIN and its hash never leave the till."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest

from pos.services.errors import ServiceError
from pos.services.terminal import Terminal
from sync.agent import SyncAgent
from tests.conftest import FakeClock
from tests.sync.agent.headoffice import HeadOffice

CODE = "AB12-CD34-EF56-7890"


def _person(user_id: str, version: int, expires: datetime, code: str = CODE) -> dict[str, Any]:
    return {
        "kind": "user",
        "id": user_id,
        "version": version,
        "data": {
            "id": user_id,
            "name": "Wanjiku Kamau",
            "role": "cashier",
            "active": True,
            "setup_code": {
                "sha256": hashlib.sha256(code.encode()).hexdigest(),
                "expires_at": expires.isoformat().replace("+00:00", "Z"),
            },
        },
    }


def test_a_new_person_sets_their_own_pin_once_with_the_head_office_code(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice, clock: FakeClock
) -> None:
    person = str(uuid.uuid4())
    ho.changes = [_person(person, 1, clock.now() + timedelta(hours=24))]
    agent.run_once()
    service = cashier.headoffice
    waiting = service.pin_setup_people()
    assert [(p.user_id, p.first_pin) for p in waiting] == [(person, True)]

    with pytest.raises(ServiceError, match="not the code head office made"):
        service.set_pin_with_code(person, "AB12-CD34-EF56-0000", "4826", "4826")
    with pytest.raises(ServiceError, match="not the same"):
        service.set_pin_with_code(person, CODE, "4826", "4827")
    service.set_pin_with_code(person, CODE.lower(), "4826", "4826")  # as typed, any case

    cashier.auth.logout()
    assert cashier.auth.login(person, "4826").name == "Wanjiku Kamau"
    cashier.auth.logout()
    with pytest.raises(ServiceError, match="No PIN set-up code is waiting"):
        service.set_pin_with_code(person, CODE, "1357", "1357")  # once only
    assert service.pin_setup_people() == []

    # the same change applied again (a page pulled twice) does not make the code new
    ho.changes.append(_person(person, 2, clock.now() + timedelta(hours=24)))
    agent.run_once()
    with pytest.raises(ServiceError, match="No PIN set-up code is waiting"):
        service.set_pin_with_code(person, CODE, "1357", "1357")

    with cashier.db.read_session() as s:
        pin_hash = (
            s.connection()
            .exec_driver_sql("SELECT pin_hash FROM users WHERE id = ?", (person,))
            .scalar_one()
        )
        payloads = s.connection().exec_driver_sql("SELECT payload FROM outbox").scalars().all()
        audit = (
            s.connection()
            .exec_driver_sql(
                "SELECT result FROM audit_log WHERE action = 'pin_set_with_code' ORDER BY rowid"
            )
            .scalars()
            .all()
        )
    assert pin_hash
    assert not any(pin_hash in str(p) for p in payloads)  # the PIN's hash stays here
    assert list(audit) == ["failed", "ok"]


def test_a_new_code_from_head_office_works_again_and_an_expired_one_does_not(
    cashier: Terminal, agent: SyncAgent, ho: HeadOffice, clock: FakeClock
) -> None:
    person = str(uuid.uuid4())
    ho.changes = [_person(person, 1, clock.now() + timedelta(hours=1))]
    agent.run_once()
    clock.advance(minutes=120)
    with pytest.raises(ServiceError, match="expired"):
        cashier.headoffice.set_pin_with_code(person, CODE, "4826", "4826")
    assert cashier.headoffice.pin_setup_people() == []
    fresh = "ZZ99-YY88-XX77-WW66"
    ho.changes.append(_person(person, 2, clock.now() + timedelta(hours=24), fresh))
    agent.run_once()
    cashier.headoffice.set_pin_with_code(person, fresh, "4826", "4826")
