# ruff: noqa: RUF012  (written as makemigrations would)
"""Refunds settled without a credit note before they got a results number: each gets the
branch's next one now, in queue order, so the tills that made them learn it at their next
pull (``no_credit``) and stop printing them as "not yet a tax invoice". Data only; going
back leaves the numbers (a results number is never taken back: a till may have it)."""

from __future__ import annotations

from typing import Any

from django.db import migrations

NO_CREDIT_NOTE = "no_credit"  # sync.etims.queue.EntryState.NO_CREDIT_NOTE, as stored


def number_settled_refunds(apps: Any, schema_editor: Any) -> None:
    device_model = apps.get_model("hq_etims", "BranchDevice")
    entry_model = apps.get_model("hq_etims", "QueueEntry")
    unnumbered = entry_model.objects.filter(state=NO_CREDIT_NOTE, result_seq__isnull=True)
    for branch_id in sorted(set(unnumbered.values_list("branch_id", flat=True))):
        # the branch row's lock, as every results number is taken (the worker may run)
        device = device_model.objects.select_for_update().get(pk=branch_id)
        rows = list(unnumbered.filter(branch_id=branch_id).order_by("id"))
        for row in rows:
            device.last_result_seq += 1
            row.result_seq = device.last_result_seq
        entry_model.objects.bulk_update(rows, ["result_seq"], batch_size=500)
        device_model.objects.filter(pk=branch_id).update(last_result_seq=device.last_result_seq)


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0010_branch_last_round"),
    ]

    operations = [
        migrations.RunPython(number_settled_refunds, migrations.RunPython.noop),
    ]
