"""Head office's signed-invoice chain is keyed (HMAC under a key from the environment,
not in the database) and checked: someone with database access who drops the triggers,
rewrites KRA's signature and recomputes the chain unkeyed (what passed the old SHA-256
check) is found by ``kaunta-hq etims verify`` and by the incremental check; the one-time
upgrade re-chains a good old chain and refuses a broken one; the incremental check reads
only the rows after its checkpoint. On SQLite and PostgreSQL."""

from __future__ import annotations

import argparse
import json
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import Client

from sync.etims.models import Signature
from sync.etims.queue_sqlite import GENESIS, chain_hash
from sync.etims.sandbox import DEMO_TIN, EtimsSandbox
from sync.etims.settings import EtimsSettings
from sync.server.cli import cmd_etims_verify
from sync.server.etims import immutable
from sync.server.etims.models import BranchDevice, ChainCheckpoint, ChainUpgrade, SignedInvoice
from sync.server.etims.store import DjangoQueue, EnvironmentSecrets
from sync.server.etims.tasks import FULL_CHECK_EVERY, check_chain, check_chains
from sync.server.etims.worker import run_round
from tests.server.conftest import new_store
from tests.server.etims_hq_support import branch_fixtures
from tests.server.factory import enroll

_BRANCHES, branch, box = branch_fixtures(70)


def _signed(client: Client, box: EtimsSandbox, branch: tuple[str, str], n: int) -> BranchDevice:
    """A branch with ``n`` sales signed by the simulator through the real worker round."""
    store = new_store()
    device: BranchDevice = BranchDevice.objects.create(
        store=store, tin=DEMO_TIN, bhf_id=branch[0], device_serial=branch[1]
    )
    till = enroll(client, store)
    got = till.push(client, [till.sale("65") for _ in range(n)])
    assert got.status_code == 200, got.content
    settings = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host)
    assert run_round(device, settings=settings, secrets=EnvironmentSecrets(env={})).signed == n
    return device


def _rewrite(device: BranchDevice, invc_no: int, *, recompute: bool) -> None:
    """The attack: triggers dropped, one signature rewritten, the chain from there
    recomputed with the old unkeyed SHA-256 (``recompute``) or left; triggers back."""
    with transaction.atomic():
        immutable.drop(connection)
        prev = GENESIS
        for row in SignedInvoice.objects.filter(branch=device).order_by("id"):
            sig = dict(row.signature)
            if row.invc_no == invc_no:
                sig["rcpt_sign"] = "FORGED" + str(sig["rcpt_sign"])[6:]
            new = chain_hash(prev, device.key, Signature.from_json(sig))
            fields = {"signature": sig} if row.invc_no == invc_no else {}
            if recompute:
                fields.update(prev_hash=prev, hash=new)
            SignedInvoice.objects.filter(id=row.id).update(**fields)
            prev = new
        immutable.install(connection)


def _old_unkeyed_check(device: BranchDevice) -> bool:
    """The check head office had before the key: SHA-256 links only."""
    prev = GENESIS
    for row in SignedInvoice.objects.filter(branch=device).order_by("id"):
        if (
            row.prev_hash != prev
            or chain_hash(prev, device.key, Signature.from_json(row.signature)) != row.hash
        ):
            return False
        prev = row.hash
    return True


def test_a_rewritten_signature_with_the_chain_recomputed_unkeyed_is_found(
    client: Client, box: EtimsSandbox, branch: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    device = _signed(client, box, branch, 3)
    queue = DjangoQueue()
    assert queue.verify_chain(device.key)
    assert cmd_etims_verify(argparse.Namespace(upgrade=False)) == 0
    _rewrite(device, 2, recompute=True)
    assert _old_unkeyed_check(device)  # the gap: the old check passes a forged chain
    assert queue.check_chain(device.key).broken_invc_no == 1  # unkeyed from the start
    capsys.readouterr()
    assert cmd_etims_verify(argparse.Namespace(upgrade=False)) == 1
    err = capsys.readouterr().err
    assert f"branch {device.key} invoice 1" in err
    assert check_chain(device).broken_invc_no == 1  # the worker's check finds it too
    # a finding stays: the incremental check does not move on past it
    assert check_chain(device).broken_invc_no == 1
    # head office sees it: the metric and the eTIMS page (an admin sees every store)
    metrics = client.get("/metrics").content.decode()
    broken = ChainCheckpoint.objects.filter(broken_invc_no__isnull=False).count()
    assert f"kaunta_hq_etims_chain_broken {float(broken)}" in metrics
    assert broken >= 1
    from django.contrib.auth.models import User

    from sync.server.accounts.models import HqRole, Profile

    admin = User.objects.create_user("chainadmin", password="a long pass phrase 9")
    Profile.objects.create(user=admin, role=HqRole.ADMIN)
    page = Client()
    page.force_login(admin)
    html = page.get("/dashboard/etims/").content.decode()
    assert "signature chain broken at invoice 1" in html
    # missing triggers are named too
    with transaction.atomic():
        immutable.drop(connection)
        capsys.readouterr()
        assert cmd_etims_verify(argparse.Namespace(upgrade=False)) == 1
        assert "trigger missing" in capsys.readouterr().err
        immutable.install(connection)


def test_the_upgrade_rechains_a_good_old_chain_and_refuses_a_broken_one(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    queue = DjangoQueue()
    queue.upgrade_chains("test")  # earlier tests' branches: their one-time step done
    ChainUpgrade.objects.all().delete()  # as on a head office from before the key
    good = _signed(client, box, branch, 3)
    _rewrite(good, 0, recompute=True)  # an old deployment's unkeyed chain, nothing forged
    assert _old_unkeyed_check(good)
    assert not queue.verify_chain(good.key)
    bhf = f"{next(_BRANCHES):02d}"
    with EtimsSandbox(devices=[(DEMO_TIN, bhf, f"KAUNTA/{DEMO_TIN}/{bhf}")]) as other:
        bad = _signed(client, other, (bhf, f"KAUNTA/{DEMO_TIN}/{bhf}"), 2)
    _rewrite(bad, 0, recompute=True)
    _rewrite(bad, 2, recompute=False)  # an old chain that does not hold
    before = list(SignedInvoice.objects.filter(branch=bad).values_list("hash", flat=True))
    done = check_chains("test")
    assert queue.verify_chain(good.key)  # re-chained under the key
    assert ChainUpgrade.objects.get(branch=good).rows == 3
    after = list(SignedInvoice.objects.filter(branch=bad).values_list("hash", flat=True))
    assert before == after  # left as it was: evidence
    assert ChainUpgrade.objects.get(branch=bad).refused
    assert ChainCheckpoint.objects.get(branch=bad).broken_invc_no == 1
    assert ChainCheckpoint.objects.get(branch=good).broken_invc_no is None
    assert done >= 1
    assert immutable.missing(connection) == []  # triggers back after the step
    # once done, never again: an unkeyed chain written later is a forgery, not laundered
    _rewrite(good, 2, recompute=True)
    assert queue.upgrade_chains("test") == {}
    assert not queue.verify_chain(good.key)


def test_the_incremental_check_reads_only_rows_after_its_checkpoint(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = _signed(client, box, branch, 3)
    queue = DjangoQueue()
    first = queue.check_chain(device.key)
    assert (first.read, first.broken_invc_no) == (3, None)
    till = enroll(client, device.store, "Till B")
    assert till.push(client, [till.sale("80"), till.sale("90")]).status_code == 200
    settings = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host)
    device.refresh_from_db()
    assert run_round(device, settings=settings, secrets=EnvironmentSecrets(env={})).signed == 2
    later = queue.check_chain(device.key, after=(first.last_id, first.last_hash))
    assert (later.read, later.broken_invc_no) == (2, None)
    again = queue.check_chain(device.key, after=(later.last_id, later.last_hash))
    assert again.read == 0  # nothing new: nothing re-read
    # the worker's checkpoint: after a full check, the next round's check reads the new
    point = check_chain(device, full=True)
    assert point.broken_invc_no is None
    assert point.last_id == later.last_id
    assert till.push(client, [till.sale("95")]).status_code == 200
    device.refresh_from_db()
    assert run_round(device, settings=settings, secrets=EnvironmentSecrets(env={})).signed == 1
    newest = queue.check_chain(device.key, after=(point.last_id, point.last_hash))
    assert newest.read == 1
    assert check_chain(device).last_id == newest.last_id


def test_the_upgrade_runs_once_even_on_a_head_office_with_no_branch_yet(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """A new install's first worker start has no branch to upgrade; the step is recorded as
    run all the same, so a branch added later and forged unkeyed before the next start is
    reported, not re-chained (it would have been, with nothing recorded)."""
    queue = DjangoQueue()
    ChainUpgrade.objects.all().delete()  # as on a head office from before the key
    no_branches = BranchDevice.objects.none()
    with mock.patch.object(BranchDevice.objects, "order_by", return_value=no_branches):
        assert queue.upgrade_chains("test") == {}  # the first start: no branch at all
    assert ChainUpgrade.objects.filter(branch=None).exists()
    added = _signed(client, box, branch, 2)  # signed keyed, after the upgrade
    assert queue.verify_chain(added.key)
    _rewrite(added, 1, recompute=True)  # forged, the chain recomputed without the key
    assert _old_unkeyed_check(added)
    assert queue.upgrade_chains("test") == {}  # the next start: not laundered
    assert not queue.verify_chain(added.key)


def _delete_signature(device: BranchDevice, invc_no: int) -> None:
    """The attack: triggers dropped, one signature row deleted, triggers back; its queue
    entry still says signed. Deleting the newest leaves every remaining link whole."""
    with transaction.atomic():
        immutable.drop(connection)
        SignedInvoice.objects.filter(branch=device, invc_no=invc_no).delete()
        immutable.install(connection)
    assert device.entries.get(invc_no=invc_no).state == "signed"


def test_a_deleted_newest_signature_is_found_by_the_worker_and_by_verify(
    client: Client, box: EtimsSandbox, branch: tuple[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    device = _signed(client, box, branch, 3)
    assert check_chain(device, full=True).broken_invc_no is None  # checked whole, as verify does
    _delete_signature(device, 3)
    queue = DjangoQueue()
    found = queue.check_chain(device.key)
    assert (found.link_broken, found.gone, found.broken_invc_no) == (None, (3,), 3)
    # the worker's incremental check: its checkpoint's row is the one gone
    assert check_chain(device).broken_invc_no == 3
    capsys.readouterr()
    assert cmd_etims_verify(argparse.Namespace(upgrade=False)) == 1
    printed = capsys.readouterr()
    assert f"branch {device.key} invoice 3: signed in the queue, but its signature is gone" in (
        printed.err
    )
    out = json.loads(printed.out)
    assert out["broken"][device.key] == 3
    assert out["signatures_gone"][device.key] == [3]
    # the gauge and the dashboard's tag show it
    broken = ChainCheckpoint.objects.filter(broken_invc_no__isnull=False).count()
    metrics = client.get("/metrics").content.decode()
    assert f"kaunta_hq_etims_chain_broken {float(broken)}" in metrics
    from django.contrib.auth.models import User

    from sync.server.accounts.models import HqRole, Profile

    admin = User.objects.create_user("goneadmin", password="a long pass phrase 9")
    Profile.objects.create(user=admin, role=HqRole.ADMIN)
    page = Client()
    page.force_login(admin)
    assert "signature chain broken at invoice 3" in page.get("/dashboard/etims/").content.decode()


def test_the_incremental_check_finds_a_signature_gone_after_its_checkpoint(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    device = _signed(client, box, branch, 3)
    point = check_chain(device, full=True)
    assert point.broken_invc_no is None
    till = enroll(client, device.store, "Till B")
    assert till.push(client, [till.sale("80"), till.sale("90")]).status_code == 200
    settings = EtimsSettings(base_url=box.base_url, verify_host=box.verify_host)
    device.refresh_from_db()
    assert run_round(device, settings=settings, secrets=EnvironmentSecrets(env={})).signed == 2
    _delete_signature(device, 5)  # before the worker's check of the new rows
    found = DjangoQueue().check_chain(device.key, after=(point.last_id, point.last_hash))
    assert (found.read, found.link_broken, found.gone) == (1, None, (5,))
    assert check_chain(device).broken_invc_no == 5


def test_an_older_deleted_signature_is_found_by_the_daily_full_check(
    client: Client, box: EtimsSandbox, branch: tuple[str, str]
) -> None:
    """Deleting a signature before the checkpoint leaves every link the incremental check
    reads whole; the worker's own full check, once a day, finds it (review r14c)."""
    device = _signed(client, box, branch, 3)
    point = check_chain(device, full=True)
    assert point.full_checked_at is not None
    _delete_signature(device, 2)
    assert check_chain(device).broken_invc_no is None  # incremental: nothing after it
    day_ago = point.full_checked_at - FULL_CHECK_EVERY
    ChainCheckpoint.objects.filter(pk=point.pk).update(full_checked_at=day_ago)
    found = check_chain(device)  # a round's check, a day after the last full one
    assert found.broken_invc_no == 2
    assert found.full_checked_at is not None
    assert found.full_checked_at > day_ago
