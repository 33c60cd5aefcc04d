"""Training documents are never real: the one check every path that sends or submits uses.

A document made on a till in training mode carries ``"training": true`` in its envelope
(:mod:`sync.protocol.envelope`). Training and live tills keep separate databases, so such a
document should never be among a live till's events; if one is (a database copied from
training, a bug), it must not reach the head office's ledger or KRA as a real sale. The
sync agent's drain and the eTIMS submission path call :func:`is_training_document` /
:func:`refuse_training`; ``pos.services.training`` re-exports them for the services.
Pure: standard library only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: how the flag reads in canonical JSON (no spaces): a cheap first look before parsing
_FLAG = '"training":true'


class TrainingNotReal(ValueError):
    """A training document was about to be sent or submitted as real; nothing was."""


def is_training_document(document: str | bytes | Mapping[str, Any]) -> bool:
    """True when the document (an event's JSON text, or a parsed one) is marked training.

    Text is parsed only when the flag's canonical spelling appears in it, so a live
    document costs one substring search; the decision is always the parsed top-level (or
    ``header``) ``training`` value, never the substring alone.
    """
    if isinstance(document, bytes):
        document = document.decode("utf-8", errors="replace")
    if isinstance(document, str):
        if _FLAG not in document.replace(" ", ""):
            return False
        try:
            parsed = json.loads(document)
        except ValueError:
            return False
        if not isinstance(parsed, Mapping):
            return False
        document = parsed
    if document.get("training") is True:
        return True
    header = document.get("header")
    return isinstance(header, Mapping) and header.get("training") is True


def refuse_training(document: str | bytes | Mapping[str, Any], what: str) -> None:
    """Raise :class:`TrainingNotReal` when ``document`` is a training one; ``what`` says
    what was refused (for the message and the log)."""
    if is_training_document(document):
        raise TrainingNotReal(
            f"{what} was made in training mode: it is never sent or submitted as real."
        )
