"""The dashboard's refund reviews page through Django's test client, on SQLite and
PostgreSQL (the ``hq_db`` fixture): the open reviews (rejected, unchecked, over) made by
real pushes, scoped by store for an area manager, filtered, counted on the overview; an
admin marks an over or rejected one followed up with a note (who, when, note; no money and
no ledger row moves); auditors and area managers get no button and a 403 from the service.
Migration 0003 (the follow-up fields) is undone and redone on the populated database."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client

from sync.server.accounts.models import HqRole
from sync.server.ledger.models import LedgerEvent, Refund, RefundReview, Sale
from tests.server.conftest import new_store
from tests.server.factory import enroll
from tests.server.refund_docs import refund
from tests.server.test_dashboard import person

URL = "/dashboard/refund-reviews/"


def _applied(got: Any) -> list[str]:
    assert got.status_code == 200, got.content
    return [r["status"] for r in got.json()["results"]]


@pytest.fixture(scope="module")
def world(hq_db: str) -> dict[str, Any]:
    """Reviews made the way head office makes them: a second till refunding a sold line
    again (rejected), two refunds of a sale not pushed yet, then the sale (checked, over),
    a refund of a sale still not pushed (unchecked); in Nairobi and in Mombasa."""
    api = Client()
    nairobi, mombasa = new_store("NRB2", name="Nairobi West"), new_store("MSA2", name="Mombasa")
    one, two = enroll(api, nairobi, "Till 1"), enroll(api, nairobi, "Till 2")
    sold = one.sale("65", 1)
    assert _applied(one.push(api, [sold, refund(one, sold, 1)])) == ["applied", "applied"]
    rejected = refund(two, sold, 1)
    assert _applied(two.push(api, [rejected])) == ["rejected"]
    late = one.sale("120", 1)  # till one offline: two refunds of it at till two
    checked, over = refund(two, late, 1), refund(two, late, 1)
    assert _applied(two.push(api, [checked, over])) == ["applied", "applied"]
    assert _applied(one.push(api, [late])) == ["applied"]
    never = one.sale("240", 1)  # never pushed
    unchecked = refund(two, never, 1)
    assert _applied(two.push(api, [unchecked])) == ["applied"]
    coast = enroll(api, mombasa, "Till 1")
    coast_two = enroll(api, mombasa, "Till 2")
    coast_sale = coast.sale("999", 1)
    coast.push(api, [coast_sale, refund(coast, coast_sale, 1)])
    coast_rejected = refund(coast_two, coast_sale, 1)
    assert _applied(coast_two.push(api, [coast_rejected])) == ["rejected"]
    ids = {
        "rejected": rejected,
        "checked": checked,
        "over": over,
        "unchecked": unchecked,
        "coast": coast_rejected,
    }
    review = {k: RefundReview.objects.get(event_id=d["event_id"]) for k, d in ids.items()}
    assert {k: r.status for k, r in review.items()} == {
        "rejected": "rejected",
        "checked": "checked",
        "over": "over",
        "unchecked": "unchecked",
        "coast": "rejected",
    }
    return {
        "docs": ids,
        "two": two,
        "review": review,
        "sold": sold,
        "late": late,
        "never": never,
        "coast_sale": coast_sale,
        "admin": person("njeri", HqRole.ADMIN),
        "auditor": person("achieng", HqRole.AUDITOR),
        "area": person("kiprono", HqRole.AREA_MANAGER, [nairobi]),
        "nobody": person("mwangi", None),
    }


def receipt(doc: dict[str, Any]) -> str:
    return str(doc["body"]["receipt_number"])


def page(c: Client, query: str = "") -> str:
    got = c.get(URL + query)
    assert got.status_code == 200, got.content
    return str(got.content.decode())


def test_the_page_wants_a_sign_in_and_a_head_office_role(world: dict[str, Any]) -> None:
    got = Client().get(URL)
    assert got.status_code == 302
    assert got["Location"].startswith("/dashboard/login/")
    assert world["nobody"].get(URL).status_code == 403


def test_an_admin_sees_every_open_review_with_its_receipts_amount_reason_and_sale_link(
    world: dict[str, Any],
) -> None:
    html = page(world["admin"])
    docs, review = world["docs"], world["review"]
    for key in ("rejected", "over", "unchecked", "coast"):
        assert f'id="review-{review[key].pk}"' in html, key
        assert receipt(docs[key]) in html
    assert f'id="review-{review["checked"].pk}"' not in html  # checked: nothing to do
    assert "KES 65.00" in html  # the rejected refund of one milk at 65
    assert "KES 999.00" in html
    assert review["rejected"].reason.replace("'", "&#x27;") in html  # as stored
    assert "not at head office yet" in html
    # the original sale's page is linked when the ledger holds the sale (not the unpushed one)
    sold = Sale.objects.get(sale_id=world["sold"]["body"]["sale_id"])
    assert f'href="/dashboard/sale/{sold.pk}/"' in html
    assert receipt(world["never"]) in html
    assert html.count("/dashboard/sale/") == 3  # rejected, over (late sale), coast
    assert html.count("Mark followed up") == 3  # rejected, over and coast: not unchecked


def test_an_area_manager_sees_only_their_stores_reviews_and_no_button(
    world: dict[str, Any],
) -> None:
    html = page(world["area"])
    assert receipt(world["docs"]["rejected"]) in html
    assert receipt(world["docs"]["over"]) in html
    assert receipt(world["docs"]["coast"]) not in html
    assert "MSA2" not in html  # not even in the store filter
    assert "Mark followed up" not in html
    # asking for another store's reviews shows their own, never the other's
    assert receipt(world["docs"]["coast"]) not in page(world["area"], "?store=MSA2&status=all")
    assert "Mark followed up" not in page(world["auditor"])
    assert receipt(world["docs"]["coast"]) in page(world["auditor"])


def test_filters_by_status_and_store(world: dict[str, Any]) -> None:
    review = world["review"]
    over = page(world["admin"], "?status=over")
    assert f'id="review-{review["over"].pk}"' in over
    assert f'id="review-{review["rejected"].pk}"' not in over
    checked = page(world["admin"], "?status=checked")
    assert f'id="review-{review["checked"].pk}"' in checked
    assert f'id="review-{review["over"].pk}"' not in checked
    coast = page(world["admin"], "?store=MSA2")
    assert f'id="review-{review["coast"].pk}"' in coast
    assert f'id="review-{review["rejected"].pk}"' not in coast
    everything = page(world["admin"], "?status=all&store=NRB2")
    assert everything.count('<tr id="review-') == 4
    assert page(world["admin"], "?status=nonsense").count('<tr id="review-') == 4  # open ones


def test_the_overview_counts_open_reviews_per_person(world: dict[str, Any]) -> None:
    def card(c: Client, query: str = "") -> str:
        html = c.get("/dashboard/" + query).content.decode()
        start = html.index('id="refund-reviews-card"')
        return str(html[start : html.index("</div>", start)])

    admin = card(world["admin"])
    assert '<b class="warn">4</b>' in admin
    assert "2 rejected · 1 unchecked · 1 over" in admin
    assert '<b class="warn">3</b>' in card(world["area"])
    assert "1 rejected · 1 unchecked · 1 over" in card(world["area"])
    assert '<b class="warn">1</b>' in card(world["admin"], "?store=MSA2")


def test_read_only_roles_are_refused_the_follow_up_and_nothing_changes(
    world: dict[str, Any],
) -> None:
    over = world["review"]["over"]
    url = f"{URL}{over.pk}/follow-up/"
    for who in ("auditor", "area"):
        got = world[who].post(url, {"note": "called the store"})
        assert got.status_code == 403, who
    assert world["nobody"].post(url, {"note": "x"}).status_code == 403
    assert Client().post(url, {"note": "x"}).status_code == 302  # to the sign-in
    over.refresh_from_db()
    assert (over.followed_up_at, over.followed_up_by, over.follow_up_note) == (None, None, "")
    assert world["admin"].get(url).status_code == 405


def test_an_admin_follows_up_an_over_refund_with_a_note_and_only_the_review_changes(
    world: dict[str, Any],
) -> None:
    admin = world["admin"]
    over, unchecked = world["review"]["over"], world["review"]["unchecked"]
    url = f"{URL}{over.pk}/follow-up/"
    before = (LedgerEvent.objects.count(), Refund.objects.count(), Sale.objects.count())
    document = dict(over.document)

    empty = admin.post(url, {"note": "   ", "status": "open"})
    assert empty.status_code == 400
    assert "Write what was done" in empty.content.decode()
    got = admin.post(
        url, {"note": "  Store refunded KES 120 too much;  cashier retrained ", "status": "over"}
    )
    assert got.status_code == 302
    assert got["Location"] == f"{URL}?status=over"
    over.refresh_from_db()
    assert over.followed_up_by is not None
    assert over.followed_up_by.get_username() == "njeri"
    assert over.followed_up_at is not None
    assert over.follow_up_note == "Store refunded KES 120 too much; cashier retrained"
    assert over.status == RefundReview.Status.OVER  # the finding stays as found
    assert over.document == document
    assert (LedgerEvent.objects.count(), Refund.objects.count(), Sale.objects.count()) == before

    assert f'id="review-{over.pk}"' not in page(admin)  # no longer open
    done = page(admin, "?status=followed_up")
    assert f'id="review-{over.pk}"' in done
    assert "njeri: Store refunded KES 120 too much; cashier retrained" in done
    assert "1 over" not in admin.get("/dashboard/").content.decode()

    again = admin.post(url, {"note": "twice"})
    assert again.status_code == 400
    assert "followed up already" in again.content.decode()
    over.refresh_from_db()
    assert over.follow_up_note == "Store refunded KES 120 too much; cashier retrained"
    refused = admin.post(f"{URL}{unchecked.pk}/follow-up/", {"note": "too early"})
    assert refused.status_code == 400
    assert "this one is unchecked" in refused.content.decode()
    unchecked.refresh_from_db()
    assert unchecked.followed_up_at is None
    assert admin.post(f"{URL}999999/follow-up/", {"note": "x"}).status_code == 404


def test_a_rejected_refund_offered_again_keeps_its_follow_up(world: dict[str, Any]) -> None:
    """The till offers a parked refund again later: head office refuses it again and
    updates its review row; the follow-up on it stays."""
    admin = world["admin"]
    rejected = world["review"]["rejected"]
    got = admin.post(f"{URL}{rejected.pk}/follow-up/", {"note": "customer paid it back"})
    assert got.status_code == 302
    assert _applied(world["two"].push(Client(), [world["docs"]["rejected"]])) == ["rejected"]
    rejected.refresh_from_db()
    assert rejected.status == RefundReview.Status.REJECTED
    assert rejected.follow_up_note == "customer paid it back"
    assert rejected.followed_up_at is not None
    assert RefundReview.objects.filter(event_id=rejected.event_id).count() == 1


def test_migration_0003_is_undone_and_redone_on_the_populated_database(
    world: dict[str, Any],
) -> None:
    count = RefundReview.objects.count()
    call_command("migrate", "hq_ledger", "0002", verbosity=0, interactive=False)
    call_command("migrate", "hq_ledger", verbosity=0, interactive=False)
    assert RefundReview.objects.count() == count
    assert not RefundReview.objects.exclude(followed_up_at=None).exists()  # dropped, then new
    assert User.objects.filter(username="njeri").exists()
