"""What the client sends KRA is pinned byte for byte, so a faster build cannot change it.

A fixed set of sales and credit notes (made by the till's own domain and builders: every
VAT class and tender, line and order discounts, customer PINs, names with quotes,
backslashes, control characters and non-ASCII letters, times either side of Nairobi's
midnight) is built under every amount, line-tax and rate setting, and sent by a real
:class:`OscuClient` over real HTTP to a recording server on 127.0.0.1. For each case two
digests were taken with the code of commit 1d051d2 (before the build was made faster)
and are kept in ``invoice_golden.json``; rewritten on purpose once since, when a sale's
``salesDt`` became the Nairobi day of the sale (30947b3: the cases closed after Nairobi's
midnight changed, and with that code put back the old file passed whole):

* the ``repr`` of the invoice dict :func:`sale_invoice` / :func:`credit_note` returns
  (keys in order, every ``Decimal`` with its exponent), which the queue stores;
* the exact bytes of the POST body the server received.

Sales are read as the submitter reads them (:func:`parse_sale`: the protocol's quick check
for a plain sale, the full parser otherwise), and again through the full parser alone:
both must give the golden invoices, and the plain path must have been taken for many.

``encode`` is also held to the json module's output (the code it replaced) for bodies
of any shape: any text, large and small amounts, floats read back from a stored request.

Regenerate the golden file only on purpose, from a tree whose output is known good:
``python -m tests.etims.test_invoice_bytes --write``.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import random
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pos.domain.errors import DomainError
from sync.etims.client import OscuClient, encode
from sync.etims.mapping import PlainSale, Registrar, credit_note, parse_sale, sale_invoice
from sync.etims.queue import _Header
from sync.etims.settings import AmountConvention, Branch, EtimsSettings, LineTax, RateStyle
from sync.protocol.fields import Fields
from sync.protocol.refunds import RefundCompleted
from sync.protocol.sales import SaleBody
from tests.etims.docs import PRODUCTS, items, refund_body, sale_body

GOLDEN = Path(__file__).with_name("invoice_golden.json")
RATES = {"A": Decimal(0), "B": Decimal(16), "C": Decimal(0), "D": Decimal(0), "E": Decimal(8)}
WHO = Registrar("golden-user-with-a-long-id-0001", "Golden \u00c9tims Registrar")
PIN = "P051234567X"
BRANCH = Branch(PIN, "01", "KAUNTA/GOLDEN/1")
NAMES = [
    None,
    None,
    'Chai "Kenya" 250g',
    "Unga\\Flour 2kg",
    "Cr\u00e8me br\u00fbl\u00e9e",
    "Maji\n500ml\ttab",
    "Sukari\u007f1kg",
    "\u0645\u0627\u0621 water",
    "Emoji \U0001f964 soda",
    "x" * 230,
]
CUSTOMERS = [None, None, None, ("A000123456F", "Wanjiku Kamau"), ("P051234567X", "Zo\u00eb A.")]
AT = [
    datetime(2026, 3, 2, 7, 30, tzinfo=UTC),
    datetime(2026, 3, 2, 20, 59, tzinfo=UTC),  # 23:59 in Nairobi
    datetime(2026, 3, 2, 21, 0, 30, tzinfo=UTC),  # the next day in Nairobi
    datetime(2026, 12, 31, 23, 30, tzinfo=UTC),
]


def all_settings() -> list[EtimsSettings]:
    out = []
    for convention in AmountConvention:
        for line_tax in LineTax:
            for style in RateStyle:
                for as_string in (False, True):
                    out.append(
                        EtimsSettings(
                            base_url="http://127.0.0.1:9/",
                            amount_convention=convention,
                            line_tax=line_tax,
                            rate_style=style,
                            invoice_number_as_string=as_string,
                            send_credentials_in_body=as_string and style is RateStyle.USED,
                        )
                    )
    return out


def _parse_sale(body: dict[str, Any]) -> SaleBody:
    return SaleBody.parse(Fields(body, "body"), _Header(body), min_lines=1)


def _parse_refund(body: dict[str, Any]) -> RefundCompleted:
    return RefundCompleted.parse(Fields(body, "body"), _Header(body))


def cases(full: bool = False) -> Iterator[tuple[str, EtimsSettings, dict[str, Any]]]:
    """(name, settings, invoice) for every case, deterministic; sales read as the
    submitter reads them, or (``full``) by the full parser alone."""
    rnd = random.Random(20261207)
    configs = all_settings()
    skus = sorted(PRODUCTS)
    made = 0
    attempt = 0
    while made < 160:
        attempt += 1
        lines = [
            (rnd.choice(skus), rnd.choice([1, 1, 2, 3, 7, 12, 40, 999]))
            for _ in range(rnd.randint(1, 8))
        ]
        customer = rnd.choice(CUSTOMERS)
        try:
            body = sale_body(
                lines,
                tender=rnd.choice(["cash", "mpesa", "card", "paypal"]),
                at=rnd.choice(AT),
                line_discount=rnd.choice([None, None, "5", "12.5", "33", "100"]),
                order_discount=rnd.choice([None, None, "1", "7.77", "250"]),
                customer=customer,
            )
        except DomainError:  # a discount beyond what is left: the till refuses it too
            continue
        body["receipt_number"] = f"DEMO-T1-{attempt:06d}"
        for line in body["lines"]:
            name = rnd.choice(NAMES)
            if name is not None:
                line["name"] = name[:200]
            if rnd.random() < 0.3:
                line["barcode"] = "6161234567891"
        cfg = configs[made % len(configs)]
        sale = _parse_sale(body) if full else parse_sale(body, _Header(body))
        PLAIN[f"sale-{made:03d}"] = isinstance(sale, PlainSale)
        number = rnd.choice([1, 2, 9, 10, 99, 1000, 123456])
        invoice = sale_invoice(
            sale, invc_no=number, items=items(), rates=RATES, settings=cfg, registrar=WHO
        )
        yield f"sale-{made:03d}", cfg, invoice
        if made % 8 == 0:
            take = [(0, 1)]
            at = body_time(body) + timedelta(hours=rnd.choice([1, 30]))
            refund = refund_body(body, take, reason_code=rnd.choice(["damaged", "other"]), at=at)
            refund["receipt_number"] = f"DEMO-T1-{900000 + attempt:06d}"
            note = credit_note(
                _parse_refund(refund),
                invc_no=number + 1,
                org_invc_no=number,
                original_customer_pin=None if customer is None else customer[0],
                items=items(),
                rates=RATES,
                settings=cfg,
                registrar=WHO,
            )
            yield f"credit-{made:03d}", cfg, note
        made += 1


#: case name -> whether the submitter's reading took the plain path (set by cases())
PLAIN: dict[str, bool] = {}


def body_time(body: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(body["closed_at"]).astimezone(UTC)


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Keeps each POST body as received, answers a well-formed refusal-free envelope."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the reply's two writes go at once
    bodies: ClassVar[list[bytes]] = []

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.bodies.append(self.rfile.read(length))
        reply = b'{"resultCd":"000","resultMsg":"ok","resultDt":"20260302103000","data":null}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Secrets:
    def get(self, name: str) -> str | None:
        return "GOLDENKEY0123456789"

    def set(self, name: str, value: str) -> None:
        raise AssertionError("no key is stored here")


def digests(full: bool = False) -> dict[str, list[str]]:
    """Per case: sha256 of the invoice's repr, sha256 of the bytes the server got."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    clients: dict[bool, OscuClient] = {}
    out: dict[str, list[str]] = {}
    try:
        for name, cfg, invoice in cases(full):
            in_body = cfg.send_credentials_in_body
            if in_body not in clients:
                sent = EtimsSettings(base_url=base, send_credentials_in_body=in_body)
                clients[in_body] = OscuClient(BRANCH, sent, _Secrets())
            _Recorder.bodies.clear()
            clients[in_body].submit(invoice)
            [sent_bytes] = _Recorder.bodies
            out[name] = [
                hashlib.sha256(repr(invoice).encode("utf-8")).hexdigest(),
                hashlib.sha256(sent_bytes).hexdigest(),
            ]
    finally:
        server.shutdown()
        server.server_close()
    return out


@pytest.mark.parametrize("full", [False, True], ids=["as-submitted", "full-parser"])
def test_every_built_invoice_and_every_byte_sent_are_as_before(full: bool) -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = digests(full)
    assert len(now) == len(golden) > 150
    changed = [name for name in golden if now.get(name) != golden[name]]
    assert not changed, f"{len(changed)} cases differ, first {changed[:5]}"
    plain = sum(PLAIN.values())
    if full:
        assert plain == 0
    else:  # the quick path served the plain sales, the full parser the others
        assert 15 < plain < len(PLAIN), plain  # (most cases have a discount)


def test_the_cases_cover_what_the_encoder_must_escape() -> None:
    """The golden set is only as good as its cases: it holds the awkward ones."""
    sent = [encode(invoice) for _, _, invoice in cases()]
    joined = b"\n".join(sent)
    for needle in (b'\\"', b"\\\\", b"\\n", b"\\t", b"\\u007f", b"\\u00e8", b"\\ud83e"):
        assert needle in joined, needle
    assert any(b'"invcNo":"' in s for s in sent)
    assert any(b'"invcNo":1' in s for s in sent)
    assert any(b'"rcptTyCd":"R"' in s for s in sent)


# -- encode against the json module, for any body ------------------------------------------


def reference_encode(body: Any) -> bytes:
    """The encoder as it was (json module, Decimal as float, compact separators)."""

    def default(value: object) -> object:
        if isinstance(value, Decimal):
            return float(value)
        raise TypeError(f"{type(value).__name__} cannot go on the wire")

    return json.dumps(body, default=default, separators=(",", ":")).encode("utf-8")


amounts = st.integers(-(10**13), 10**13).map(lambda c: Decimal(c).scaleb(-2))
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.text()
    | amounts
    | st.decimals(allow_nan=False, allow_infinity=False, places=4, max_value=10**9)
    | st.floats(allow_nan=False, allow_infinity=False)
)
bodies = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(), bodies, max_size=8))
def test_encode_matches_the_json_module_for_any_body(body: dict[str, Any]) -> None:
    assert encode(body) == reference_encode(body)


@pytest.mark.parametrize(
    "value",
    [
        float("nan"),
        float("inf"),
        -0.0,
        1e16,
        1e-5,
        123456789012.34,
        Decimal("NaN"),
        Decimal("1E+20"),
        Decimal("-0.00"),
        2**64,
        {1: "int key"},
        {"a\ud800b": "lone surrogate"},
        "lone \udfff surrogate",
        ["\x00\x1f\x7f\x80\u2028"],
    ],
)
def test_encode_matches_the_json_module_at_the_edges(value: Any) -> None:
    body = {"v": value, "ok": Decimal("58.00")}
    assert encode(body) == reference_encode(body)


def test_a_stored_request_read_back_encodes_to_the_same_bytes() -> None:
    """The queue stores ``encode(request)`` and resends it as JSON read back (floats)."""
    for _, _, invoice in cases():
        first = encode(invoice)
        assert encode(json.loads(first)) == first


def test_encode_still_refuses_what_cannot_go_on_the_wire() -> None:
    with pytest.raises(TypeError, match="datetime cannot go on the wire"):
        encode({"at": datetime(2026, 1, 1, tzinfo=UTC)})


if __name__ == "__main__" and "--write" in sys.argv:
    GOLDEN.write_text(json.dumps(digests(), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {GOLDEN}")
