# ruff: noqa: RUF012  (written as makemigrations would)
"""The keyed signed-invoice chain's records: the worker's checkpoint of its incremental
check per branch (and a break found, kept until fixed), and the one-time re-chaining of
chains written unkeyed before the key (who, when, how many; refused when the old chain
did not hold). New tables only: no rebuild of the signed tables, their triggers stay.
The re-chaining itself needs the key from the environment, so it runs at worker start
(``tasks.check_chains``) or from ``kaunta-hq etims verify --upgrade``, not here."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0006_queue_made_at"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainCheckpoint",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("last_id", models.BigIntegerField(default=0)),
                ("last_hash", models.CharField(default="", max_length=64)),
                ("broken_invc_no", models.BigIntegerField(blank=True, null=True)),
                ("checked_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "branch",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="chain",
                        to="hq_etims.branchdevice",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="ChainUpgrade",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("rows", models.IntegerField()),
                ("refused", models.BooleanField(default=False)),
                ("by", models.CharField(max_length=150)),
                ("at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "branch",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="hq_etims.branchdevice",
                    ),
                ),
            ],
        ),
    ]
