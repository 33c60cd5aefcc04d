# ruff: noqa: RUF012  (written as makemigrations would)
"""A device's KRA PIN and branch id are checked as the till's ``Branch`` checks them
(``validate_kra_pin``, ``validate_branch_id``). Validators only: Django's schema editor
runs no SQL for them (``sqlmigrate`` shows none), so no table is rebuilt; the migration
keeps ``makemigrations --check`` clean."""

from django.db import migrations, models

import sync.server.etims.models


class Migration(migrations.Migration):
    dependencies = [
        ("hq_etims", "0008_chain_upgrade_marker"),
    ]

    operations = [
        migrations.AlterField(
            model_name="branchdevice",
            name="bhf_id",
            field=models.CharField(
                max_length=2, validators=[sync.server.etims.models.validate_branch_id]
            ),
        ),
        migrations.AlterField(
            model_name="branchdevice",
            name="tin",
            field=models.CharField(
                max_length=11, validators=[sync.server.etims.models.validate_kra_pin]
            ),
        ),
    ]
