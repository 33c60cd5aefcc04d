"""What KRA holds under an invoice number, and whether it is the entry's own invoice.

``selectInvoiceDetails`` answers by number only. When the branch's counter is behind
KRA's (a restored backup, a key imported on a new computer, a head-office database
restore), a number can be one KRA already holds for *another* sale: taking that answer
as the entry's would give this sale another sale's signature and QR code and never
submit it. So every answer is compared with the entry's own request before it is
believed: the trader's receipt number (``trdInvcNo``), the receipt type (``rcptTyCd``)
and the total (``totAmt``), which KRA's ``salesList`` echoes (reference 4.1).

It goes through :meth:`OscuClient.call` (the client's own ``invoice_details`` returns
the signature alone, without what the comparison needs).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sync.etims.client import OscuClient
from sync.etims.models import Signature

log = logging.getLogger(__name__)

#: the fields compared, as KRA's ``salesList[0]`` and the request name them
COMPARED = ("trdInvcNo", "rcptTyCd", "totAmt")


@dataclass(frozen=True, slots=True)
class Held:
    """One invoice KRA holds: its signature and what identifies the sale."""

    invc_no: int
    signature: Signature
    sale: Mapping[str, Any]

    def differs(self, request: Mapping[str, Any]) -> list[str]:
        """The compared fields on which KRA's invoice is not ``request`` (empty: the
        same sale). A field KRA's answer leaves out is not compared (KRA's echo of the
        request is seen only through implementers: GUESS); when it leaves out all of
        them the answer is believed as before, with a warning in the log."""
        present = [name for name in COMPARED if self.sale.get(name) is not None]
        if not present:
            log.warning(
                "eTIMS: KRA's look-up of invoice %s names no %s: taken as it is",
                self.invc_no,
                "/".join(COMPARED),
            )
        return [n for n in present if not _same(n, self.sale.get(n), request.get(n))]


def look_up(client: OscuClient, invc_no: int, rcpt_ty_cd: str) -> Held | None:
    """What KRA holds under ``invc_no`` (None: nothing, 001). Raises
    :class:`~sync.etims.transport.TransportError` or :class:`EtimsRejected`, as
    :meth:`OscuClient.invoice_details` does."""
    found = client.invoice_record(invc_no, rcpt_ty_cd)
    return None if found is None else Held(invc_no, *found)


def _same(name: str, held: Any, ours: Any) -> bool:
    if ours is None:
        return False
    if name == "totAmt":
        try:
            return Decimal(str(held)) == Decimal(str(ours))
        except InvalidOperation:
            return False
    return str(held).strip() == str(ours).strip()
