"""Rate limits of Register and Login: one token bucket per client address and one per account.

The buckets live in this process. With several gateway replicas each enforces its own limits, so the
effective limit is multiplied by the replica count; a shared store (e.g. Redis with an atomic script, or a
Postgres row per key) is needed to make them global. Memory is bounded: idle full buckets are dropped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from loglens_common.errors import ResourceExhausted


@dataclass
class TokenBucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """Take one token; 0.0 when granted, else the seconds until one is available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return 0.0
        return (1.0 - self.tokens) / self.per_second


class RateLimiter:
    def __init__(
        self,
        what: str,
        burst: int,
        per_minute: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.what = what
        self.burst = burst
        self.per_second = per_minute / 60.0
        self.clock = clock
        self.max_keys = max_keys
        self._buckets: dict[str, TokenBucket] = {}

    def check(self, key: str) -> None:
        """Spend one call for ``key`` or raise RESOURCE_EXHAUSTED with the delay before the next one."""
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._evict(now)
            bucket = self._buckets[key] = TokenBucket(self.burst, self.per_second, self.burst, now)
        wait = bucket.take(now)
        if wait > 0:
            retry_after = math.ceil(wait)
            raise ResourceExhausted(
                f"too many attempts from this {self.what}; retry in {retry_after} s",
                reason="RATE_LIMITED",
                metadata={"limit": self.what},
                retry_after_s=float(retry_after),
            )

    def _evict(self, now: float) -> None:
        full_after = self.burst / self.per_second
        idle = [k for k, b in self._buckets.items() if now - b.updated >= full_after]
        for key in idle:
            del self._buckets[key]
        if len(self._buckets) >= self.max_keys:  # all busy: forget the stalest half rather than grow
            stalest = sorted(self._buckets, key=lambda k: self._buckets[k].updated)
            for key in stalest[: len(stalest) // 2]:
                del self._buckets[key]


def peer_address(peer: str) -> str:
    """The client address of a gRPC peer string (``ipv4:1.2.3.4:5678``, ``ipv6:[::1]:5678``), port dropped.

    Behind a load balancer this is the balancer's address; the gateway must then sit behind one that keeps
    client addresses (e.g. a pass-through L4 balancer) for the per-client limit to mean anything.
    """
    kind, _, rest = peer.partition(":")
    if kind == "ipv6" and rest.startswith("["):
        return rest[1 : rest.index("]")] if "]" in rest else rest
    if kind == "ipv4":
        return rest.rsplit(":", 1)[0]
    return peer or "unknown"
