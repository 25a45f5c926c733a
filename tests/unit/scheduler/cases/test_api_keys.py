"""API keys: their shape, and what is stored of them."""

from __future__ import annotations

import hashlib

from services.scheduler.service_layer import api_keys


def test_new_keys_are_long_random_and_marked() -> None:
    first, second = api_keys.new_secret(), api_keys.new_secret()
    assert first != second
    assert first.startswith("rk_")
    assert len(first) >= 40


def test_the_stored_digest_is_the_sha256_of_the_key() -> None:
    secret = api_keys.new_secret()
    assert api_keys.digest(secret) == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in api_keys.digest(secret)


def test_the_development_key_is_stable_for_one_secret_key() -> None:
    one = api_keys.development_secret("dev-secret")
    assert one == api_keys.development_secret("dev-secret")
    assert one != api_keys.development_secret("another-secret")
    assert one.startswith("rk_dev_")
