"""The manager's eTIMS queue screen shows the library's reasons in the screens' language
and the whole reason, in English and Kiswahili: the reason column wraps instead of
cutting the text off (the Kiswahili headers and states are longer). The view is the one
the worker publishes (:class:`pos.services.etims.EtimsView`), built here with the
reasons the OSCU client writes."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from pos.services.etims import EtimsPhase, EtimsView, QueueRow
from pos.ui import i18n
from pos.ui.etims_queue import EtimsQueueDialog, reason_text
from sync.etims import words

if TYPE_CHECKING:
    from conftest import MakeTill

NOW = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
LONG_KRA = (
    "910 Request parameter error: the item classification code of line 3 is not in the "
    "classification list fetched for this branch, check the product's KRA item class"
)
REASONS = (
    words.REFUSED,
    f"{words.UNREADABLE}: HTTP 502, text/html",
    LONG_KRA,
    f"{words.SETUP}: {words.NO_ANSWER}",
)


@pytest.fixture
def swahili() -> Iterator[None]:
    i18n.set_language("sw")
    yield
    i18n.set_language("en")


def _view() -> EtimsView:
    rows = tuple(
        QueueRow(
            receipt_number=f"DEMO-T1-00000{i + 1}",
            kind="sale",
            state=("waiting", "in_doubt", "parked", "waiting")[i],
            invc_no=None if i != 1 else 7,
            enqueued_at=NOW - timedelta(hours=3 + i),
            reason=reason,
            attempts=i + 1,
            position=i + 1,
        )
        for i, reason in enumerate(REASONS)
    )
    return EtimsView(
        phase=EtimsPhase.OFFLINE,
        reason=f"{words.SETUP}: {words.REFUSED}",
        waiting=2,
        in_doubt=1,
        parked=1,
        oldest_unsigned=NOW - timedelta(hours=6),
        rows=rows,
    )


def test_a_reason_is_translated_part_by_part_and_kras_words_stay(swahili: None) -> None:
    said = reason_text(f"{words.SETUP}: {words.NO_ANSWER}")
    assert said == f"{i18n.text(words.SETUP)}: {i18n.text(words.NO_ANSWER)}"
    assert reason_text(LONG_KRA) == LONG_KRA  # KRA's words as KRA wrote them
    found = "branch P051234567X-00, invoice 1: its signature is not the one KRA gave"
    # a known text holding ": " itself is translated whole, what follows stays
    assert reason_text(f"{words.TAMPERED}: {found}") == f"{i18n.text(words.TAMPERED)}: {found}"
    assert reason_text(f"{words.UNREADABLE}: HTTP 502, text/html").endswith(": HTTP 502, text/html")


@pytest.mark.parametrize("language", ["en", "sw"])
def test_the_queue_screen_shows_every_reason_whole(
    make_till: MakeTill, language: str, tmp_path: Path
) -> None:
    till = make_till()
    i18n.set_language(language)
    try:
        till.terminal.etims.publish(_view())
        dialog = EtimsQueueDialog(till.window, till.window.actions_, clock=lambda: NOW)
        dialog.resize(1024, 600)
        dialog.show()
        till.qtbot.waitExposed(dialog)
        shots = os.environ.get("KAUNTA_SHOTS_DIR")
        dialog.grab().save(str(Path(shots or tmp_path) / f"etims-queue-reasons-{language}.png"))
        assert dialog.summary.text().endswith(
            dialog.tr("Now: {reason}").format(reason=reason_text(_view().reason))
        )  # why the worker is offline is said too
        table = dialog.table
        last = table.columnCount() - 1
        for row, reason in enumerate(REASONS):
            item = table.item(row, last)
            assert item is not None
            assert item.text() == reason_text(reason)
            # the whole reason fits its cell: wrapped over lines, never cut off
            rect = table.visualItemRect(item)
            needed = table.fontMetrics().boundingRect(
                rect.adjusted(4, 0, -4, 0), int(item.textAlignment()) | 0x1000, item.text()
            )  # 0x1000: Qt.TextWordWrap
            assert needed.height() <= rect.height(), (language, row, needed, rect)
            assert rect.right() <= table.viewport().width()
        dialog.close()
    finally:
        i18n.set_language("en")
