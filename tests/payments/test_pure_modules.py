"""The gateway parsers the head office needs are pure: importing them (alone, in a fresh
interpreter) loads no HTTP client. The old import paths still give the same objects."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pos.payments.mpesa import callback
from pos.payments.mpesa import client as mpesa_client
from pos.payments.paypal import webhook_verify, webhooks

REPO = Path(__file__).resolve().parents[2]
HTTP_MODULES = ("requests", "urllib3", "http.client")


@pytest.mark.parametrize(
    "module", ["pos.payments.mpesa.callback", "pos.payments.paypal.webhook_verify"]
)
def test_a_pure_module_imports_no_http_client(module: str) -> None:
    probe = (
        f"import sys, json, {module}\n"
        f"print(json.dumps([m for m in {HTTP_MODULES!r} if m in sys.modules]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_the_probe_sees_an_http_client_when_one_is_imported() -> None:
    """The check above can fail: the same probe, on the HTTP half, finds requests."""
    probe = "import sys, pos.payments.paypal.webhooks; print('requests' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == "True", done.stderr


def test_old_import_paths_give_the_pure_modules_objects() -> None:
    assert mpesa_client.parse_stk_callback is callback.parse_stk_callback
    assert mpesa_client.StkCallback is callback.StkCallback
    assert mpesa_client.MalformedCallback is callback.MalformedCallback
    for name in webhook_verify.__all__:
        assert getattr(webhooks, name) is getattr(webhook_verify, name), name
