"""The status line of a till enrolled at a head office: quiet while head office submits,
a warning once a sale is older than the age limit without KRA's signature (not pushed to
head office yet, or not signed there), and refusals counted. The view is what
``pos.etims_results.HeadOfficeEtims.publish`` makes (tests/etims/test_hq_results_offline.py
checks that side)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from pos.services.etims import EtimsPhase, EtimsService, EtimsView
from pos.ui.etims_queue import EtimsStatusLine

NOW = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def _line(qtbot: QtBot, view: EtimsView) -> EtimsStatusLine:
    owner = QWidget()
    qtbot.addWidget(owner)
    service = EtimsService()
    service.publish(view)
    return EtimsStatusLine(owner, service, clock=lambda: NOW)


def test_an_enrolled_till_is_quiet_while_its_sales_are_young(qtbot: QtBot) -> None:
    view = EtimsView(
        phase=EtimsPhase.HEAD_OFFICE, waiting=2, oldest_unsigned=NOW - timedelta(hours=3)
    )
    kind, text = _line(qtbot, view).describe(view, NOW)
    assert kind == "quiet"
    assert "submitted to KRA by head office" in text
    assert "come back with the sync link" in text


def test_an_enrolled_till_warns_of_a_sale_older_than_the_limit(qtbot: QtBot) -> None:
    view = EtimsView(
        phase=EtimsPhase.HEAD_OFFICE, waiting=3, oldest_unsigned=NOW - timedelta(hours=25)
    )
    kind, text = _line(qtbot, view).describe(view, NOW)
    assert kind == "warning"
    assert "not yet submitted to KRA: 3" in text
    assert "more than 24 h" in text
    assert "Tell the manager" in text


def test_an_enrolled_till_shows_refusals_head_office_reported(qtbot: QtBot) -> None:
    view = EtimsView(phase=EtimsPhase.HEAD_OFFICE, parked=1)
    kind, text = _line(qtbot, view).describe(view, NOW)
    assert (kind, "1 refused by KRA" in text) == ("warning", True)
