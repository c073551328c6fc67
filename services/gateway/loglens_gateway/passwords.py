"""Password hashing: Argon2id (argon2-cffi) at or above OWASP's parameters, off the event loop.

Each hash takes tens of milliseconds and ``memory_kib`` of memory, so at most ``concurrency`` run at once
in worker threads (argon2-cffi releases the GIL). Verifying for an unknown account runs against a dummy hash
with the same parameters, so a login for a missing user costs as much as one with a wrong password.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Passwords:
    def __init__(self, memory_kib: int, time_cost: int, parallelism: int, concurrency: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
        )
        self._slots = asyncio.Semaphore(concurrency)
        self._dummy = self._hasher.hash("a password nobody has: verifying it levels the login timing")

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, stored_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; with no stored hash, spends the same time and returns False."""
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored_hash, password)

    def _verify(self, stored_hash: str | None, password: str) -> bool:
        try:
            self._hasher.verify(stored_hash or self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return stored_hash is not None

    def needs_rehash(self, stored_hash: str) -> bool:
        """True when the hash was made with weaker parameters than today's; Login then upgrades it."""
        return self._hasher.check_needs_rehash(stored_hash)
