"""Password hashing with argon2id (argon2-cffi), at OWASP's parameters or stronger.

OWASP's Password Storage Cheat Sheet asks for argon2id with at least 19 MiB, 2 iterations, 1 lane.
Production uses 64 MiB, 3 iterations, 1 lane (RFC 9106's second recommended option): about 0.2 s of
one core per hash, so size the Lambda's memory at 256 MB or more. Tests may inject a cheaper hasher
through the composition root; the parameters live in each hash, so verification follows the hash.
"""

from __future__ import annotations

import secrets
from functools import cached_property

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

PRODUCTION_TIME_COST = 3
PRODUCTION_MEMORY_COST_KIB = 64 * 1024
PRODUCTION_PARALLELISM = 1


class Argon2PasswordHasher:
    def __init__(
        self,
        time_cost: int = PRODUCTION_TIME_COST,
        memory_cost: int = PRODUCTION_MEMORY_COST_KIB,
        parallelism: int = PRODUCTION_PARALLELISM,
    ):
        self._hasher = PasswordHasher(
            time_cost=time_cost,
            memory_cost=memory_cost,
            parallelism=parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str, password: str) -> bool:
        """True only for the right password; a corrupt hash is a mismatch, never an exception."""
        try:
            return self._hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than this hasher's (rehash after a good login)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    @cached_property
    def dummy_hash(self) -> str:
        """A hash of nothing anyone knows: verifying against it costs what a real verification costs.

        Login verifies against it for unknown emails, so an unknown email and a wrong password take as long.
        """
        return self._hasher.hash(secrets.token_urlsafe(24))
