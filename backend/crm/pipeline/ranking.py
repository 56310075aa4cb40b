"""Fractional ranks for manual ordering (the Kanban board): base-62 strings compared byte by byte.

A key is an integer part, whose first character gives its length (``a0``..``az``, ``b00``..;
``Zz``.. downwards), followed by an optional fraction that never ends in ``0``. Between any
two distinct keys there is always another, so a move rewrites one row and never renumbers a
column; appending grows keys logarithmically (the integer part), inserting between two
neighbours adds about one character per ~6 inserts into the same gap. The column is
``COLLATE "C"``, so PostgreSQL orders the keys exactly as Python compares them.

Port of the algorithm of the ``fractional-indexing`` library (D. Greenspan), base 62.
"""

from __future__ import annotations

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ZERO = DIGITS[0]
_SMALLEST_INTEGER = "A" + _ZERO * 26
# The column holds 64 characters; past this length a move rebalances its neighbourhood instead.
MAX_RANK_LENGTH = 24


class InvalidRank(ValueError):
    """Not a key of this scheme (e.g. written by something else), or no room between two keys."""


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise InvalidRank(f"invalid rank head {head!r}")


def _integer_part(key: str) -> str:
    length = _integer_length(key[0])
    if length > len(key):
        raise InvalidRank(f"invalid rank {key!r}")
    return key[:length]


def validate(key: str) -> None:
    if not key or key == _SMALLEST_INTEGER:
        raise InvalidRank(f"invalid rank {key!r}")
    if any(ch not in DIGITS for ch in key):
        raise InvalidRank(f"invalid rank {key!r}")
    integer = _integer_part(key)
    if key[len(integer) :].endswith(_ZERO):
        raise InvalidRank(f"invalid rank {key!r}")


def is_valid(key: str | None) -> bool:
    if key is None:
        return False
    try:
        validate(key)
    except InvalidRank:
        return False
    return True


def _midpoint(low: str, high: str | None) -> str:
    """A fraction strictly between ``low`` and ``high`` ('' is 0, None is 1)."""
    if high is not None:
        common = 0
        while (low[common] if common < len(low) else _ZERO) == high[common]:
            common += 1
        if common > 0:
            return high[:common] + _midpoint(low[common:], high[common:])
    digit_low = DIGITS.index(low[0]) if low else 0
    digit_high = DIGITS.index(high[0]) if high is not None else len(DIGITS)
    if digit_high - digit_low > 1:
        return DIGITS[(digit_low + digit_high + 1) // 2]
    if high is not None and len(high) > 1:
        return high[:1]
    return DIGITS[digit_low] + _midpoint(low[1:], None)


def _increment_integer(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    carry = True
    for index in range(len(digits) - 1, -1, -1):
        value = DIGITS.index(digits[index]) + 1
        if value == len(DIGITS):
            digits[index] = _ZERO
        else:
            digits[index] = DIGITS[value]
            carry = False
            break
    if not carry:
        return head + "".join(digits)
    if head == "Z":
        return "a" + _ZERO
    if head == "z":
        return None
    new_head = chr(ord(head) + 1)
    if new_head > "a":
        digits.append(_ZERO)
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement_integer(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    borrow = True
    for index in range(len(digits) - 1, -1, -1):
        value = DIGITS.index(digits[index]) - 1
        if value == -1:
            digits[index] = DIGITS[-1]
        else:
            digits[index] = DIGITS[value]
            borrow = False
            break
    if not borrow:
        return head + "".join(digits)
    if head == "a":
        return "Z" + DIGITS[-1]
    if head == "A":
        return None
    new_head = chr(ord(head) - 1)
    if new_head < "Z":
        digits.append(DIGITS[-1])
    else:
        digits.pop()
    return new_head + "".join(digits)


def key_between(low: str | None, high: str | None) -> str:
    """A key strictly between ``low`` and ``high`` (None: the start / the end of the column).

    Raises ``InvalidRank`` when either key is not one of ours or ``low >= high`` (a collision):
    the caller then rebalances the neighbourhood.
    """
    if low is not None:
        validate(low)
    if high is not None:
        validate(high)
    if low is not None and high is not None and low >= high:
        raise InvalidRank(f"no rank between {low!r} and {high!r}")
    if low is None:
        if high is None:
            return "a" + _ZERO
        integer = _integer_part(high)
        fraction = high[len(integer) :]
        if integer == _SMALLEST_INTEGER:
            return integer + _midpoint("", fraction)
        if integer < high:
            return integer
        lower = _decrement_integer(integer)
        if lower is None:
            raise InvalidRank("cannot rank below the smallest key")
        return lower
    if high is None:
        integer = _integer_part(low)
        fraction = low[len(integer) :]
        higher = _increment_integer(integer)
        return integer + _midpoint(fraction, None) if higher is None else higher
    integer_low = _integer_part(low)
    fraction_low = low[len(integer_low) :]
    integer_high = _integer_part(high)
    fraction_high = high[len(integer_high) :]
    if integer_low == integer_high:
        return integer_low + _midpoint(fraction_low, fraction_high)
    higher = _increment_integer(integer_low)
    if higher is None:
        raise InvalidRank("cannot rank above the largest key")
    if higher < high:
        return higher
    return integer_low + _midpoint(fraction_low, None)


def keys_between(low: str | None, high: str | None, count: int) -> list[str]:
    """``count`` increasing keys strictly between ``low`` and ``high``, as short as possible.

    Bisects when both ends are known, so ``count`` keys cost about log62(count) characters
    beyond the two ends' common prefix.
    """
    if count <= 0:
        return []
    if count == 1:
        return [key_between(low, high)]
    if high is None:
        keys, current = [], low
        for _ in range(count):
            current = key_between(current, None)
            keys.append(current)
        return keys
    if low is None:
        keys, current_high = [], high
        for _ in range(count):
            current_high = key_between(None, current_high)
            keys.append(current_high)
        return keys[::-1]
    half = count // 2
    middle = key_between(low, high)
    return [*keys_between(low, middle, half), middle, *keys_between(middle, high, count - half - 1)]


def too_long(key: str) -> bool:
    return len(key) > MAX_RANK_LENGTH
