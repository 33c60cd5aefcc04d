"""Payment methods: one interface for cash, M-Pesa, PayPal and cards.

Imports ``pos.domain``, ``requests``, ``cryptography`` (webhook signatures) and the standard
library only; never Qt and never the store. The orchestration (attempts stored before any
gateway is called, recovery after a crash, split tender) lives in ``pos.services.payments``.
"""
