# ruff: noqa: RUF012  (written as makemigrations would)
"""The one-time chain upgrade's record may name no branch: the row that marks the step as
run for the whole head office (written even when there was no branch to upgrade). Only the
records' table is altered: the signed tables and their triggers are not rebuilt."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0007_signed_chain_keyed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="chainupgrade",
            name="branch",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="hq_etims.branchdevice",
            ),
        ),
    ]
