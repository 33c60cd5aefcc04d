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

A finding is also kept (``pos.etims_evidence``: an entry in the till's audit log, which
the keyed journal seals) and the alert comes back at every start until a manager
acknowledges it (:data:`ALERT_RECORDED` once the file itself no longer shows it, say a
dropped rule Kaunta put back); the acknowledgement is an audit entry too. A file still
chained the old unkeyed way whose chain does not verify is not re-chained with the key
(:data:`ALERT_OLD_CHAIN` says so).
"""

from __future__ import annotations

from datetime import datetime

from pos.domain.messages import Message, Template, define, text

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
    "cut_back": define(
        "etims.tampered.cut_back",
        "branch {branch}: invoice {invoice}, the last one signed when this till last "
        "started, is gone (the file was cut back or put back from an older copy)",
    ),
    "unkeyed": define(
        "etims.tampered.unkeyed",
        "branch {branch}, invoice {invoice}: it is chained without the key, where this "
        "file's invoices were chained with it (re-chained outside Kaunta)",
    ),
}

#: the red alert of the till's window (and the manager's eTIMS queue screen)
ALERT = define(
    "etims.tampered.alert",
    "KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta "
    "({finding}). Sales go on and the file is kept as it was found. Manager: do not "
    "change or delete it; run kaunta verify (it names every problem) and call support. Then "
    "acknowledge it in Manager > KRA eTIMS queue.",
    other="KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta "
    "({problems} problems, the first: {finding}). Sales go on and the file is kept as it "
    "was found. Manager: do not change or delete it; run kaunta verify (it names every "
    "problem) and call support. Then "
    "acknowledge it in Manager > KRA eTIMS queue.",
    count="problems",
)


#: the alert when the file is chained the old (unkeyed) way and that chain does not
#: verify: the upgrade to the keyed chain is not done, so what was found stays as it was
ALERT_OLD_CHAIN = define(
    "etims.tampered.old_chain",
    "KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta "
    "({finding}). They are chained the old way, without the key, and were not re-chained "
    "with it. Sales go on and the file is kept as it was found. Manager: do not change or "
    "delete it; run kaunta verify (it names every problem) and call support. Then "
    "acknowledge it in Manager > KRA eTIMS queue.",
    other="KRA eTIMS: the KRA signatures stored in {file} were changed outside Kaunta "
    "({problems} problems, the first: {finding}). They are chained the old way, without "
    "the key, and were not re-chained with it. Sales go on and the file is kept as it was "
    "found. Manager: do not change or delete it; run kaunta verify (it names every "
    "problem) and call support. Then "
    "acknowledge it in Manager > KRA eTIMS queue.",
    count="problems",
)

#: the alert at a later start, for a finding no manager has acknowledged yet that the
#: file itself no longer shows (a dropped rule was put back when the queue opened it)
ALERT_RECORDED = define(
    "etims.tampered.recorded",
    "KRA eTIMS: on {at} the KRA signatures stored in {file} were found changed outside "
    "Kaunta ({finding}). This stays here until a manager acknowledges it. Sales go on. "
    "Manager: run kaunta verify and call support. Then "
    "acknowledge it in Manager > KRA eTIMS queue.",
    other="KRA eTIMS: on {at} the KRA signatures stored in {file} were found changed "
    "outside Kaunta ({problems} problems, the first: {finding}). This stays here until a "
    "manager acknowledges it. Sales go on. Manager: run kaunta verify and call support. Then "
    "acknowledge it in Manager > KRA eTIMS queue.",
    count="problems",
)

#: what the eTIMS view's reason says on a till whose journal key is not loaded (its
#: journal refuses sales and says why): the signatures are still kept, chained unkeyed
NOT_KEYED = text(
    "the stored KRA signatures are chained without a key (the journal key is not "
    "loaded), so they are protected only against accidents until it is"
)

#: why an acknowledgement was refused
ACK_NOTHING = define(
    "etims.tampered.ack_nothing", "There is no eTIMS tampering finding to acknowledge."
)


def finding(kind: str, values: dict[str, str]) -> Message:
    """One finding of the library (its kind and values) as a message."""
    return FINDINGS[kind](**values)


def alert(file: str, first: Message, problems: int, *, old_chain: bool = False) -> Message:
    """The alert for ``problems`` findings in the queue file named ``file``, naming the
    first (``kaunta verify`` lists them all); ``old_chain``: the file is chained the old
    way and was not re-chained with the key because of them."""
    template = ALERT_OLD_CHAIN if old_chain else ALERT
    return template(file=file, finding=first, problems=problems)


def recorded(file: str, at: datetime, first: Message, problems: int) -> Message:
    """The alert for findings recorded at ``at`` and not acknowledged yet."""
    return ALERT_RECORDED(file=file, at=at, finding=first, problems=problems)
