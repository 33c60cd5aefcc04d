"""VAT classes become versioned (like products and staff) and may be deactivated.

Every existing class gets a new version from the one change counter, above every version
handed out so far, so a till that already pulled the whole catalog still gets each class
once as a ``vat_class`` change after its cursor. Runs the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import django.core.validators
from django.db import migrations, models


def give_versions(apps: Any, schema_editor: Any) -> None:
    counter_model = apps.get_model("hq_catalog", "ChangeCounter")
    vat_class = apps.get_model("hq_catalog", "VatClass")
    counter, _ = counter_model.objects.get_or_create(pk=1)
    counter = counter_model.objects.select_for_update().get(pk=1)
    for row in vat_class.objects.order_by("code"):
        counter.last += 1
        row.version = counter.last
        row.save(update_fields=["version"])
    counter.save(update_fields=["last"])


class Migration(migrations.Migration):
    dependencies = (("hq_catalog", "0004_product_kra_item_class"),)

    operations = (
        migrations.AddField(
            model_name="vatclass",
            name="version",
            field=models.BigIntegerField(db_index=True, default=0, editable=False),
        ),
        migrations.AddField(
            model_name="vatclass",
            name="active",
            field=models.BooleanField(
                default=True, help_text="Inactive: kept for the products and sales that name it."
            ),
        ),
        migrations.AlterField(
            model_name="vatclass",
            name="rate",
            field=models.CharField(
                help_text="Percent, 0 to 100 (16 for 16 %); 0 when exempt.",
                max_length=12,
                validators=[
                    django.core.validators.RegexValidator(
                        "^\\d{1,3}(\\.\\d{1,4})?$", "a percentage such as 16 or 8.5"
                    )
                ],
            ),
        ),
        migrations.RunPython(give_versions, migrations.RunPython.noop),
    )
