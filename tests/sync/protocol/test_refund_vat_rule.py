"""A refund's VAT row may be one minor unit off the house rule on its own gross (the
till's cumulative rule closes a sale refunded in parts exactly), never more, and is exactly
zero in a zero-rated class; a sale's VAT rows keep the exact rule."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from sync.protocol import ProtocolError, content_hash, parse_event

Document = dict[str, Any]


def rehash(doc: Document) -> Document:
    doc["hash"] = content_hash(doc["body"])
    return doc


def shift_vat(doc: Document, by: int, row: int = 0, line: int = 0) -> Document:
    """Move ``by`` minor units of VAT into net (or back) in one class, its line and the
    document's VAT total, keeping every sum self-consistent."""
    body = doc["body"]
    body["vat"][row]["vat"]["minor"] += by
    body["vat"][row]["net"]["minor"] -= by
    body["lines"][line]["vat"]["minor"] += by
    body["lines"][line]["net"]["minor"] -= by
    body["vat_total"]["minor"] += by
    return rehash(doc)


@pytest.mark.parametrize("by", [-1, 1])
def test_a_refund_vat_one_cent_off_its_own_rule_is_accepted(kit: ModuleType, by: int) -> None:
    body: Any = parse_event(shift_vat(kit.refund_document(), by)).body
    assert body.vat[0].vat.minor == 2083 + by


@pytest.mark.parametrize("by", [-2, 2])
def test_a_refund_vat_two_cents_off_is_refused(kit: ModuleType, by: int) -> None:
    with pytest.raises(ProtocolError, match="a refund may differ by 1") as excinfo:
        parse_event(shift_vat(kit.refund_document(), by))
    assert excinfo.value.field == "body.vat[0].vat"


def test_a_refund_in_a_zero_rated_class_has_no_vat_at_all(kit: ModuleType) -> None:
    with pytest.raises(ProtocolError, match="vat"):
        parse_event(shift_vat(kit.refund_document(), 1, row=1, line=1))


def test_a_sale_vat_keeps_the_exact_rule(kit: ModuleType) -> None:
    doc = kit.completed_document()
    row = doc["body"]["totals"]["vat"][0]
    row["vat"]["minor"] += 1
    row["net"]["minor"] -= 1
    with pytest.raises(ProtocolError, match="inside"):
        parse_event(rehash(doc))
