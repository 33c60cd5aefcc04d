"""The sandbox's table of error issues is PayPal's own, operation by operation.

``pos/payments/paypal/sandbox/issues.py`` is generated from the OpenAPI files beside these
tests; this module derives the same table again and fails on any drift (an issue missing,
a wrong HTTP status, a changed text). Regenerate the table after replacing the specs:

    python tests/payments/paypal/test_paypal_sandbox_issues.py > OUT  # then ruff format OUT

with ``OUT`` = ``pos/payments/paypal/sandbox/issues.py``.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

SPEC_DIR = Path(__file__).resolve().parent / "openapi"
SPEC_COMMIT = "ec4d8f36a6ab0abcc3865e1072aaddc85ea14d5c"

#: The operations the sandbox serves: operationId → (spec file, method, path).
SERVED: dict[str, tuple[str, str, str]] = {
    "orders.create": ("checkout_orders_v2.json", "post", "/v2/checkout/orders"),
    "orders.get": ("checkout_orders_v2.json", "get", "/v2/checkout/orders/{id}"),
    "orders.patch": ("checkout_orders_v2.json", "patch", "/v2/checkout/orders/{id}"),
    "orders.capture": ("checkout_orders_v2.json", "post", "/v2/checkout/orders/{id}/capture"),
    "captures.get": ("payments_payment_v2.json", "get", "/v2/payments/captures/{capture_id}"),
    "captures.refund": (
        "payments_payment_v2.json",
        "post",
        "/v2/payments/captures/{capture_id}/refund",
    ),
    "refunds.get": ("payments_payment_v2.json", "get", "/v2/payments/refunds/{refund_id}"),
}


def derive(spec_dir: Path = SPEC_DIR) -> dict[str, dict[str, tuple[int, str]]]:
    """operationId → issue → (HTTP status, description), read from the 4xx responses'
    ``details[].issue`` enums (an issue whose spec text is empty keeps ``""``)."""
    specs: dict[str, Any] = {}
    table: dict[str, dict[str, tuple[int, str]]] = {}
    for op, (file, method, path) in SERVED.items():
        spec = specs.setdefault(file, json.loads((spec_dir / file).read_text("utf-8")))
        operation = spec["paths"][path][method]
        assert operation["operationId"] == op
        schemas = spec["components"]["schemas"]
        issues: dict[str, tuple[int, str]] = {}
        for status, answer in operation["responses"].items():
            if not status.startswith("4"):
                continue
            schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
            refs = [s["$ref"] for s in schema.get("allOf", [schema]) if "$ref" in s]
            for ref in refs:
                details = schemas[ref.rsplit("/", 1)[-1]].get("properties", {}).get("details", {})
                for alt in details.get("items", {}).get("anyOf", []):
                    issue = alt["properties"]["issue"]["enum"][0]
                    text = alt["properties"].get("description", {}).get("enum", [""])[0]
                    issues[issue] = (int(status), text)
        table[op] = issues
    return table


def split(
    table: dict[str, dict[str, tuple[int, str]]],
) -> tuple[dict[str, str], dict[str, dict[int, tuple[str, ...]]], dict[tuple[str, str], str]]:
    """The table as the generated module keeps it: one text per issue (the most common),
    the issues of each operation by status, and the texts that differ per operation."""
    texts: dict[str, Counter[str]] = {}
    for issues in table.values():
        for issue, (_, text) in issues.items():
            texts.setdefault(issue, Counter())[text] += 1 if text else 0
    common = {
        issue: (max(sorted(c), key=lambda t: c[t]) if any(c.values()) else "")
        for issue, c in texts.items()
    }
    by_status: dict[str, dict[int, tuple[str, ...]]] = {}
    overrides: dict[tuple[str, str], str] = {}
    for op, issues in table.items():
        grouped: dict[int, list[str]] = {}
        for issue, (status, text) in issues.items():
            grouped.setdefault(status, []).append(issue)
            if text and text != common[issue]:
                overrides[(op, issue)] = text
        by_status[op] = {s: tuple(sorted(names)) for s, names in sorted(grouped.items())}
    return dict(sorted(common.items())), by_status, dict(sorted(overrides.items()))


def _literal(text: str) -> str:
    return json.dumps(text)  # ASCII, escapes as Python reads them


def render() -> str:
    """The source of ``pos/payments/paypal/sandbox/issues.py`` (stable under ruff format)."""
    common, by_status, overrides = split(derive())
    out = [
        '"""The error issues PayPal documents, operation by operation. GENERATED: do not edit.',
        "",
        f"Derived from paypal/paypal-rest-api-specifications@{SPEC_COMMIT}",
        "(``checkout_orders_v2.json``, ``payments_payment_v2.json``): every ``details[].issue``",
        "an operation's 4xx answers list, with its HTTP status and the spec's own text.",
        "Regenerate with ``python tests/payments/paypal/test_paypal_sandbox_issues.py > <this",
        "file>`` then ``ruff format``; that module fails when the table drifts from the specs.",
        '"""',
        "",
        "# ruff: noqa: E501",
        "",
        "from __future__ import annotations",
        "",
        '__all__ = ["DESCRIPTIONS", "OPERATIONS", "OVERRIDES"]',
        "",
        '#: issue → its description (the text most operations give; "" where the spec has none)',
        "DESCRIPTIONS: dict[str, str] = {",
        *(f"    {_literal(k)}: {_literal(v)}," for k, v in common.items()),
        "}",
        "",
        "#: operationId → HTTP status → the issues that status may carry",
        "OPERATIONS: dict[str, dict[int, tuple[str, ...]]] = {",
    ]
    for op, statuses in sorted(by_status.items()):
        out.append(f"    {_literal(op)}: {{")
        for status, names in statuses.items():
            out.append(f"        {status}: (")
            out.extend(f"            {_literal(name)}," for name in names)
            out.append("        ),")
        out.append("    },")
    out += [
        "}",
        "",
        "#: operationId → issue → the description, where the operation words it differently",
        "OVERRIDES: dict[str, dict[str, str]] = {",
    ]
    for op in sorted({op for op, _ in overrides}):
        out.append(f"    {_literal(op)}: {{")
        out.extend(
            f"        {_literal(i)}: {_literal(v)}," for (o, i), v in overrides.items() if o == op
        )
        out.append("    },")
    out += ["}", ""]
    return "\n".join(out)


def sandbox_table() -> dict[str, dict[str, tuple[int, str]]]:
    from pos.payments.paypal.sandbox import issues

    table: dict[str, dict[str, tuple[int, str]]] = {}
    for op, statuses in issues.OPERATIONS.items():
        table[op] = {
            issue: (status, issues.OVERRIDES.get(op, {}).get(issue, issues.DESCRIPTIONS[issue]))
            for status, names in statuses.items()
            for issue in names
        }
    return table


def test_the_sandbox_knows_every_issue_of_every_operation_it_serves() -> None:
    derived, known = derive(), sandbox_table()
    assert set(known) == set(SERVED)
    for op, issues in derived.items():
        assert set(known[op]) == set(issues), op
        for issue, (status, text) in issues.items():
            assert known[op][issue][0] == status, (op, issue)
            if text:  # where the spec gives no text, any text is PayPal's
                assert known[op][issue][1] == text, (op, issue)


def test_the_issues_the_issue_report_names_are_in_the_table() -> None:
    known = sandbox_table()
    assert known["orders.capture"]["PAYER_ACCOUNT_RESTRICTED"][0] == 422
    assert known["captures.refund"]["REFUND_FAILED_INSUFFICIENT_FUNDS"][0] == 422
    assert known["captures.refund"]["PREVIOUS_REQUEST_IN_PROGRESS"][0] == 409
    assert known["orders.patch"]["FIELD_NOT_PATCHABLE"][0] == 400
    assert len(known["orders.create"]) > 100


def test_the_drift_check_can_fail(tmp_path: Path) -> None:
    """Change one status in a copy of the spec: the derived table differs from the sandbox."""
    for file in {f for f, _, _ in SERVED.values()}:
        (tmp_path / file).write_text((SPEC_DIR / file).read_text("utf-8"), "utf-8")
    spec = json.loads((tmp_path / "payments_payment_v2.json").read_text("utf-8"))
    responses = spec["paths"]["/v2/payments/captures/{capture_id}/refund"]["post"]["responses"]
    responses["400"] = responses.pop("422")
    (tmp_path / "payments_payment_v2.json").write_text(json.dumps(spec), "utf-8")
    changed = derive(tmp_path)["captures.refund"]["REFUND_FAILED_INSUFFICIENT_FUNDS"]
    assert (
        changed[0]
        == 400
        != sandbox_table()["captures.refund"]["REFUND_FAILED_INSUFFICIENT_FUNDS"][0]
    )


if __name__ == "__main__":  # pragma: no cover - the generator
    sys.stdout.write(render())
