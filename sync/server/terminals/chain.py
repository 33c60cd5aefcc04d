"""Audit-chain heads: each batch carries the terminal's newest journal entry (seq, hash).

The head office keeps every distinct head it was told and flags the terminal when its chain
went backwards (a lower seq than reported before: a restored or replaced journal) or was
rewritten (a seq reported before with another hash: forked or edited). A flag stays until a
head-office admin clears it; events are still accepted (they are evidence either way).
"""

from __future__ import annotations

import logging

from sync.protocol.batch import ChainHead
from sync.server.terminals.models import ChainReport, ChainState, Terminal

log = logging.getLogger("kaunta.hq.chain")


def judge(terminal: Terminal, head: ChainHead) -> tuple[str, str]:
    last_seq, last_hash = terminal.chain_seq, terminal.chain_hash
    if last_seq is None:
        return ChainState.OK, ""
    if head.seq < last_seq:
        return ChainState.BACKWARDS, f"head {head.seq} after {last_seq} was reported"
    earlier = (
        ChainReport.objects.filter(terminal=terminal, seq=head.seq).exclude(hash=head.hash).exists()
    )
    if (head.seq == last_seq and head.hash != last_hash) or earlier:
        return ChainState.REWRITTEN, f"entry {head.seq} was reported before with another hash"
    return ChainState.OK, ""


def record_chain_head(terminal: Terminal, head: ChainHead) -> None:
    """Keep ``head`` in the history and update the terminal's state (same transaction as
    the batch)."""
    if terminal.chain_seq == head.seq and terminal.chain_hash == head.hash:
        return
    state, note = judge(terminal, head)
    ChainReport.objects.create(
        terminal=terminal, seq=head.seq, hash=head.hash, state=state, note=note
    )
    fields = []
    if state == ChainState.OK:
        terminal.chain_seq, terminal.chain_hash = head.seq, head.hash
        fields += ["chain_seq", "chain_hash"]
    else:
        log.warning(
            "terminal audit chain flagged",
            extra={"terminal": str(terminal), "state": state, "note": note},
        )
        if terminal.chain_state == ChainState.OK:
            terminal.chain_state = state
            fields.append("chain_state")
    if fields:
        Terminal.objects.filter(pk=terminal.pk).update(**{f: getattr(terminal, f) for f in fields})
