# ruff: noqa: RUF012  (Django migration attributes)
"""The sale ledger's references checked per statement by triggers instead of per-row
foreign keys, and its five sale tables append-only (``sync.server.ledger.integrity``).

Reversible: going back drops the triggers and the foreign keys come back."""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models


def _install(apps: Any, schema_editor: Any) -> None:
    from sync.server.ledger.integrity import install

    install(schema_editor.connection)


def _drop(apps: Any, schema_editor: Any) -> None:
    from sync.server.ledger.integrity import drop

    drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("hq_ledger", "0004_one_conflict_per_content"),
        ("hq_terminals", "0002_throttle_cache"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ledgerevent",
            name="store",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="hq_terminals.store",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerevent",
            name="terminal",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="hq_terminals.terminal",
            ),
        ),
        migrations.AlterField(
            model_name="sale",
            name="event",
            field=models.OneToOneField(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                to="hq_ledger.ledgerevent",
            ),
        ),
        migrations.AlterField(
            model_name="sale",
            name="store",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="hq_terminals.store",
            ),
        ),
        migrations.AlterField(
            model_name="saleline",
            name="sale",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="lines",
                to="hq_ledger.sale",
            ),
        ),
        migrations.AlterField(
            model_name="salepayment",
            name="sale",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="payments",
                to="hq_ledger.sale",
            ),
        ),
        migrations.AlterField(
            model_name="salevat",
            name="sale",
            field=models.ForeignKey(
                db_constraint=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="vat",
                to="hq_ledger.sale",
            ),
        ),
        migrations.RunPython(_install, _drop, elidable=False),
    ]
