"""The callbacks' admin pages: evidence, read only for every role and scoped to a manager's
stores; a failed callback is tried again only by an admin, once, written to the admin's
history. Real requests through Django's admin, each backend."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.test import Client

from sync.server.accounts.models import HqRole, Profile
from sync.server.callbacks.models import PushAttempt, PushState, RecordState, StkCallbackRecord
from sync.server.tasks import run_stk_tasks
from tests.server.conftest import new_store
from tests.server.factory import Till, enroll
from tests.server.test_callbacks import body, post, register

DARAJA = {"REMOTE_ADDR": "196.201.214.77"}
RECORDS = "/admin/hq_callbacks/stkcallbackrecord/"


def person(role: str, *stores: object) -> Client:
    user = User.objects.create_user(f"u{uuid.uuid4().hex[:8]}", is_staff=True)
    Profile.objects.create(user=user, role=role).stores.set(stores)
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.fixture
def till(client: Client) -> Till:
    return enroll(client, new_store())


def _failed(client: Client, till: Till) -> StkCallbackRecord:
    """A stored callback given up after its tries (as a fault since fixed would leave it)."""
    attempt, path = register(client, till)
    assert post(client, path, body(f"ws_CO_{attempt[-8:]}"), **DARAJA).status_code == 200
    record = StkCallbackRecord.objects.get(attempt__attempt_id=attempt)
    StkCallbackRecord.objects.filter(pk=record.pk).update(state=RecordState.FAILED, tries=5)
    return record


def test_no_role_may_change_a_stored_callback_or_a_push(client: Client, till: Till) -> None:
    run_stk_tasks()
    record = _failed(client, till)
    admin = person(HqRole.ADMIN)
    page = admin.get(f"{RECORDS}{record.pk}/change/")
    assert page.status_code == 200  # seen, read only
    assert 'name="_save"' not in page.content.decode()
    edited = admin.post(f"{RECORDS}{record.pk}/change/", {"state": "received", "body": "{}"})
    assert edited.status_code == 403
    assert admin.get(f"{RECORDS}add/").status_code == 403
    push = PushAttempt.objects.get(pk=record.attempt_id)
    assert admin.post(f"/admin/hq_callbacks/pushattempt/{push.pk}/change/", {}).status_code == 403
    record.refresh_from_db()
    assert (record.state, record.tries) == (RecordState.FAILED, 5)


def test_an_admin_tries_a_failed_callback_again_and_it_is_decided_once(
    client: Client, till: Till
) -> None:
    run_stk_tasks()
    failed = _failed(client, till)
    attempt, path = register(client, till)
    assert post(client, path, body("ws_CO_fine"), **DARAJA).status_code == 200
    fine = StkCallbackRecord.objects.get(attempt__attempt_id=attempt)
    run_stk_tasks()
    fine.refresh_from_db()
    assert fine.state == RecordState.DONE

    # an auditor may look, not act
    auditor = person(HqRole.AUDITOR)
    page = auditor.post(
        RECORDS, {"action": "try_again", "_selected_action": [failed.pk]}, follow=True
    )
    assert "Only an admin may try callbacks again." in page.content.decode()
    failed.refresh_from_db()
    assert failed.state == RecordState.FAILED

    admin = person(HqRole.ADMIN)
    page = admin.post(
        RECORDS, {"action": "try_again", "_selected_action": [failed.pk, fine.pk]}, follow=True
    )
    assert "1 failed callback(s) will be tried again." in page.content.decode()
    failed.refresh_from_db()
    assert (failed.state, failed.tries, failed.retry_at) == (RecordState.RECEIVED, 0, None)
    assert LogEntry.objects.filter(object_id=str(failed.pk)).count() == 1
    run_stk_tasks()
    failed.refresh_from_db()
    assert failed.state == RecordState.DONE
    decided = PushAttempt.objects.get(pk=failed.attempt_id)
    assert decided.state == PushState.PAID
    seq = decided.result_seq
    # the done one was left alone, and trying again twice changes nothing more
    admin.post(RECORDS, {"action": "try_again", "_selected_action": [failed.pk]}, follow=True)
    run_stk_tasks()
    decided.refresh_from_db()
    assert decided.result_seq == seq
    assert LogEntry.objects.filter(object_id=str(failed.pk)).count() == 1


def test_an_area_manager_sees_only_their_stores_callbacks(client: Client, till: Till) -> None:
    record = _failed(client, till)
    other = person(HqRole.AREA_MANAGER, new_store())
    assert other.get(f"{RECORDS}{record.pk}/change/").status_code in (302, 404)
    theirs = person(
        HqRole.AREA_MANAGER, PushAttempt.objects.get(pk=record.attempt_id).terminal.store
    )
    assert theirs.get(f"{RECORDS}{record.pk}/change/").status_code == 200
