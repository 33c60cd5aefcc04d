"""Exponential backoff with full jitter: how long the agent waits after a failure.

The n-th consecutive failure waits a random time in ``[0, min(cap, base * 2**n)]`` (the
"full jitter" of AWS's architecture note): a chain's tills that lost the network together
do not all come back in the same second. A server's ``Retry-After`` is a floor.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    base_s: float = 1.0
    cap_s: float = 300.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def failed(self, retry_after: float | None = None) -> float:
        """Count a failure; the seconds to wait before the next try."""
        ceiling = min(self.cap_s, self.base_s * (2 ** min(self.failures, 30)))
        self.failures += 1
        wait = self.rng.uniform(0, ceiling)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.cap_s))
        return wait

    def succeeded(self) -> None:
        self.failures = 0
