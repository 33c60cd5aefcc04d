"""Kaunta sync: how tills and the head office talk.

``sync.protocol`` is the wire format (pure: standard library only), shared by the till's
``sync.agent`` and the head office's ``sync.server``. See docs/protocol.md.
"""

from __future__ import annotations
