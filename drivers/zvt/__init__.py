"""ZVT card terminals, ECR side: pure codec, serial/TCP link, driver and an emulator.

ZVT is the German terminal protocol (spec openly published by terminalhersteller.de) that
many terminals speak over RS-232 and TCP port 20007. The till is the ECR: it sends an
amount and receives an approval with a masked PAN; it never sees track data or PINs
(semi-integrated). Layers, each importable on its own:

* :mod:`drivers.zvt.framing`: DLE STX ... DLE ETX frames, DLE stuffing, CRC-16/KERMIT;
* :mod:`drivers.zvt.apdu`: APDUs (class, instruction, length, data);
* :mod:`drivers.zvt.bmp`: BMP fields and TLV containers, BCD;
* :mod:`drivers.zvt.messages`: the commands the ECR sends and the PT's answers, typed;
* :mod:`drivers.zvt.codes`: result codes and intermediate status texts;
* :mod:`drivers.zvt.link`: one APDU over a serial port (framing, ACK/NAK, retries) or TCP;
* :mod:`drivers.zvt.terminal`: the ECR's conversations (registration, payment, abort,
  reversal, refund, end of day, status enquiry);
* :mod:`drivers.zvt.emulator`: a PT speaking the same bytes over a pty or a socket.

Standard library and pyserial only; nothing here knows ``pos`` or Qt.
"""
