"""``card_overhead_ms`` for ``kaunta bench devices``: what the card driver adds to a payment.

One sample is one card payment as the till takes it: a job on the terminal's device worker
(:class:`pos.payments.card.device.CardTerminalDevice`), the ZVT conversation over a real pty
(framed serial: DLE STX/ETX, CRC, ACK for every frame) to the emulated terminal in this
process, approved at once. The emulator is told to wait ``step_delay`` between its status
messages, twice per payment; the overhead is the wall time of the payment minus those
waits: framing, CRC, the link's acknowledgements both ways, parsing, the worker hop and the
emulator's own processing (which a real terminal does too, so the figure errs on the high
side). Goal: under 30 ms (median).

:func:`card_overhead` is meant to be merged into the devices benchmark's JSON;
``python -m pos.bench.card`` prints it alone.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from drivers.transport import PortSettings
from drivers.zvt.emulator import Settings, ZvtEmulator
from pos.payments.card.device import CardTerminalDevice, TerminalSettings

#: the emulated customer's waits per payment: two status messages after "insert card"
WAITS_PER_PAYMENT = 2


def card_overhead(runs: int = 30, step_delay: float = 0.01) -> dict[str, float | int]:
    """Median and p95 driver overhead per card payment in ms, and the sample count."""
    emulator = ZvtEmulator(Settings(step_delay=step_delay))
    path = emulator.start_pty()
    device = CardTerminalDevice(
        TerminalSettings(PortSettings(url=path, baudrate=115200, timeout=0.05), "serial")
    )
    samples: list[float] = []
    try:
        device.run(lambda t: t.status_enquiry())  # open the port before timing
        for _ in range(runs):
            began = time.perf_counter()
            outcome = device.run(lambda t: t.pay(1250))
            elapsed = time.perf_counter() - began
            if not outcome.approved:
                raise RuntimeError(f"the emulated terminal refused: {outcome.result_code:02X}")
            samples.append((elapsed - WAITS_PER_PAYMENT * step_delay) * 1000)
    finally:
        device.close()
        emulator.stop()
    samples.sort()
    return {
        "card_overhead_ms": round(statistics.median(samples), 2),
        "card_overhead_ms_p95": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "card_payments": runs,
    }


def main(argv: list[str] | None = None) -> int:
    runs = int((argv or sys.argv[1:] or ["30"])[0])
    print(json.dumps(card_overhead(runs), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
