"""Kaunta's serial devices: transport, one worker per device, codecs, drivers, emulators.

This package imports pyserial and the standard library only; it knows nothing of ``pos``
or Qt, so it can be tested, benchmarked and reused on its own. Layout per device:
``codec`` (pure bytes in and out), ``driver`` (I/O, timeouts, retries, typed errors) and
``emulator`` (the device's own side, over a pty or a socket, for training and tests).
"""
