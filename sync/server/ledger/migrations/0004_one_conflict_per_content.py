# ruff: noqa: RUF012  (Django migration attributes)
"""One ``EventConflict`` per event id and received content.

A till offers a refused event again every hour, and each offer used to add a row: the
rows already doubled are folded into the oldest one first, so the constraint can be made."""

from typing import Any

from django.db import migrations, models


def _fold_repeats(apps: Any, schema_editor: Any) -> None:
    conflict = apps.get_model("hq_ledger", "EventConflict")
    seen: set[tuple[Any, str]] = set()
    repeats = []
    for pk, event_id, received in conflict.objects.order_by("pk").values_list(
        "pk", "event_id", "received_hash"
    ):
        if (event_id, received) in seen:
            repeats.append(pk)
        seen.add((event_id, received))
    for start in range(0, len(repeats), 500):
        conflict.objects.filter(pk__in=repeats[start : start + 500]).delete()


class Migration(migrations.Migration):
    dependencies = [("hq_ledger", "0003_refund_review_follow_up")]

    operations = [
        migrations.RunPython(_fold_repeats, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="eventconflict",
            constraint=models.UniqueConstraint(
                fields=("event_id", "received_hash"), name="one_conflict_per_content"
            ),
        ),
    ]
