"""PySide6 screens of the till. Services run off the GUI thread through ``runner``."""
