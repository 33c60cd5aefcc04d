"""Checking the stored KRA signatures of a queue file (``etims_signed``) for tampering.

A signed invoice is evidence as the journal is: its row is immutable (triggers) and
chained to the one before it with a key kept outside the file
(:class:`sync.etims.queue_sqlite.ChainKey`, from the journal key). Someone with the file
and ``sqlite3`` can drop the triggers and edit a row, and recompute an unkeyed chain, but
not a keyed one; these checks find that: a row whose link is not its content's, a row
that does not follow the one before it (removed or reordered), a row linked the old
unkeyed way where the file was keyed (rewritten and re-linked without the key), an entry
the queue calls signed whose signature is gone, a missing rule. Read only: a file is
opened ``mode=ro``, nothing is changed.

Without the key (``kaunta verify`` on a till whose journal key is not loaded) a keyed
link cannot be checked, only that each row follows the one before it; old unkeyed links
are checked as before. A branch whose links are all of the old kind is what an upgrade
re-links (:meth:`sync.etims.queue_sqlite.SqliteQueue.rechain`), once its old chain
verifies; with ``was_keyed`` (the till's own record says this file was keyed before)
such a branch is a finding instead: its keyed links were replaced.

Each problem is a :class:`ChainFinding`: its kind (:class:`Problem`) and the branch and
invoice numbers it names, as the journal's checks give an ``Area`` and a subject. Its
``str()`` is the English sentence ``kaunta verify`` prints and the log keeps; the till's
screens render the same finding in the reader's language from its kind and values
(``pos.services.etims_tampering``, where each kind has a registered message with this
very English).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from sync.etims.models import Signature
from sync.etims.queue_sqlite import GENESIS, KEYED, ChainKey, chain_hash

#: the rules that keep a signed invoice as KRA gave it
RULES = ("etims_signed_no_update", "etims_signed_no_delete")
#: the rules of the chain's own log (a file made before it has neither table nor rules)
LOG_RULES = ("etims_chain_log_no_update", "etims_chain_log_no_delete")


class Problem(StrEnum):
    """What is wrong with one stored signature (or with the file's rules)."""

    #: a trigger that keeps signed invoices unchanged was dropped
    RULE_GONE = "rule_gone"
    #: the stored signature is not JSON of a signature any more
    UNREADABLE = "unreadable"
    #: the row of one invoice holds the signature of another
    OTHER_INVOICE = "other_invoice"
    #: the row does not follow the one signed before it (removed, added or reordered)
    OUT_OF_ORDER = "out_of_order"
    #: the row's content is not what its hash was made of (rewritten)
    HASH_DIFFERS = "hash_differs"
    #: the queue says the invoice was signed, but its signature row is gone
    SIGNATURE_GONE = "signature_gone"
    #: linked the old unkeyed way where the file's chain is keyed (re-linked without the
    #: key after a change)
    UNKEYED = "unkeyed"
    #: the last signed invoice an earlier start recorded (in the till's audit log) is not
    #: in the file: the chain was cut back to an earlier point (each link still verifies)
    CUT_BACK = "cut_back"


#: each kind's English, with the values of :meth:`ChainFinding.values` (the screens'
#: registered messages have the same text: ``tests/ui/test_etims_tampered_alert.py``)
ENGLISH: dict[Problem, str] = {
    Problem.RULE_GONE: "the rule {rule} that keeps signed invoices unchanged is gone",
    Problem.UNREADABLE: "branch {branch}, invoice {invoice}: its stored signature is not readable",
    Problem.OTHER_INVOICE: (
        "branch {branch}, invoice {invoice}: its signature is of invoice {signed_as}"
    ),
    Problem.OUT_OF_ORDER: (
        "branch {branch}, invoice {invoice}: it does not follow the invoice signed before it "
        "(a signed invoice was removed, added or reordered)"
    ),
    Problem.HASH_DIFFERS: (
        "branch {branch}, invoice {invoice}: its signature is not the one KRA gave (hash differs)"
    ),
    Problem.SIGNATURE_GONE: (
        "branch {branch}, invoice {invoice}: signed in the queue, but its signature is gone"
    ),
    Problem.UNKEYED: (
        "branch {branch}, invoice {invoice}: it is chained without the key, where this "
        "file's invoices were chained with it (re-chained outside Kaunta)"
    ),
    Problem.CUT_BACK: (
        "branch {branch}: invoice {invoice}, the last one signed when this till last "
        "started, is gone (the file was cut back or put back from an older copy)"
    ),
}


@dataclass(frozen=True, slots=True)
class ChainFinding:
    """One problem of the stored signatures: its kind and what it names.

    ``rule``: the missing trigger (:attr:`Problem.RULE_GONE` only); ``branch`` and
    ``invoice``: the branch key and KRA invoice number (``invcNo``) of the row;
    ``signed_as``: the invoice number the row's signature carries instead
    (:attr:`Problem.OTHER_INVOICE` only)."""

    problem: Problem
    branch: str = ""
    invoice: int | None = None
    rule: str = ""
    signed_as: int | None = None

    def values(self) -> dict[str, str]:
        """The values its sentence names, as text (an invoice number is written as it
        is, without thousands separators)."""
        if self.problem is Problem.RULE_GONE:
            return {"rule": self.rule}
        found = {"branch": self.branch, "invoice": str(self.invoice)}
        if self.problem is Problem.OTHER_INVOICE:
            found["signed_as"] = str(self.signed_as)
        return found

    def __str__(self) -> str:
        return ENGLISH[self.problem].format(**self.values())


def chain_findings(
    db: sqlite3.Connection, key: ChainKey | None = None, *, was_keyed: bool = False
) -> list[ChainFinding]:
    """Every problem of the signed invoices in ``db``, in the order found (rules first,
    then each branch's chain, then signatures gone); empty: the chain holds.

    ``key``: the chain key (None: keyed links are not checked, see above);
    ``was_keyed``: this file's chain was keyed before (a branch linked wholly the old
    way is then a finding, not an old file to upgrade)."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "etims_signed" not in tables:
        return []
    rules = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    wanted = RULES + (LOG_RULES if "etims_chain_log" in tables else ())
    found = [ChainFinding(Problem.RULE_GONE, rule=name) for name in wanted if name not in rules]
    branches = [r[0] for r in db.execute("SELECT DISTINCT branch FROM etims_signed ORDER BY 1")]
    for branch in branches:
        prev = GENESIS
        rows = db.execute(
            "SELECT invc_no, signature, prev_hash, hash FROM etims_signed WHERE branch = ? "
            "ORDER BY rowid",
            (branch,),
        ).fetchall()
        keyed_at = [i for i, row in enumerate(rows) if str(row[3]).startswith(KEYED)]
        # old links after the last keyed one (or all of them, in a file keyed before)
        # were made without the key where it was in use: nothing protects them
        tail = (keyed_at[-1] + 1) if keyed_at else (0 if was_keyed and key else len(rows))
        for at, (invc_no, stored, prev_hash, digest) in enumerate(rows):
            try:
                signature = Signature.from_json(json.loads(stored))
            except (ValueError, KeyError, TypeError):
                found.append(ChainFinding(Problem.UNREADABLE, branch, invc_no))
                prev = str(digest)
                continue
            keyed = str(digest).startswith(KEYED)
            if signature.invc_no != invc_no:
                found.append(
                    ChainFinding(
                        Problem.OTHER_INVOICE, branch, invc_no, signed_as=signature.invc_no
                    )
                )
            elif prev_hash != prev:
                found.append(ChainFinding(Problem.OUT_OF_ORDER, branch, invc_no))
            elif _link_differs(key, keyed, prev, branch, signature, str(digest)):
                found.append(ChainFinding(Problem.HASH_DIFFERS, branch, invc_no))
            elif not keyed and at >= tail and key is not None:
                found.append(ChainFinding(Problem.UNKEYED, branch, invc_no))
            prev = str(digest)
    if "etims_queue" in tables:
        gone = db.execute(
            "SELECT q.branch, q.invc_no FROM etims_queue q LEFT JOIN etims_signed s "
            "ON s.branch = q.branch AND s.position = q.position "
            "WHERE q.state = 'signed' AND s.position IS NULL ORDER BY q.branch, q.position"
        ).fetchall()
        found += [ChainFinding(Problem.SIGNATURE_GONE, branch, invc_no) for branch, invc_no in gone]
    return found


def _link_differs(
    key: ChainKey | None, keyed: bool, prev: str, branch: str, signature: Signature, digest: str
) -> bool:
    """The row's link is not what its content and the link before it make: an old one
    by SHA-256, a keyed one by the key (without the key a keyed link cannot be told)."""
    if not keyed:
        return chain_hash(prev, branch, signature) != digest
    return key is not None and key.link(prev, branch, signature) != digest


def unkeyed_branches(db: sqlite3.Connection) -> list[str]:
    """The branches of ``db`` whose signed invoices are all linked the old unkeyed way
    (a file from before the key, or written by a queue without one)."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "etims_signed" not in tables:
        return []
    return [
        str(r[0])
        for r in db.execute(
            "SELECT branch FROM etims_signed GROUP BY branch "
            "HAVING sum(substr(hash, 1, ?) = ?) = 0 ORDER BY branch",
            (len(KEYED), KEYED),
        )
    ]


def is_keyed(db: sqlite3.Connection) -> bool:
    """Some signed invoice of ``db`` is linked with the key."""
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "etims_signed" not in tables:
        return False
    row = db.execute(
        "SELECT 1 FROM etims_signed WHERE substr(hash, 1, ?) = ? LIMIT 1", (len(KEYED), KEYED)
    ).fetchone()
    return row is not None


def chain_problems(db: sqlite3.Connection, key: ChainKey | None = None) -> list[str]:
    """:func:`chain_findings` as English sentences, each naming the branch and the
    invoice (``kaunta verify``, the log)."""
    return [str(finding) for finding in chain_findings(db, key)]


@dataclass(frozen=True, slots=True)
class FileCheck:
    """One file's check: its findings, the branches still linked the old unkeyed way
    (to be re-linked with the key once they verify), and whether it is keyed."""

    findings: list[ChainFinding]
    unkeyed: list[str]
    keyed: bool


def chain_heads(path: Path) -> dict[str, tuple[int, str]]:
    """Each branch's last signed invoice in the file at ``path`` (read-only): its number
    and its link. A keyed link cannot be made without the key, so a head recorded at a
    start and missing at a later one means the file was cut back to an earlier point."""
    if not path.is_file():
        return {}
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        rows = db.execute(
            "SELECT s.branch, s.invc_no, s.hash FROM etims_signed s JOIN (SELECT branch, "
            "max(invc_no) AS top FROM etims_signed GROUP BY branch) t "
            "ON s.branch = t.branch AND s.invc_no = t.top"
        ).fetchall()
    except sqlite3.OperationalError:  # no table yet: nothing signed
        return {}
    finally:
        db.close()
    return {str(b): (int(n), str(h)) for b, n, h in rows}


def has_link(path: Path, branch: str, invc_no: int, link: str) -> bool:
    """Whether the file at ``path`` holds ``branch``'s invoice ``invc_no`` with ``link``."""
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        found = db.execute(
            "SELECT 1 FROM etims_signed WHERE branch = ? AND invc_no = ? AND hash = ?",
            (branch, invc_no, link),
        ).fetchone()
    except sqlite3.OperationalError:
        return False
    finally:
        db.close()
    return found is not None


def check_file(path: Path, key: ChainKey | None = None, *, was_keyed: bool = False) -> FileCheck:
    """:func:`chain_findings` and the chain's kind of the queue file at ``path``, read
    in one read-only snapshot; a file that is not there has nothing. An unreadable file
    raises ``sqlite3.Error``."""
    if not path.is_file():
        return FileCheck([], [], False)
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        db.execute("BEGIN")
        return FileCheck(
            chain_findings(db, key, was_keyed=was_keyed), unkeyed_branches(db), is_keyed(db)
        )
    finally:
        db.close()


def file_findings(
    path: Path, key: ChainKey | None = None, *, was_keyed: bool = False
) -> list[ChainFinding]:
    """:func:`chain_findings` of the queue file at ``path``, opened read-only; a file
    that is not there has none. An unreadable file raises ``sqlite3.Error``."""
    return check_file(path, key, was_keyed=was_keyed).findings


def file_problems(path: Path, key: ChainKey | None = None, *, was_keyed: bool = False) -> list[str]:
    """:func:`file_findings` as English sentences (``kaunta verify``)."""
    return [str(finding) for finding in file_findings(path, key, was_keyed=was_keyed)]
