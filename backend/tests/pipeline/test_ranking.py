"""The fractional ranks of the board: always a key between two others, short, ordered like the database."""

from __future__ import annotations

import random

import pytest

from crm.pipeline.ranking import DIGITS, InvalidRank, is_valid, key_between, keys_between, too_long


def test_digits_are_in_byte_order() -> None:
    assert list(DIGITS) == sorted(DIGITS)


def test_first_keys_and_appends() -> None:
    assert key_between(None, None) == "a0"
    assert key_between("a0", None) == "a1"
    assert key_between(None, "a0") == "Zz"
    assert key_between("a0", "a1") == "a0V"
    assert key_between("az", None) == "b00"
    keys = [key_between(None, None)]
    for _ in range(10_000):
        keys.append(key_between(keys[-1], None))
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert max(len(k) for k in keys) <= 4  # appends grow logarithmically


def test_random_inserts_stay_ordered() -> None:
    generator = random.Random(7)
    keys = ["a0"]
    for _ in range(2_000):
        index = generator.randint(0, len(keys))
        low = keys[index - 1] if index > 0 else None
        high = keys[index] if index < len(keys) else None
        key = key_between(low, high)
        assert (low is None or low < key) and (high is None or key < high)
        keys.insert(index, key)
    assert keys == sorted(keys) and all(is_valid(k) for k in keys)


def test_the_same_slot_again_and_again_grows_slowly() -> None:
    low, high = "a0", "a1"
    lengths = []
    for _ in range(60):
        high = key_between(low, high)  # always insert right after "a0"
        lengths.append(len(high))
    assert lengths[-1] <= 14  # about one character per ~6 inserts into one gap
    assert too_long("a" + "V" * 30) and not too_long("a0V")


def test_many_keys_at_once_are_short_and_spread() -> None:
    keys = keys_between("a0", "a1", 500)
    assert keys == sorted(keys) and len(set(keys)) == 500
    assert all("a0" < k < "a1" for k in keys) and max(len(k) for k in keys) <= 6
    assert keys_between(None, None, 3) == ["a0", "a1", "a2"]
    assert keys_between(None, "a0", 2) == ["Zy", "Zz"]


@pytest.mark.parametrize(
    ("low", "high"), [("a1", "a1"), ("a2", "a1"), ("0001", None), (None, "a10"), ("", None), ("a0 ", None)]
)
def test_collisions_and_foreign_keys_are_refused(low: str | None, high: str | None) -> None:
    with pytest.raises(InvalidRank):
        key_between(low, high)
