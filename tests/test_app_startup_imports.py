"""What the till's start-up imports before its window, in a fresh interpreter each.

Start-up time is mostly imports. These pin the ones taken off the path to the login
screen, so that a new top-level import does not silently bring them back:

- ``pos.config`` (read first by every ``kaunta`` command) loads neither SQLAlchemy nor
  the services' store code nor ``requests``;
- a training till builds its payment methods (against the reserved sandbox addresses)
  without loading the PayPal sandbox's code or ``cryptography``, which
  ``TrainingSimulators.start`` loads once the window is up. (The M-Pesa method's factory
  still imports its sandbox package for the demo constants: about 10 ms, not pinned.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _loaded_after(code: str, watched: list[str]) -> dict[str, bool]:
    """Run ``code`` in a fresh interpreter; which of ``watched`` it left in sys.modules."""
    probe = (
        f"{code}\nimport json, sys\nprint(json.dumps({{m: m in sys.modules for m in {watched!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, bool] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_reading_the_configuration_loads_no_store_and_no_http() -> None:
    loaded = _loaded_after(
        "from pos.config import load_config\n"
        "load_config(config_path=None, data_dir=None, training=True, env={})",
        ["pos.config", "sqlalchemy", "pos.store.models", "pos.services.shifts", "requests"],
    )
    assert loaded == {
        "pos.config": True,
        "sqlalchemy": False,
        "pos.store.models": False,
        "pos.services.shifts": False,
        "requests": False,
    }


def test_a_config_with_etims_and_shifts_still_reads_them(tmp_path: Path) -> None:
    """The deferred imports are made when their sections are there (and checked)."""
    config = tmp_path / "kaunta.toml"
    config.write_text(
        '[terminal]\ntax_pin = "P051234567X"\n'
        "[shifts]\ncash_movement_approval_above = 7000\n"
        '[etims]\ntin = "P051234567X"\nbhf_id = "00"\ndevice_serial = "KAUNTA-T1"\n',
        encoding="utf-8",
    )
    from pos.config import load_config

    read = load_config(config_path=config, data_dir=tmp_path, training=False, env={})
    assert read.shift_limits.cash_movement_approval_above == 700_000
    assert read.etims is not None
    assert read.etims.branch.bhf_id == "00"
    assert not read.warnings


def test_a_training_till_builds_its_methods_without_the_sandboxes_code(tmp_path: Path) -> None:
    loaded = _loaded_after(
        "from pathlib import Path\n"
        "from pos.config import load_config\n"
        "from pos.app import open_terminal, start_payments\n"
        f"config = load_config(None, Path({str(tmp_path)!r}), True, env={{}})\n"
        "terminal, lock = open_terminal(config)\n"
        "payments = start_payments(config, terminal, defer_simulators=True)\n"
        "assert {'mpesa', 'paypal'} <= set(payments.urls)\n"
        "assert terminal.payments is not None\n"
        "assert {'mpesa', 'paypal'} <= {m.code for m in terminal.payments.methods()}",
        [
            "pos.payments.paypal.method",
            "pos.payments.paypal.sandbox",
            "cryptography",
        ],
    )
    assert loaded == {
        "pos.payments.paypal.method": True,
        "pos.payments.paypal.sandbox": False,
        "cryptography": False,
    }
