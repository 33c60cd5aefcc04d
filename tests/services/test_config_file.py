"""Changing keys of a hand-edited config file: the keys change where they stand, new keys
go to their section, and every other line (comments, multi-line arrays, other sections)
stays byte for byte; a layout that cannot be changed safely is refused."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pos.services.config_file import ConfigEditError, edit_config, write_atomically

HAND_MADE = """\
# Kaunta, set up by Otieno on 2 Dec
[terminal]
store_name = "Duka la Mama"   # as on the signboard
address = [
    "Moi Avenue 12",  # ground floor
    "Nairobi",
]
tax_pin = 'P051234567X'
notes = \"\"\"two
lines\"\"\"

[receipt]
footer = ["Asante!"]

[payments]
methods = ["cash", "mpesa"]

[payments.mpesa]
shortcode = "174379"
"""


def test_keys_change_in_place_and_everything_else_is_kept() -> None:
    out = edit_config(
        HAND_MADE,
        {
            "terminal": {"store_name": 'Duka "Jipya"', "address": ["Kenyatta Ave 3"]},
            "receipt": {"header": ["Open 7am-9pm"]},
        },
    )
    got = tomllib.loads(out)
    assert got["terminal"]["store_name"] == 'Duka "Jipya"'
    assert got["terminal"]["address"] == ["Kenyatta Ave 3"]
    assert got["terminal"]["notes"] == "two\nlines"
    assert got["receipt"] == {"footer": ["Asante!"], "header": ["Open 7am-9pm"]}
    assert got["payments"]["mpesa"] == {"shortcode": "174379"}
    for kept in (
        "# Kaunta, set up by Otieno on 2 Dec\n",
        "   # as on the signboard\n",
        "tax_pin = 'P051234567X'\n",
        '[payments.mpesa]\nshortcode = "174379"\n',
    ):
        assert kept in out
    assert "ground floor" not in out  # the old address's lines went with it
    # the new key is in its own section, before the next one
    assert out.index("header =") < out.index("[payments]")


def test_a_missing_section_is_added_and_a_key_set_to_none_removed() -> None:
    out = edit_config(
        HAND_MADE,
        {
            "etims": {"tin": "P051234567X", "bhf_id": "01", "base_url": None},
            "terminal": {"tax_pin": None},
        },
    )
    got = tomllib.loads(out)
    assert got["etims"] == {"tin": "P051234567X", "bhf_id": "01"}
    assert "tax_pin" not in got["terminal"]
    assert edit_config("", {"ui": {"language": "sw"}}) == '[ui]\nlanguage = "sw"\n'


def test_a_layout_it_cannot_follow_is_refused_naming_the_keys() -> None:
    dotted = 'terminal.store_name = "Duka"\n'
    with pytest.raises(ConfigEditError, match=r"change terminal\.store_name in it by hand"):
        edit_config(dotted, {"terminal": {"store_name": "Duka Jipya"}}, name="kaunta.toml")
    with pytest.raises(ConfigEditError, match="is not valid TOML"):
        edit_config("[terminal\n", {"terminal": {"store_name": "x"}})


def test_the_file_is_replaced_whole(tmp_path: Path) -> None:
    path = tmp_path / "kaunta.toml"
    path.write_text(HAND_MADE, encoding="utf-8")
    write_atomically(path, "[ui]\n")
    assert path.read_text(encoding="utf-8") == "[ui]\n"
    assert [p.name for p in tmp_path.iterdir()] == ["kaunta.toml"]  # no temporary left
