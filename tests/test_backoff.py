"""Reconnect delays: exponential, capped, jittered, never zero."""

from __future__ import annotations

import random

from cef_connector.session.backoff import Backoff


def test_delays_double_until_the_cap_and_stay_within_the_jitter_band() -> None:
    backoff = Backoff(base_seconds=1.0, cap_seconds=8.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [1, 2, 4, 8, 8, 8, 8, 8]
    for delay, ceiling in zip(delays, ceilings):
        assert ceiling / 2 <= delay <= ceiling


def test_reset_starts_again_from_the_base_delay() -> None:
    backoff = Backoff(base_seconds=2.0, cap_seconds=60.0, rng=random.Random(1))
    for _ in range(5):
        backoff.next_delay()
    backoff.reset()
    assert 1.0 <= backoff.next_delay() <= 2.0
    assert backoff.failures == 1


def test_same_seed_gives_the_same_delays() -> None:
    first = Backoff(rng=random.Random(3))
    second = Backoff(rng=random.Random(3))
    assert [first.next_delay() for _ in range(6)] == [second.next_delay() for _ in range(6)]
