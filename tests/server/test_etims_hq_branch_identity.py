"""A head-office branch device's identity (store, KRA PIN, branch id, device serial) is
checked as the till's ``Branch`` checks it, and frozen once the device is set up with KRA
or has numbered an invoice: the admin shows it read only and the model refuses the change
(``full_clean`` and ``save``), since a new branch id would carry the counter, the keyed
chain (its links cover the branch key) and the key's name to another branch. A round of a
device saved with a bad PIN before the check stops saying why instead of failing the task.
Real admin requests, real worker rounds against the simulator; SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client

from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.server.accounts.models import HqRole, Profile
from sync.server.etims.models import BranchDevice, BranchIdentityFrozen
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.tasks import submit_branch
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import applied, branch_fixtures, hq_settings
from tests.server.factory import enroll

_BRANCHES, branch, box = branch_fixtures(40)
DEVICES = "/admin/hq_etims/branchdevice/"


def _admin() -> Client:
    user = User.objects.create_user(f"u{uuid.uuid4().hex[:8]}", is_staff=True)
    Profile.objects.create(user=user, role=HqRole.ADMIN)
    browser = Client()
    browser.force_login(user)
    return browser


def _field_errors(html: str) -> set[str]:
    """The fields the admin's form marks with an error (``id_<field>_error``)."""
    return set(re.findall(r'class="errorlist[^"]*" id="id_(\w+)_error"', html))


def _form(device: BranchDevice, **changes: str) -> dict[str, str]:
    """The admin form's fields of ``device`` as its change page posts them."""
    fields = {
        "store": str(device.store_id),
        "tin": device.tin,
        "bhf_id": device.bhf_id,
        "device_serial": device.device_serial,
    }
    if device.enabled:
        fields["enabled"] = "on"
    fields.update(changes)
    return fields


def _signed(client: Client, box: EtimsSandbox, branch: tuple[str, str]) -> BranchDevice:
    """A branch with one sale signed by the simulator through the real worker round."""
    device: BranchDevice = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, device.store)
    applied(client, till, [till.sale("65")])
    result = run_round(device, settings=hq_settings(box), secrets=EnvironmentSecrets(env={}))
    assert result.signed == 1, result.stopped
    device.refresh_from_db()
    return device


def test_the_admin_refuses_a_pin_or_branch_id_the_till_would_refuse_naming_the_field(
    client: Client,
) -> None:
    admin = _admin()
    store = new_store()
    new = {"store": str(store.pk), "device_serial": "KAUNTA/X/01", "enabled": "on"}
    page = admin.post(f"{DEVICES}add/", {**new, "tin": "P05123", "bhf_id": "01"})
    assert page.status_code == 200  # the form again, with the error
    html = page.content.decode()
    assert _field_errors(html) == {"tin"}
    assert "P05123 is not a KRA PIN" in html
    page = admin.post(f"{DEVICES}add/", {**new, "tin": DEMO_TIN, "bhf_id": "1"})
    assert _field_errors(page.content.decode()) == {"bhf_id"}
    # a PIN with more around it is not a PIN either (the till's pattern, whole)
    page = admin.post(f"{DEVICES}add/", {**new, "tin": "XP051234567", "bhf_id": "01"})
    assert _field_errors(page.content.decode()) == {"tin"}
    assert not BranchDevice.objects.filter(store=store).exists()
    # the model checks it too, whoever saves
    with pytest.raises(ValidationError) as refused:
        BranchDevice(store=store, tin="P05123", bhf_id="01", device_serial="S").full_clean()
    assert set(refused.value.message_dict) == {"tin"}
    # what the till takes, the admin takes
    page = admin.post(f"{DEVICES}add/", {**new, "tin": DEMO_TIN, "bhf_id": "01"})
    assert page.status_code == 302, _field_errors(page.content.decode())
    assert BranchDevice.objects.get(store=store).key == f"{DEMO_TIN}-01"


def test_a_signed_devices_branch_identity_is_frozen_in_the_admin_and_the_model(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = _signed(client, box, branch)
    admin = _admin()
    url = f"{DEVICES}{device.pk}/change/"
    html = admin.get(url).content.decode()
    for name in ("tin", "bhf_id", "device_serial", "store"):
        assert f'name="{name}"' not in html  # shown, not editable
    assert 'name="enabled"' in html
    # a form posted with another branch id: the branch id stays, the rest is saved
    page = admin.post(url, _form(device, bhf_id="99", tin="P000000000Z", enabled=""))
    assert page.status_code == 302
    stored = BranchDevice.objects.get(pk=device.pk)
    assert (stored.tin, stored.bhf_id, stored.enabled) == (DEMO_TIN, branch[0], False)
    # the model refuses it for every writer: full_clean names the field, save refuses
    stored.bhf_id = "99"
    with pytest.raises(ValidationError) as refused:
        stored.full_clean()
    assert set(refused.value.message_dict) == {"bhf_id"}
    with pytest.raises(BranchIdentityFrozen):
        stored.save()
    stored.bhf_id, stored.store = branch[0], new_store()
    with pytest.raises(BranchIdentityFrozen) as moved:
        stored.save()
    assert set(moved.value.message_dict) == {"store"}
    assert BranchDevice.objects.get(pk=device.pk).bhf_id == branch[0]
    # the chain still holds under its branch key: no false tamper alarm
    assert DjangoQueue().verify_chain(device.key)


def test_a_device_is_frozen_once_set_up_and_free_before(client: Client) -> None:
    device: BranchDevice = BranchDevice.objects.create(
        store=new_store(), tin=DEMO_TIN, bhf_id="02", device_serial="KAUNTA/X/02"
    )
    assert not device.in_use()
    device.bhf_id = "03"  # a typo fixed before KRA was asked: fine
    device.full_clean()
    device.save()
    assert BranchDevice.objects.get(pk=device.pk).bhf_id == "03"
    html = _admin().get(f"{DEVICES}{device.pk}/change/").content.decode()
    assert 'name="bhf_id"' in html
    # KRA set the device up (no invoice yet): frozen from then on
    BranchDevice.objects.filter(pk=device.pk).update(device={"sdcId": "KRACU0100000001"})
    device.refresh_from_db()
    assert device.in_use()
    html = _admin().get(f"{DEVICES}{device.pk}/change/").content.decode()
    assert 'name="bhf_id"' not in html
    device.device_serial = "KAUNTA/X/other"
    with pytest.raises(ValidationError) as refused:
        device.full_clean()
    assert set(refused.value.message_dict) == {"device_serial"}
    # saving other fields stays possible
    device.device_serial = "KAUNTA/X/02"
    device.enabled = False
    device.save()
    device.save(update_fields=["last_invc_no"])
    assert BranchDevice.objects.get(pk=device.pk).enabled is False


def test_a_round_of_a_device_saved_with_a_bad_pin_stops_saying_why(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    # a row from before the check (or written past the model): the round says why
    device: BranchDevice = BranchDevice.objects.create(
        store=new_store(), tin="P05123", bhf_id=branch[0], device_serial=branch[1]
    )
    result = run_round(device, settings=hq_settings(box), secrets=EnvironmentSecrets(env={}))
    assert (result.signed, result.parked) == (0, 0)
    assert "P05123" in result.stopped
    assert "not a KRA PIN" in result.stopped
    assert box.calls.get("selectInitOsdcInfo", 0) == 0  # KRA never asked
    # the task: tried again later with the reason logged, not failed without one
    assert submit_branch.call(device.pk) == "retry"


def test_the_models_and_migrations_agree(client: Client) -> None:
    """``makemigrations --check``: a model change (the validators here) has its migration."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
