"""Local storage of a terminal: one SQLite file, SQLAlchemy 2.0 models, Alembic migrations.

Imports only ``pos.domain``, SQLAlchemy and Alembic. Completed documents (sales, their
lines, taxes and payments) and the audit log are append-only, enforced by SQLite triggers
as well as by the code, so a bug or a hand-edit cannot silently rewrite history; and each is
sealed in a chain keyed with a secret kept outside the file (``journal_chain``, checked by
``journal_verify``), so an edit made around the triggers shows.
"""
