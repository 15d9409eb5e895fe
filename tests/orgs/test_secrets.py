"""Encrypted secrets at rest: keys from config, old keys still decrypt, rotation re-encrypts."""

from __future__ import annotations

import pytest

from orgs.errors import SecretUndecryptable
from orgs.secrets import secret_decrypt, secret_encrypt, secret_rotate


@pytest.fixture(autouse=True)
def keys(settings):
    settings.DATABASE_SECRET_KEY = "current key"
    settings.DATABASE_SECRET_KEYS_OLD = []
    return settings


def test_encrypted_secret_decrypts_to_the_plaintext():
    assert secret_decrypt(secret_encrypt("mirror password")) == "mirror password"


def test_ciphertext_does_not_contain_the_plaintext():
    assert "mirror password" not in secret_encrypt("mirror password")


def test_encrypting_twice_gives_different_ciphertexts():
    assert secret_encrypt("same") != secret_encrypt("same")


def test_a_key_moved_to_the_old_keys_still_decrypts(keys):
    ciphertext = secret_encrypt("mirror password")
    keys.DATABASE_SECRET_KEY = "new key"
    keys.DATABASE_SECRET_KEYS_OLD = ["current key"]
    assert secret_decrypt(ciphertext) == "mirror password"


def test_rotation_re_encrypts_under_the_current_key(keys):
    ciphertext = secret_encrypt("mirror password")
    keys.DATABASE_SECRET_KEY = "new key"
    keys.DATABASE_SECRET_KEYS_OLD = ["current key"]
    rotated = secret_rotate(ciphertext)
    keys.DATABASE_SECRET_KEYS_OLD = []
    assert secret_decrypt(rotated) == "mirror password"
    with pytest.raises(SecretUndecryptable):
        secret_decrypt(ciphertext)


def test_a_wrong_key_fails_with_a_clear_error(keys):
    ciphertext = secret_encrypt("mirror password")
    keys.DATABASE_SECRET_KEY = "another key"
    with pytest.raises(SecretUndecryptable, match="DATABASE_SECRET_KEY"):
        secret_decrypt(ciphertext)


def test_rotation_with_no_matching_key_fails_with_the_same_error(keys):
    ciphertext = secret_encrypt("mirror password")
    keys.DATABASE_SECRET_KEY = "another key"
    with pytest.raises(SecretUndecryptable):
        secret_rotate(ciphertext)


def test_garbage_is_undecryptable():
    with pytest.raises(SecretUndecryptable):
        secret_decrypt("not a fernet token")


def test_unicode_survives_the_round_trip():
    assert secret_decrypt(secret_encrypt("pässwörd ✓")) == "pässwörd ✓"
