"""KRA eTIMS OSCU: the client library, the submission queue and a local simulator.

Pure of the till: standard library, ``requests`` and ``sync.protocol`` only (no Qt, no
``pos.store``), so the head office (for an enrolled store) and a standalone till both
use it. Who runs it and why: docs/etims.md. Facts and guesses: ``etims.md`` reference.

* :mod:`.client`: ``OscuClient``, one call per method, typed answers.
* :mod:`.mapping`: a ``sale.completed``/``refund.completed`` body as ``saveTrnsSalesOsdc``.
* :mod:`.amounts`: the per-line and A-E band figures under either amount convention.
* :mod:`.queue`: the branch's ordered queue and the one gap-free ``invcNo`` sequence;
  :mod:`.queue_sqlite` keeps it in SQLite.
* :mod:`.receipt`: the SCU block and the verification QR URL.
* :mod:`.sandbox`: the simulator (its own code; never imports the client).
"""

from __future__ import annotations

from sync.etims.client import OscuClient, SubmitOutcome, TransportError
from sync.etims.codes import ResultKind
from sync.etims.mapping import MappingError, Registrar, UnregisteredItems, credit_note, sale_invoice
from sync.etims.models import CodeCache, DeviceInfo, RegisteredItem, Signature
from sync.etims.settings import AmountConvention, Branch, EtimsSettings

__all__ = [
    "AmountConvention",
    "Branch",
    "CodeCache",
    "DeviceInfo",
    "EtimsSettings",
    "MappingError",
    "OscuClient",
    "RegisteredItem",
    "Registrar",
    "ResultKind",
    "Signature",
    "SubmitOutcome",
    "TransportError",
    "UnregisteredItems",
    "credit_note",
    "sale_invoice",
]
