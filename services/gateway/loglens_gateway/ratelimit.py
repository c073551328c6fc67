"""Rate limits of Register and Login: token buckets per client address, and a backoff per account and client.

Failed password checks slow down the (account, client address) pair that made them, with a delay that
doubles per failure; they never lock the account. Keyed on the pair, an attacker guessing a chosen user's
password from one address delays only themselves: the user logs in from their own address as usual (the
per-user-and-IP block of Auth0's brute-force protection). Guessing from many addresses is bounded by the
per-address buckets times the addresses, and by the password rules (12+ characters, no common password).

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
        attempts: str = "attempts",
    ) -> None:
        self.what = what
        self.attempts = attempts
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
                f"too many {self.attempts} from this {self.what}; retry in {retry_after} s",
                reason="RATE_LIMITED",
                metadata={"limit": self.what if self.attempts == "attempts" else f"{self.attempts} per {self.what}"},
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


@dataclass
class Failures:
    count: int
    last: float
    blocked_until: float


class LoginBackoff:
    """Exponential backoff of failed password checks per key (an account and a client address).

    The first ``free`` failures cost nothing; each one after waits ``base_s * 2**k`` seconds (capped at
    ``max_s``) before the key may try again. A success forgets the key, and so does ``forget_after_s`` of
    quiet. A key in its wait is refused before any password is checked, so a guesser learns nothing more.
    """

    def __init__(
        self,
        free: int,
        base_s: float,
        max_s: float,
        forget_after_s: float,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.free = free
        self.base_s = base_s
        self.max_s = max_s
        self.forget_after_s = forget_after_s
        self.clock = clock
        self.max_keys = max_keys
        self._keys: dict[str, Failures] = {}

    def check(self, key: str) -> None:
        """Raise RESOURCE_EXHAUSTED with the remaining wait while ``key`` is backing off."""
        now = self.clock()
        entry = self._keys.get(key)
        if entry is None:
            return
        if now - entry.last >= self.forget_after_s:
            del self._keys[key]
            return
        wait = entry.blocked_until - now
        if wait > 0:
            retry_after = math.ceil(wait)
            raise ResourceExhausted(
                f"too many failed attempts for this account from this client address; retry in {retry_after} s"
                " (other addresses are not affected)",
                reason="RATE_LIMITED",
                metadata={"limit": "account and client address"},
                retry_after_s=float(retry_after),
            )

    def failed(self, key: str) -> float:
        """Record a failure; the seconds the key must now wait (0.0 while failures are free)."""
        now = self.clock()
        entry = self._keys.get(key)
        if entry is None or now - entry.last >= self.forget_after_s:
            if len(self._keys) >= self.max_keys:
                self._evict(now)
            entry = self._keys[key] = Failures(0, now, now)
        entry.count += 1
        entry.last = now
        over = entry.count - self.free
        delay = min(self.max_s, self.base_s * 2.0 ** min(over - 1, 60)) if over > 0 else 0.0
        entry.blocked_until = now + delay
        return delay

    def succeeded(self, key: str) -> None:
        self._keys.pop(key, None)

    def _evict(self, now: float) -> None:
        for key in [k for k, f in self._keys.items() if now - f.last >= self.forget_after_s]:
            del self._keys[key]
        if len(self._keys) >= self.max_keys:  # all recent: forget the stalest half rather than grow
            stalest = sorted(self._keys, key=lambda k: self._keys[k].last)
            for key in stalest[: len(stalest) // 2]:
                del self._keys[key]
