"""Vectors as pgvector text literals, and the AI service's base64 float32 encoding."""

from __future__ import annotations

import base64
import math
import struct

from crm.models.search import EMBEDDING_DIMENSIONS

_FLOATS = struct.Struct(f"<{EMBEDDING_DIMENSIONS}f")


def to_literal(vector: list[float]) -> str:
    """``[0.1,0.2,...]``: pgvector's input syntax. ``repr`` round-trips a float32 exactly."""
    if len(vector) != EMBEDDING_DIMENSIONS or not all(math.isfinite(x) for x in vector):
        raise ValueError(f"expected {EMBEDDING_DIMENSIONS} finite numbers")
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def from_base64(encoded: str) -> list[float]:
    raw = base64.b64decode(encoded, validate=True)
    if len(raw) != _FLOATS.size:
        raise ValueError(f"expected {EMBEDDING_DIMENSIONS} little-endian float32 values")
    return list(_FLOATS.unpack(raw))
