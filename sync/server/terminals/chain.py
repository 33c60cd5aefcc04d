"""Audit-chain heads: each batch carries the terminal's newest journal entry (seq, hash).

The head office keeps every distinct head it was told and flags the terminal when its chain
went backwards (a lower seq than reported before: a restored or replaced journal) or was
rewritten (a seq reported before with another hash: forked or edited). A flag stays until a
head-office admin clears it; events are still accepted (they are evidence either way).

Heads alone miss a journal rewritten *below* the newest head and then carried on: its new
head is a seq never reported. So each answer names the seq of the newest head kept
(:func:`named_seq`), and the till's next batch carries its journal's MAC at that seq as
it reads at send time (``chain_check``, batch version 1.1); :func:`check_chain` compares
it with the head accepted there, and another MAC flags the chain rewritten. The MAC is
keyed with the till's own key, so head office cannot recompute a link; it can only see
that an entry it was told of changed.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.utils import timezone

from sync.protocol.batch import ChainHead
from sync.server.terminals.models import ChainReport, ChainState, Terminal

log = logging.getLogger("kaunta.hq.chain")


_REPORTS = ChainReport._meta.db_table
_TERMINALS = Terminal._meta.db_table


def _reported_otherwise(terminal: Terminal, head: ChainHead) -> bool:
    """Was ``head.seq`` reported before with another hash? Every push with a new head asks,
    so in plain SQL (the ORM's query took longer to build than to run)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {_REPORTS} WHERE terminal_id = %s AND seq = %s AND hash <> %s LIMIT 1",
            [terminal.pk, head.seq, head.hash],
        )
        return cursor.fetchone() is not None


def _keep_ok(terminal: Terminal, head: ChainHead) -> None:
    """The common case of :func:`record_chain_head`: a good new head kept in the history
    and made the terminal's, by two plain statements."""
    received = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_REPORTS} (terminal_id, seq, hash, received_at, state, note) "
            "VALUES (%s, %s, %s, %s, %s, '')",
            [terminal.pk, head.seq, head.hash, received, str(ChainState.OK)],
        )
        cursor.execute(
            f"UPDATE {_TERMINALS} SET chain_seq = %s, chain_hash = %s WHERE id = %s",
            [head.seq, head.hash, terminal.pk],
        )
    terminal.chain_seq, terminal.chain_hash = head.seq, head.hash


def judge(terminal: Terminal, head: ChainHead) -> tuple[str, str]:
    last_seq, last_hash = terminal.chain_seq, terminal.chain_hash
    if last_seq is None:
        return ChainState.OK, ""
    if head.seq < last_seq:
        return ChainState.BACKWARDS, f"head {head.seq} after {last_seq} was reported"
    if (head.seq == last_seq and head.hash != last_hash) or _reported_otherwise(terminal, head):
        return ChainState.REWRITTEN, f"entry {head.seq} was reported before with another hash"
    return ChainState.OK, ""


def _flag(terminal: Terminal, state: str, note: str) -> None:
    """Log the finding and set the terminal's flag (the first finding stays shown)."""
    log.warning(
        "terminal audit chain flagged",
        extra={"terminal": str(terminal), "state": state, "note": note},
    )
    if terminal.chain_state == ChainState.OK:
        terminal.chain_state = state
        Terminal.objects.filter(pk=terminal.pk).update(chain_state=state)


def check_chain(terminal: Terminal, check: ChainHead | None, *, version: str = "") -> None:
    """Compare a batch's ``chain_check`` (the journal's MAC at a seq head office named)
    with the head accepted at that seq; another MAC flags the chain rewritten (same
    transaction as the batch). A seq head office never accepted proves nothing either way
    (a till cannot make head office trust it): logged and ignored. No check is normal for
    a till before batch version 1.1, the first batch after enrollment, or a journal now
    shorter than the seq named (its head already shows that: it went backwards)."""
    if check is None:
        if version not in ("", "1.0") and (terminal.chain_seq or 0) >= 1:
            log.info(
                "batch without a chain check",
                extra={"terminal": str(terminal), "named": terminal.chain_seq},
            )
        return
    kept = (
        terminal.chain_hash
        if check.seq == terminal.chain_seq
        else ChainReport.objects.filter(terminal=terminal, seq=check.seq, state=ChainState.OK)
        .values_list("hash", flat=True)
        .first()
    )
    if not kept:
        log.warning(
            "chain check names a seq head office never accepted; ignored",
            extra={"terminal": str(terminal), "seq": check.seq},
        )
        return
    if terminal.chain_seq is not None and check.seq < terminal.chain_seq:
        # an answer lost on the way, or the till's own state rolled back: still compared
        log.info(
            "chain check below the seq named last",
            extra={"terminal": str(terminal), "seq": check.seq, "named": terminal.chain_seq},
        )
    if check.hash == kept:
        return
    note = f"the entry at seq {check.seq} changed after it was reported"
    if not ChainReport.objects.filter(
        terminal=terminal, seq=check.seq, hash=check.hash, state=ChainState.REWRITTEN
    ).exists():  # the same check sent again (its answer lost) is one finding
        ChainReport.objects.create(
            terminal=terminal,
            seq=check.seq,
            hash=check.hash,
            state=ChainState.REWRITTEN,
            note=note,
        )
    _flag(terminal, ChainState.REWRITTEN, note)


def record_chain_head(terminal: Terminal, head: ChainHead) -> None:
    """Keep ``head`` in the history and update the terminal's state (same transaction as
    the batch)."""
    if terminal.chain_seq == head.seq and terminal.chain_hash == head.hash:
        return
    state, note = judge(terminal, head)
    if state == ChainState.OK:
        _keep_ok(terminal, head)
        return
    ChainReport.objects.create(
        terminal=terminal, seq=head.seq, hash=head.hash, state=state, note=note
    )
    _flag(terminal, state, note)


def named_seq(terminal: Terminal) -> int | None:
    """The seq an answer names for the till's next ``chain_check``: the newest head kept
    (after this batch's), or None before any real entry was reported."""
    seq = terminal.chain_seq
    return seq if seq is not None and seq >= 1 else None
