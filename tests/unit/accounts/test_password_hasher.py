"""Passwords are stored as argon2id at OWASP's parameters or stronger; verification never raises."""

from __future__ import annotations

import argon2

from chalicelib.adapters.passwords import Argon2PasswordHasher


def test_the_composition_roots_hasher_stores_argon2id_with_64_mib_3_passes_1_lane(app_services):
    """OWASP Password Storage Cheat Sheet asks for argon2id with m >= 19 MiB, t >= 2, p = 1; we use more."""
    stored = app_services.password_hasher.hash("correct horse battery")  # one real hash, ~0.2 s

    parameters = argon2.extract_parameters(stored)
    assert stored.startswith("$argon2id$v=19$")
    assert parameters.type is argon2.Type.ID
    assert (parameters.memory_cost, parameters.time_cost, parameters.parallelism) == (65536, 3, 1)
    assert parameters.memory_cost >= 19 * 1024 and parameters.time_cost >= 2
    assert parameters.salt_len >= 16 and parameters.hash_len >= 32
    assert app_services.password_hasher.verify(stored, "correct horse battery")


def test_the_right_password_verifies_and_a_wrong_one_does_not():
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    stored = hasher.hash("correct horse battery")

    assert hasher.verify(stored, "correct horse battery") is True
    assert hasher.verify(stored, "correct horse batterY") is False


def test_a_corrupt_hash_is_a_mismatch_and_needs_rehashing():
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

    assert hasher.verify("not a hash", "anything") is False
    assert hasher.verify("$argon2id$v=19$m=8,t=1,p=1$broken", "anything") is False
    assert hasher.needs_rehash("not a hash") is True


def test_the_same_password_hashes_differently_each_time():
    hasher = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

    assert hasher.hash("correct horse battery") != hasher.hash("correct horse battery")


def test_only_hashes_made_with_other_parameters_need_rehashing():
    cheap = Argon2PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    production = Argon2PasswordHasher()

    assert production.needs_rehash(cheap.hash("x" * 8)) is True
    assert cheap.needs_rehash(cheap.hash("x" * 8)) is False
