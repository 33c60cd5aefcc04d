"""The head office (Django + DRF): the central ledger, terminals, catalog and staff.

Layer rule: may import ``sync.protocol`` and pure modules of ``pos.domain``; never
``pos.ui``, ``pos.store``, HTTP clients or sandboxes. Every event is read with
``sync.protocol.parse_batch`` and answered with ``acks_document``. See docs/headoffice.md.
"""
