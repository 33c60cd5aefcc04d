"""ESC/POS receipt printers and the cash drawer they drive.

``document`` (what to print, device-neutral), ``profiles`` (paper width, columns, code
page), ``commands`` and ``encoder`` (document to bytes, pure), ``status`` (DLE EOT and ASB
replies, pure), ``decoder`` (bytes back to a receipt picture, for the emulator and tests),
``driver`` (one printer over a port) and ``device`` (the printer on its own worker, with
the queue of receipts waiting for paper), ``emulator`` (a printer over a pty or socket).
"""
