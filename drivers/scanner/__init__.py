"""Serial barcode scanners: framing (terminator, STX/ETX, AIM prefix) and an emulator."""
