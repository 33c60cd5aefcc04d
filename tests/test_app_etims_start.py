"""The till's eTIMS worker waits before its first round (``start_etims(start_delay_s=)``).

At start-up the window and the first login come first: the worker's first round (its
queue file, KRA's code lists, the catalogue's registration, all in this interpreter in
training) waits out ``start_delay_s``, unless a sale is completed (``wake``) or the till
stops first. Real simulator on 127.0.0.1, real queue file.
"""

from __future__ import annotations

import threading
from pathlib import Path
from types import SimpleNamespace

from pos.etims_link import TrainingEtims, start_etims
from pos.services.etims import EtimsPhase, EtimsView
from pos.services.terminal import Terminal

WAIT_S = 60.0  # the longest a loaded machine may take; never a measured figure


def _phases(terminal: Terminal) -> tuple[threading.Condition, list[EtimsView]]:
    seen: list[EtimsView] = []
    cond = threading.Condition()

    def news(view: EtimsView) -> None:
        with cond:
            seen.append(view)
            cond.notify_all()

    terminal.etims.subscribe(news)
    return cond, seen


def test_the_first_round_waits_until_a_sale_wakes_the_worker(
    terminal: Terminal, tmp_path: Path
) -> None:
    config = SimpleNamespace(training=True, database_path=tmp_path / "kaunta.sqlite")
    cond, seen = _phases(terminal)
    started = start_etims(config, terminal, start_delay_s=600.0)
    assert isinstance(started, TrainingEtims)
    queue_file = tmp_path / "etims-training.sqlite"
    try:
        assert terminal.etims.view().phase is EtimsPhase.STARTING  # the screens say so
        assert not queue_file.exists()  # nothing opened, nothing asked of KRA yet
        assert started.link.rounds == 0
        started.link.wake()  # what a completed sale does
        with cond:
            assert cond.wait_for(lambda: started.link.rounds >= 1, WAIT_S), seen[-1:]
        assert queue_file.exists()
        assert any(v.phase is EtimsPhase.ONLINE for v in seen), seen
    finally:
        started.stop()
    assert started.link._thread is not None
    assert not started.link._thread.is_alive()


def test_stopping_during_the_wait_ends_the_worker_without_a_round(
    terminal: Terminal, tmp_path: Path
) -> None:
    config = SimpleNamespace(training=True, database_path=tmp_path / "kaunta.sqlite")
    started = start_etims(config, terminal, start_delay_s=600.0)
    assert isinstance(started, TrainingEtims)
    started.stop()  # joins the worker (5 s at most): the 600 s wait is cut short
    assert started.link._thread is not None
    assert not started.link._thread.is_alive()
    assert started.link.rounds == 0
    assert not (tmp_path / "etims-training.sqlite").exists()
