"""The reconnect policy: capped exponential backoff with full jitter.

Pure: randomness comes from an injected ``random.Random``; nothing here sleeps.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff"]


@dataclass
class Backoff:
    """Delays between reconnect attempts.

    The n-th consecutive failure waits a random time in
    ``[base * 2**(n-1) / 2, base * 2**(n-1)]`` capped at ``cap_seconds``
    ("equal jitter"), so a fleet of connectors restarted together does not
    reconnect in lock step, yet a delay never collapses to zero.

    Args:
        base_seconds: delay after the first failure (before jitter).
        cap_seconds: the longest delay.
        rng: the random source (seeded in tests).
    """

    base_seconds: float = 1.0
    cap_seconds: float = 60.0
    rng: random.Random = field(default_factory=random.Random)
    failures: int = 0

    def next_delay(self) -> float:
        """Record one more failure and return how long to wait before retrying.

        Returns:
            Seconds to wait, in ``(0, cap_seconds]``.
        """
        self.failures += 1
        ceiling = min(self.cap_seconds, self.base_seconds * float(2 ** min(self.failures - 1, 30)))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        """Forget past failures (call after a session delivered data)."""
        self.failures = 0
