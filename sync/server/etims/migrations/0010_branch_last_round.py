# ruff: noqa: RUF012  (written as makemigrations would)
"""A branch device keeps its worker's last round: when it ended and why it stopped early
(the dashboard shows the link to KRA)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0009_branch_identity_checked"),
    ]

    operations = [
        migrations.AddField(
            model_name="branchdevice",
            name="last_round_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="branchdevice",
            name="last_stopped",
            field=models.CharField(blank=True, default="", max_length=500),
        ),
    ]
