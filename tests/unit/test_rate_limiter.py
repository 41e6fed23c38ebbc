"""The token bucket behind 429s: burst, steady refill, independent clients, bounded memory."""

from __future__ import annotations

from backbone.limits import RateLimiter


def test_a_burst_then_the_steady_rate() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    assert [limiter.take("a", now=0.0) for _ in range(2)] == [0.0, 0.0]
    assert limiter.take("a", now=0.0) == 1.0  # one token per second
    assert limiter.take("a", now=1.0) == 0.0
    assert limiter.take("b", now=1.0) == 0.0, "another client has its own bucket"


def test_an_idle_client_refills_up_to_the_burst_only() -> None:
    limiter = RateLimiter(per_minute=60, burst=3)
    for _ in range(3):
        limiter.take("a", now=0.0)
    assert [limiter.take("a", now=3600.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.take("a", now=3600.0) > 0


def test_memory_is_bounded_by_forgetting_the_least_recent_clients() -> None:
    limiter = RateLimiter(per_minute=60, burst=1, max_clients=2)
    limiter.take("a", now=0.0)
    limiter.take("b", now=0.0)
    limiter.take("c", now=0.0)
    assert limiter.take("a", now=0.0) == 0.0, "a was forgotten, so it starts with a full bucket"
