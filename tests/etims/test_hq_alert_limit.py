"""An enrolled till's eTIMS age alert uses head office's limit when the till sets none of
its own (no ``[etims]`` section: most enrolled tills): the limit comes with each results
answer's ``held``, so the till alerts when the dashboard does (review r14d: it stayed at
24 h). A till that sets ``[etims] max_queue_age_hours`` keeps its own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pos.etims_results import HeadOfficeEtims
from pos.services.etims import EtimsService, EtimsView
from sync.agent.etims_results import EtimsResult, HeldAtHeadOffice

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def _view_after(tmp_path: Path, own: timedelta | None, sent: timedelta | None) -> EtimsView:
    tmp_path.mkdir(parents=True, exist_ok=True)
    service = EtimsService()
    copy = HeadOfficeEtims(tmp_path / "etims-headoffice.sqlite", service, alert_after=own)
    try:
        copy.held(HeldAtHeadOffice(1, T0, sent))  # a sale head office holds since T0
        return service.view()
    finally:
        copy.close()


def test_head_offices_limit_when_the_till_sets_none(tmp_path: Path) -> None:
    view = _view_after(tmp_path, None, timedelta(hours=6))
    assert view.alert_after == timedelta(hours=6)
    assert view.alert(T0 + timedelta(hours=7))


def test_the_tills_own_limit_wins_and_24_h_without_either(tmp_path: Path) -> None:
    own = _view_after(tmp_path / "own", timedelta(hours=2), timedelta(hours=6))
    assert own.alert_after == timedelta(hours=2)
    neither = _view_after(tmp_path / "neither", None, None)
    assert neither.alert_after == timedelta(hours=24)


def test_a_refused_sale_is_aged_from_when_it_was_made(tmp_path: Path) -> None:
    """Head office's refusal of a sale made 20 h ago reaches the till now: its age is the
    sale's (``made_at`` with the result), so the alert comes when the dashboard's does,
    not 20 h later (review r14d)."""
    service = EtimsService()
    copy = HeadOfficeEtims(tmp_path / "etims-headoffice.sqlite", service)
    made = T0 - timedelta(hours=20)
    try:
        copy.apply(
            EtimsResult(
                seq=1,
                doc_id="sale-1",
                kind="sale",
                state="parked",
                receipt_number="DEMO-T1-000001",
                branch="P051234567X-00",
                invc_no=None,
                org_invc_no=None,
                reason="910: bad",
                signature=None,
                device=None,
                verify_host="https://etims.example",
                made_at=made,
            )
        )
        view = service.view()
        assert view.oldest_unsigned == made
        assert view.alert(T0 + timedelta(hours=5))  # 25 h after the sale
    finally:
        copy.close()
