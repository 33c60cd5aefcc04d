"""A live till enrolled from the manager's tools under other ids than its config's.

Head office names the store and till at enrollment; a till set up on its own was given
ids by hand (the set-up wizard's shop page). Its journal key is kept under those ids
(``journal.key.<store>-<till>``), and every sale is sealed with them, so the ids can follow
head office's only while the till has made no document under the old ones: then the
journal key is kept under the new ids too (:func:`pos.services.journal.move_journal_key`)
and the config file's ``[terminal] store_id`` and ``terminal_id`` are rewritten in place
(comments and layout kept, written atomically). The running till keeps its ids until the
next start, which opens the journal and starts the agent under the enrolled ones.
"""

from __future__ import annotations

import logging

from pos.config import Config
from pos.secrets import journal_key_store
from pos.services.config_file import ConfigEditError, edit_config, write_atomically
from pos.services.journal import JournalKeyNotMoved, move_journal_key
from pos.services.terminal import Terminal

log = logging.getLogger(__name__)


class IdsNotAdopted(Exception):
    """Why the enrolled ids cannot be taken (English: the log and the screen's detail)."""


def adopt_enrolled_ids(config: Config, terminal: Terminal, store_id: str, terminal_id: str) -> None:
    """Make this till start under ``store_id``/``terminal_id`` from its next start: the
    journal key kept under them, the config file changed. Raises :class:`IdsNotAdopted`
    (the config unchanged) when it cannot: training, no config file, documents already
    made under the old ids, or a file laid out so that it cannot be changed safely."""
    if config.training:
        raise IdsNotAdopted("training mode keeps its own ids")
    path = config.config_path
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise IdsNotAdopted(f"the config file {path} cannot be read: {exc}") from None
    try:
        edited = edit_config(
            text,
            {"terminal": {"store_id": store_id, "terminal_id": terminal_id}},
            name=str(path),
        )
    except ConfigEditError as exc:
        raise IdsNotAdopted(str(exc)) from None
    try:
        move_journal_key(
            terminal.db,
            journal_key_store(False, config.database_path),
            terminal.ctx,
            store_id,
            terminal_id,
        )
    except JournalKeyNotMoved as exc:
        raise IdsNotAdopted(str(exc)) from None
    try:
        write_atomically(path, edited)
    except OSError as exc:
        raise IdsNotAdopted(f"the config file {path} cannot be written: {exc}") from None
    log.info("enrolled ids %s/%s written to %s", store_id, terminal_id, path)
