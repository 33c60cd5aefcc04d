"""``kaunta etims-key export|import`` as a manager runs them, in a process of their own, on
a live till with ``[etims]``: the key goes from the keyring to a new owner-only file and
back into an empty keyring; an existing file or another branch's file is refused with
exit 2 and a message. The keyring is a file shared with the process
(``tests/file_keyring.py``)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from sync.etims.sandbox import DEMO_SERIAL_01, DEMO_TIN
from tests.test_cli_verify import _kaunta

KEY = "9F2C0D4E6A8B4C1DA3E5F7091B2C3D4E5F60718293A4B5C6D7E8"
NAME = f"kaunta/etims.cmc_key.{DEMO_TIN}.01"


def _home(tmp_path: Path, bhf_id: str = "01") -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "kaunta.toml").write_text(
        '[terminal]\nstore_id = "NBO01"\nterminal_id = "T2"\ntraining = false\n'
        f'tax_pin = "{DEMO_TIN}"\n\n[paths]\ndata_dir = "{tmp_path / "d"}"\n\n'
        f'[etims]\ntin = "{DEMO_TIN}"\nbhf_id = "{bhf_id}"\ndevice_serial = "{DEMO_SERIAL_01}"\n',
        encoding="utf-8",
    )
    return tmp_path


def test_the_key_is_exported_and_imported_by_the_command(tmp_path: Path) -> None:
    home = _home(tmp_path)
    keyring_file = home / "keyring.json"
    keyring_file.write_text(json.dumps({NAME: KEY}), encoding="utf-8")
    out = home / "usb" / "etims-key.json"
    done = _kaunta(home, "etims-key", "export", str(out))
    assert done.returncode == 0, (done.stdout, done.stderr)
    assert str(out) in done.stdout
    assert KEY not in done.stdout + done.stderr  # the key is in the file only
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert json.loads(out.read_text(encoding="utf-8"))["cmcKey"] == KEY
    again = _kaunta(home, "etims-key", "export", str(out))
    assert again.returncode == 2
    assert "exists already" in again.stderr

    keyring_file.write_text("{}", encoding="utf-8")  # a new computer's empty keyring
    back = _kaunta(home, "etims-key", "import", str(out))
    assert back.returncode == 0, (back.stdout, back.stderr)
    assert json.loads(keyring_file.read_text(encoding="utf-8"))[NAME] == KEY


def test_another_branchs_key_file_is_refused(tmp_path: Path) -> None:
    home = _home(tmp_path / "a")
    (home / "keyring.json").write_text(json.dumps({NAME: KEY}), encoding="utf-8")
    out = tmp_path / "etims-key.json"
    assert _kaunta(home, "etims-key", "export", str(out)).returncode == 0
    other = _home(tmp_path / "b", bhf_id="02")
    (other / "keyring.json").write_text("{}", encoding="utf-8")
    refused = _kaunta(other, "etims-key", "import", str(out))
    assert refused.returncode == 2
    assert f"not of {DEMO_TIN} branch 02" in refused.stderr
    assert json.loads((other / "keyring.json").read_text(encoding="utf-8")) == {}
