"""Composition root for refunds of another till's sale: the refund service's head-office
lookup (:data:`pos.services.refund_remote.SaleLookup`) over the sync agent's HTTP client.

The services know nothing of HTTP (``tests/test_layers.py``); this turns the client's
failures into the two the refund service words for the cashier: head office not reached
(or not answering sensibly) and head office refusing the question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pos.services.refund_remote import LookupRefused, LookupUnavailable, SaleLookup

if TYPE_CHECKING:
    from sync.agent.client import HeadOfficeClient


def sale_lookup(client: HeadOfficeClient) -> SaleLookup:
    """Ask head office through ``client`` (the enrolled till's, with its token)."""
    from sync.agent.client import SyncError, TransientError

    def ask(query: str) -> list[dict[str, Any]]:
        try:
            return client.sales_for_refund(query)
        except TransientError as exc:  # not reached, timed out, busy, a bad answer
            raise LookupUnavailable(str(exc)) from None
        except SyncError as exc:  # revoked, not enrolled, the question refused
            raise LookupRefused(str(exc)) from None

    return ask
