"""Nothing made in training mode is submitted to KRA as real: the submission queue refuses
a training sale before it takes a number (the real eTIMS sandbox on 127.0.0.1)."""

from __future__ import annotations

import pytest

from pos.services.training import TrainingNotReal
from sync.etims.queue import Submitter
from sync.etims.queue_sqlite import SqliteQueue
from tests.etims.docs import sale_body


def test_the_etims_queue_refuses_a_training_sale_before_numbering_it(
    submitter: tuple[Submitter, SqliteQueue],
) -> None:
    sub, queue = submitter
    body = sale_body([("SODA-500", 1)])
    with pytest.raises(TrainingNotReal, match="never submitted to KRA"):
        sub.enqueue_sale(body, training=True)
    with pytest.raises(TrainingNotReal, match="training mode"):
        sub.enqueue_sale({**body, "training": True})
    assert queue.head(sub.branch) is None  # nothing queued, no number taken
    assert sub.enqueue_sale(body) == 1  # a live sale still goes
