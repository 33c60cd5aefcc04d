"""Checking the stored KRA signatures of a queue file (``etims_signed``) for tampering.

A signed invoice is evidence as the journal is: its row is immutable (triggers) and
chained to the one before it by SHA-256 (:func:`sync.etims.queue_sqlite.chain_hash`).
Someone with the file and ``sqlite3`` can drop the triggers and edit a row; these
checks find that: a row whose hash is not its content's, a row that does not follow the
one before it (removed or reordered), an entry the queue calls signed whose signature is
gone, a missing rule. Each problem names the branch and the invoice number, for
``kaunta verify`` (exit 1) and the eTIMS worker's start-up check. Read only: a file is
opened ``mode=ro``, nothing is changed.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from sync.etims.models import Signature
from sync.etims.queue_sqlite import GENESIS, chain_hash

#: the rules that keep a signed invoice as KRA gave it
RULES = ("etims_signed_no_update", "etims_signed_no_delete")


def chain_problems(db: sqlite3.Connection) -> list[str]:
    """Every problem of the signed invoices in ``db`` (empty: the chain holds)."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "etims_signed" not in tables:
        return []
    problems: list[str] = []
    rules = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    problems += [
        f"the rule {name} that keeps signed invoices unchanged is gone"
        for name in RULES
        if name not in rules
    ]
    branches = [r[0] for r in db.execute("SELECT DISTINCT branch FROM etims_signed ORDER BY 1")]
    for branch in branches:
        prev = GENESIS
        rows = db.execute(
            "SELECT invc_no, signature, prev_hash, hash FROM etims_signed WHERE branch = ? "
            "ORDER BY rowid",
            (branch,),
        ).fetchall()
        for invc_no, stored, prev_hash, digest in rows:
            where = f"branch {branch}, invoice {invc_no}"
            try:
                signature = Signature.from_json(json.loads(stored))
            except (ValueError, KeyError, TypeError):
                problems.append(f"{where}: its stored signature is not readable")
                prev = str(digest)
                continue
            if signature.invc_no != invc_no:
                problems.append(f"{where}: its signature is of invoice {signature.invc_no}")
            elif prev_hash != prev:
                problems.append(
                    f"{where}: it does not follow the invoice signed before it (a signed "
                    "invoice was removed, added or reordered)"
                )
            elif chain_hash(prev, branch, signature) != digest:
                problems.append(f"{where}: its signature is not the one KRA gave (hash differs)")
            prev = str(digest)
    if "etims_queue" in tables:
        gone = db.execute(
            "SELECT q.branch, q.invc_no FROM etims_queue q LEFT JOIN etims_signed s "
            "ON s.branch = q.branch AND s.position = q.position "
            "WHERE q.state = 'signed' AND s.position IS NULL ORDER BY q.branch, q.position"
        ).fetchall()
        problems += [
            f"branch {branch}, invoice {invc_no}: signed in the queue, but its signature is gone"
            for branch, invc_no in gone
        ]
    return problems


def file_problems(path: Path) -> list[str]:
    """:func:`chain_problems` of the queue file at ``path``, opened read-only; a file
    that is not there has none. An unreadable file raises ``sqlite3.Error``."""
    if not path.is_file():
        return []
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        return chain_problems(db)
    finally:
        db.close()
