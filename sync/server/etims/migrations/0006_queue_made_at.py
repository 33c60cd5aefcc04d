# ruff: noqa: RUF012  (written as makemigrations would)
"""``QueueEntry.made_at``: when the till made the sale or refund, from which the queue's
age and its alert count (not its arrival at head office). Nullable, so SQLite adds the
column in place (no table rebuild: the immutability triggers of 0005 stay); entries
queued before it count from their arrival (``QueueEntry.made``)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("hq_etims", "0005_signed_immutable")]

    operations = [
        migrations.AddField(
            model_name="queueentry",
            name="made_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
