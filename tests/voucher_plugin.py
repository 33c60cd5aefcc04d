"""The docs' worked third-party payment method (docs/payments.md), installable in tests.

``install(folder)`` lays it out as pip would (a module plus its ``.dist-info`` with the
``kaunta.payment_methods`` entry points) and puts the folder on ``sys.path``, so Kaunta
finds it through the entry-point group alone.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pos.payments.registry import ENTRY_POINT_GROUP

PLUGIN = '''
"""An example gateway: vouchers, paid in full the moment they are redeemed."""
from pos.payments.base import (
    AttemptState, Capability, PaymentMethod, PaymentResult,
)


class VoucherMethod(PaymentMethod):
    code = "voucher"
    label = "Gift voucher"
    capabilities = frozenset({Capability.IMMEDIATE})

    def __init__(self, currency):
        self.currencies = frozenset({currency})

    def start(self, request):
        return PaymentResult(AttemptState.CAPTURED, "ok", "Voucher redeemed.",
                             gateway_ref="V-" + request.attempt_id[:8],
                             captured=request.amount)

    def status(self, ref):
        return PaymentResult(AttemptState.CAPTURED, "ok", "Voucher redeemed.",
                             captured=ref.amount)


def create(context):
    return VoucherMethod(context.currency)


def broken(context):
    raise RuntimeError("this plug-in is broken")
'''


@contextmanager
def installed(folder: Path, *, broken_ones: bool = True) -> Iterator[Path]:
    """The plug-in installed under ``folder`` for the duration of the block."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kaunta_voucher.py").write_text(PLUGIN, encoding="utf-8")
    info = folder / "kaunta_voucher-1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: kaunta-voucher\nVersion: 1.0\n", encoding="utf-8"
    )
    extra = (
        "notamethod = kaunta_voucher:broken\nmissing = kaunta_voucher_nowhere:create\n"
        if broken_ones
        else ""
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(f"[{ENTRY_POINT_GROUP}]\nvoucher = kaunta_voucher:create\n{extra}"),
        encoding="utf-8",
    )
    sys.path.insert(0, str(folder))
    try:
        yield folder
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("kaunta_voucher", None)
