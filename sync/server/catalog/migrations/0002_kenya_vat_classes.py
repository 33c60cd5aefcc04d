"""Kenya's VAT classes as the till knows them (pos.domain.tax.KENYA_VAT): S 16 %, Z 0 %,
E exempt. Head office may add others; these are only created when missing."""

from __future__ import annotations

from typing import Any

from django.db import migrations

CLASSES = (
    ("S", "VAT 16%", "16", False),
    ("Z", "Zero-rated", "0", False),
    ("E", "Exempt", "0", True),
)


def seed(apps: Any, schema_editor: Any) -> None:
    vat_class = apps.get_model("hq_catalog", "VatClass")
    for code, name, rate, exempt in CLASSES:
        vat_class.objects.get_or_create(
            code=code, defaults={"name": name, "rate": rate, "exempt": exempt}
        )


class Migration(migrations.Migration):
    dependencies = (("hq_catalog", "0001_initial"),)
    operations = (migrations.RunPython(seed, migrations.RunPython.noop),)
