"""Ciphertext formats, tamper detection, associated-data binding, blind indexes, master key sources."""

from __future__ import annotations

import base64
import os
import pickle
import stat
import statistics
import time
import uuid
from pathlib import Path

import pytest

from crm.core.config import ConfigError
from crm.core.security.crypto import (
    InvalidCiphertext,
    KeyStore,
    LocalKeyProvider,
    OrgCipher,
    UnknownKeyVersion,
    UnknownMasterKey,
    UnwrapFailed,
    key_version,
    normalize_email,
    normalize_phone,
)
from crm.core.security.crypto_providers import (
    create_master_key_file,
    format_master_keys,
    parse_master_keys,
    read_master_key_file,
)
from tests.fixtures.database import test_settings as make_settings

ORG_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
ORG_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
ROW_1 = uuid.UUID("11111111-1111-4111-8111-111111111111")
ROW_2 = uuid.UUID("22222222-2222-4222-8222-222222222222")
EMAIL = "zelda.patient@example.org"


def _cipher(org: uuid.UUID = ORG_A, versions: tuple[int, ...] = (1,), active: int = 1) -> OrgCipher:
    keys = {v: bytes([v]) * 32 for v in versions}
    return OrgCipher(org, keys, active, index_root=org.bytes * 2)


def _provider(*versions: int) -> LocalKeyProvider:
    keys = {str(v): os.urandom(32) for v in versions}
    return LocalKeyProvider(keys, str(versions[0]), source="test")


def test_round_trip_and_format() -> None:
    cipher = _cipher()
    sealed = cipher.encrypt(EMAIL, "contacts", "email", ROW_1)
    assert sealed[0] == 0x01 and key_version(sealed) == 1
    assert len(sealed) == 5 + 12 + len(EMAIL.encode()) + 16
    assert EMAIL.encode() not in sealed
    assert cipher.decrypt(sealed, "contacts", "email", ROW_1) == EMAIL
    assert cipher.decrypt(sealed, "contacts", "email", str(ROW_1)) == EMAIL  # one canonical row id
    # A fresh nonce each time: equal plaintexts never give equal ciphertexts.
    assert cipher.encrypt(EMAIL, "contacts", "email", ROW_1) != sealed
    assert cipher.encrypt("Ünïcødé ☃", "contacts", "note", 7) != b""
    assert (
        cipher.decrypt(cipher.encrypt("Ünïcødé ☃", "contacts", "note", 7), "contacts", "note", 7)
        == "Ünïcødé ☃"
    )
    assert cipher.encrypt_optional("  ", "contacts", "email", ROW_1) is None
    assert cipher.decrypt_optional(None, "contacts", "email", ROW_1) is None


def test_any_altered_byte_is_detected() -> None:
    cipher = _cipher(versions=(1, 2), active=1)
    sealed = cipher.encrypt(EMAIL, "contacts", "email", ROW_1)
    for position in range(len(sealed)):
        altered = bytearray(sealed)
        altered[position] ^= 0x01
        with pytest.raises((InvalidCiphertext, UnknownKeyVersion)):
            cipher.decrypt(bytes(altered), "contacts", "email", ROW_1)
    with pytest.raises(InvalidCiphertext):
        cipher.decrypt(sealed[:-1], "contacts", "email", ROW_1)
    with pytest.raises(InvalidCiphertext):
        cipher.decrypt(b"\x01\x00\x00", "contacts", "email", ROW_1)


def test_associated_data_binds_organisation_table_column_row_and_version() -> None:
    a, b = _cipher(ORG_A), _cipher(ORG_B)
    sealed = a.encrypt(EMAIL, "contacts", "email", ROW_1)
    moves = [
        (a, "contacts", "email", ROW_2),  # another row
        (a, "contacts", "phone", ROW_1),  # another column
        (a, "companies", "email", ROW_1),  # another table
        (b, "contacts", "email", ROW_1),  # another organisation, same row id
    ]
    for cipher, table, column, row in moves:
        with pytest.raises(InvalidCiphertext):
            cipher.decrypt(sealed, table, column, row)
    # Relabelling the key version is caught too (the header is authenticated).
    two = _cipher(versions=(1, 2), active=2)
    sealed_v2 = two.encrypt(EMAIL, "contacts", "email", ROW_1)
    relabelled = b"\x01\x00\x00\x00\x01" + sealed_v2[5:]
    with pytest.raises(InvalidCiphertext):
        two.decrypt(relabelled, "contacts", "email", ROW_1)
    with pytest.raises(UnknownKeyVersion):
        _cipher(versions=(1,)).decrypt(sealed_v2, "contacts", "email", ROW_1)


def test_blind_index_is_normalized_and_per_organisation() -> None:
    a, b = _cipher(ORG_A), _cipher(ORG_B)
    index = a.blind_index(EMAIL, "email")
    assert len(index) == 32
    assert a.blind_index("  Zelda.Patient@EXAMPLE.org ", "email") == index
    assert b.blind_index(EMAIL, "email") != index  # equal emails in two tenants never match
    assert a.blind_index(EMAIL, "other") != index  # purposes are separated
    assert a.blind_index("+44 (0)20 7946 0958", "phone") == a.blind_index("0044 20 7946-0958", "phone")
    with pytest.raises(ValueError):
        a.blind_index("   ", "name")


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+44 (0)20 7946 0958", None, "+442079460958"),
        ("0044 20 7946 0958", None, "+442079460958"),
        ("020 7946 0958", "44", "+442079460958"),
        ("(415) 555-2671", "1", "+14155552671"),
        ("+1 415 555 2671 ext. 12", None, "+14155552671"),
        ("415.555.2671", None, "4155552671"),
        ("+442079460958", "33", "+442079460958"),
    ],
)
def test_phone_normalization(raw: str, country: str | None, expected: str) -> None:
    assert normalize_phone(raw, country) == expected
    assert normalize_phone(expected, country) == expected  # idempotent


@pytest.mark.parametrize("raw", ["", "abc", "12", "+1 2+3", "+1234567890123456"])
def test_phone_normalization_refuses_garbage(raw: str) -> None:
    with pytest.raises(ValueError):
        normalize_phone(raw)


def test_email_normalization() -> None:
    assert normalize_email("  Zelda.Patient@Example.ORG\n") == EMAIL
    assert normalize_email("\uff5aelda.patient@example.org") == EMAIL  # NFKC folds a full-width z
    for bad in ("no-at-sign", "@example.org", "a b@example.org"):
        with pytest.raises(ValueError):
            normalize_email(bad)


def test_keys_never_show_in_repr_or_pickle() -> None:
    provider = _provider(2, 1)
    store = KeyStore(provider)
    cipher = _cipher()
    for text in (repr(provider), repr(store), repr(cipher), str(cipher)):
        assert "\\x" not in text and "key=" not in text
    assert repr(cipher) == f"OrgCipher(organization_id={ORG_A}, active_version=1, versions=[1])"
    with pytest.raises(TypeError):
        pickle.dumps(cipher)


def test_global_seal_binds_aad_and_survives_master_rotation() -> None:
    v1 = os.urandom(32)
    old = KeyStore(LocalKeyProvider({"1": v1}, "1", source="test"))
    sealed = old.seal_global(b"JBSWY3DPEHPK3PXP", b"users.totp_secret:" + ROW_1.bytes)
    assert b"JBSWY3DPEHPK3PXP" not in sealed
    assert old.open_global(sealed, b"users.totp_secret:" + ROW_1.bytes) == b"JBSWY3DPEHPK3PXP"
    with pytest.raises(InvalidCiphertext):
        old.open_global(sealed, b"users.totp_secret:" + ROW_2.bytes)
    rotated = KeyStore(LocalKeyProvider({"2": os.urandom(32), "1": v1}, "2", source="test"))
    assert rotated.global_needs_reseal(sealed)
    assert rotated.open_global(sealed, b"users.totp_secret:" + ROW_1.bytes) == b"JBSWY3DPEHPK3PXP"
    resealed = rotated.seal_global(b"JBSWY3DPEHPK3PXP", b"aad")
    assert not rotated.global_needs_reseal(resealed)
    with pytest.raises(UnknownMasterKey):
        old.open_global(resealed, b"aad")


def test_wrapping_binds_context_and_names_the_master_version() -> None:
    provider = _provider(1)
    key_id, wrapped = provider.wrap(b"k" * 32, b"org-a|data|1")
    assert key_id == "1"
    assert provider.unwrap("1", wrapped, b"org-a|data|1") == b"k" * 32
    with pytest.raises(UnwrapFailed):
        provider.unwrap("1", wrapped, b"org-b|data|1")
    with pytest.raises(UnknownMasterKey):
        provider.unwrap("9", wrapped, b"org-a|data|1")


def test_master_key_text_format() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    keys, active = parse_master_keys(base64.b64encode(k1).decode(), "CRM_MASTER_KEY")
    assert (keys, active) == ({"1": k1}, "1")
    spec = f"2:{base64.b64encode(k2).decode()}, 1:{base64.b64encode(k1).decode()}"
    assert parse_master_keys(spec, "CRM_MASTER_KEY") == ({"2": k2, "1": k1}, "2")
    assert parse_master_keys(format_master_keys({"1": k1, "2": k2}, "2"), "file") == ({"2": k2, "1": k1}, "2")
    secret = base64.b64encode(k1).decode()
    for bad in (
        "",
        "not base64!",
        base64.b64encode(b"short").decode(),
        f"{secret},{secret}",
        f"1:{secret}\n1:{secret}",
    ):
        with pytest.raises(ConfigError) as caught:
            parse_master_keys(bad, "CRM_MASTER_KEY")
        assert secret not in str(caught.value)


def test_embedded_master_key_is_generated_once_private(tmp_path: Path) -> None:
    settings = make_settings(data_dir=tmp_path)
    provider = LocalKeyProvider.from_settings(settings)
    path = tmp_path / "keys" / "master.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert provider.key_ids == ("1",)
    assert create_master_key_file(path) is False  # a second process keeps the first key
    again = LocalKeyProvider.from_settings(settings)
    key_id, wrapped = provider.wrap(b"x" * 32, b"ctx")
    assert again.unwrap(key_id, wrapped, b"ctx") == b"x" * 32
    assert read_master_key_file(path)[1] == "1"


def test_production_never_generates_a_master_key(tmp_path: Path) -> None:
    settings = make_settings(data_dir=tmp_path, environment="production", cookie_secure=True)
    with pytest.raises(ConfigError, match="CRM_MASTER_KEY"):
        LocalKeyProvider.from_settings(settings)
    assert not (tmp_path / "keys" / "master.key").exists()
    configured = make_settings(
        data_dir=tmp_path, environment="production", master_key=base64.b64encode(os.urandom(32)).decode()
    )
    assert LocalKeyProvider.from_settings(configured).active_key_id == "1"


def test_file_provider_picks_up_a_rotation_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    k1, k2 = os.urandom(32), os.urandom(32)
    path.write_text(format_master_keys({"1": k1}, "1"))
    path.chmod(0o600)
    here = LocalKeyProvider.from_settings(make_settings(data_dir=tmp_path, master_key_file=path))
    # Another process adds version 2 to the shared file and wraps a new data key with it.
    path.write_text(format_master_keys({"2": k2, "1": k1}, "2"))
    elsewhere = LocalKeyProvider.from_settings(make_settings(data_dir=tmp_path, master_key_file=path))
    key_id, wrapped = elsewhere.wrap(b"d" * 32, b"ctx")
    assert key_id == "2"
    assert here.unwrap(key_id, wrapped, b"ctx") == b"d" * 32  # unknown version: file re-read once
    assert here.active_key_id == "2"


def test_encryption_is_cheap_enough_for_list_pages() -> None:
    """50 values per page must cost well under a millisecond each: measure the real path."""
    cipher = _cipher()
    row_ids = [uuid.uuid4() for _ in range(50)]
    samples = []
    for _ in range(40):
        started = time.perf_counter()
        sealed = [cipher.encrypt(EMAIL, "contacts", "email", row) for row in row_ids]
        opened = [
            cipher.decrypt(value, "contacts", "email", row)
            for value, row in zip(sealed, row_ids, strict=True)
        ]
        indexes = [cipher.blind_index(EMAIL, "email") for _ in row_ids]
        samples.append((time.perf_counter() - started) / len(row_ids))
        assert opened[0] == EMAIL and len(indexes) == 50
    per_value = statistics.median(samples)
    # Encrypt + decrypt + blind index of one value; typically ~10 µs here.
    assert per_value < 100e-6, f"{per_value * 1e6:.1f} µs per value"
