# ruff: noqa: RUF012  (written as makemigrations would)
"""A branch's chain checkpoint keeps when every row was last checked (the worker's daily
full check finds an older signature deleted)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0011_no_credit_results"),
    ]

    operations = [
        migrations.AddField(
            model_name="chaincheckpoint",
            name="full_checked_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
