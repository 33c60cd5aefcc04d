"""What the till says when its stored KRA signatures were changed outside Kaunta.

The eTIMS worker checks the signed invoices of its queue file when it starts
(``sync.etims.chain_check``: a row rewritten around its trigger, one removed or
reordered, a rule dropped). The library is pure and writes English (``kaunta verify``,
the log); for the screens each kind of finding is a registered message here, with the
same English and the branch and invoice numbers as values, so the manager and the
cashier read it in the till's language. ``FINDINGS`` is keyed by the library's kind
(``sync.etims.chain_check.Problem``, a string): this layer does not import the library,
the composition root (``pos.etims_link``) joins the two.

The alert (:data:`ALERT`) says what happened and what to do. Sales go on, as with a
journal entry that does not verify: the evidence stays as found, for support.
"""

from __future__ import annotations

from pos.domain.messages import Message, Template, define

#: each kind of finding, by ``sync.etims.chain_check.Problem`` value (the English is the
#: library's own: a test checks both say the same)
FINDINGS: dict[str, Template] = {
    "rule_gone": define(
        "etims.tampered.rule_gone",
        "the rule {rule} that keeps signed invoices unchanged is gone",
    ),
    "unreadable": define(
        "etims.tampered.unreadable",
        "branch {branch}, invoice {invoice}: its stored signature is not readable",
    ),
    "other_invoice": define(
        "etims.tampered.other_invoice",
        "branch {branch}, invoice {invoice}: its signature is of invoice {signed_as}",
    ),
    "out_of_order": define(
        "etims.tampered.out_of_order",
        "branch {branch}, invoice {invoice}: it does not follow the invoice signed before it "
        "(a signed invoice was removed, added or reordered)",
    ),
    "hash_differs": define(
        "etims.tampered.hash_differs",
        "branch {branch}, invoice {invoice}: its signature is not the one KRA gave (hash differs)",
    ),
    "signature_gone": define(
        "etims.tampered.signature_gone",
        "branch {branch}, invoice {invoice}: signed in the queue, but its signature is gone",
    ),
}

#: the red alert of the till's window (and the manager's eTIMS queue screen)
ALERT = define(
    "etims.tampered.alert",
    "KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta "
    "({finding}). Sales go on and the file is kept as it was found. Manager: do not "
    "change or delete it; run kaunta verify (it names every problem) and call support.",
    other="KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta "
    "({problems} problems, the first: {finding}). Sales go on and the file is kept as it "
    "was found. Manager: do not change or delete it; run kaunta verify (it names every "
    "problem) and call support.",
    count="problems",
)


def finding(kind: str, values: dict[str, str]) -> Message:
    """One finding of the library (its kind and values) as a message."""
    return FINDINGS[kind](**values)


def alert(file: str, first: Message, problems: int) -> Message:
    """The alert for ``problems`` findings in the queue file named ``file``, naming the
    first (``kaunta verify`` lists them all)."""
    return ALERT(file=file, finding=first, problems=problems)
