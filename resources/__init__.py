"""Kaunta's icons, style sheets and translations, installed as ``kaunta_resources``.

Data only: nothing here is imported for its code. ``pos.ui.resources`` is the one lookup
(via ``importlib.resources``) that finds these files in a source checkout and an installed
build alike; see ``resources/README.md``.
"""
