"""A fake of a Pinecone index's data plane (dense, metric cosine), answering as an index host does:

- ``Api-Key`` header, else 401 ``{"code": 16, "message": "Invalid API Key"}``;
- ``POST /vectors/upsert`` ``{vectors: [{id, values, metadata}], namespace}`` -> ``{upsertedCount}``,
  400 (code 3) for a vector of the wrong dimension;
- ``POST /query`` ``{namespace, vector, topK, filter, includeMetadata, includeValues}`` -> ``{matches:
  [{id, score, metadata}], namespace}``: EXACT cosine similarity over the namespace, best first, after
  the metadata filter ($eq, $ne, $in, $nin, $and, $or, and bare values meaning $eq);
- ``POST /vectors/delete`` ``{ids | deleteAll | filter, namespace}`` -> ``{}``;
- ``POST /describe_index_stats`` -> vector counts per namespace.
Namespaces never mix: a query sees only the namespace it names.
"""

from __future__ import annotations

import json
import math
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.http import Reply, Request


def _error(status: int, code: int, message: str) -> Reply:
    return Reply.json(status, {"code": code, "message": message, "details": []})


def matches(metadata: dict[str, Any], condition: dict[str, Any]) -> bool:
    for key, wanted in condition.items():
        if key == "$and":
            if not all(matches(metadata, c) for c in wanted):
                return False
            continue
        if key == "$or":
            if not any(matches(metadata, c) for c in wanted):
                return False
            continue
        value = metadata.get(key)
        ops = wanted if isinstance(wanted, dict) else {"$eq": wanted}
        for op, operand in ops.items():
            ok = {
                "$eq": lambda v, o: v == o,
                "$ne": lambda v, o: v != o,
                "$in": lambda v, o: v in o,
                "$nin": lambda v, o: v not in o,
            }[op](value, operand)
            if not ok:
                return False
    return True


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


@dataclass
class FakePinecone:
    api_key: str
    dimension: int
    # namespace -> id -> (values, metadata)
    namespaces: dict[str, dict[str, tuple[list[float], dict[str, Any]]]] = field(default_factory=dict)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    fail_with: int | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, request: Request) -> Reply:
        with self._lock:
            if request.headers.get("api-key") != self.api_key:
                return _error(401, 16, "Invalid API Key")
            if self.fail_with is not None:
                return _error(self.fail_with, 14, "Service Unavailable")
            try:
                body = json.loads(request.body or b"{}")
            except ValueError:
                return _error(400, 3, "Invalid JSON")
            self.calls.append((request.path, body))
            namespace = body.get("namespace", "")
            if (request.method, request.path) == ("POST", "/vectors/upsert"):
                return self._upsert(namespace, body.get("vectors") or [])
            if (request.method, request.path) == ("POST", "/query"):
                return self._query(namespace, body)
            if (request.method, request.path) == ("POST", "/vectors/delete"):
                return self._delete(namespace, body)
            if request.path == "/describe_index_stats":
                counts = {ns: {"vectorCount": len(v)} for ns, v in self.namespaces.items() if v}
                total = sum(c["vectorCount"] for c in counts.values())
                return Reply.json(
                    200,
                    {"namespaces": counts, "dimension": self.dimension, "totalVectorCount": total},
                )
            return _error(404, 5, "Not Found")

    def _upsert(self, namespace: str, vectors: list[dict[str, Any]]) -> Reply:
        for vector in vectors:
            if len(vector.get("values") or []) != self.dimension:
                return _error(
                    400,
                    3,
                    f"Vector dimension {len(vector.get('values') or [])} does not match the dimension"
                    f" of the index {self.dimension}",
                )
        store = self.namespaces.setdefault(namespace, {})
        for vector in vectors:
            store[vector["id"]] = (list(vector["values"]), dict(vector.get("metadata") or {}))
        return Reply.json(200, {"upsertedCount": len(vectors)})

    def _query(self, namespace: str, body: dict[str, Any]) -> Reply:
        top_k = body.get("topK")
        vector = body.get("vector")
        if not isinstance(top_k, int) or not 1 <= top_k <= 10_000:
            return _error(400, 3, "topK must be between 1 and 10000")
        if not isinstance(vector, list) or len(vector) != self.dimension:
            return _error(
                400, 3, f"Query vector dimension does not match the index dimension {self.dimension}"
            )
        condition = body.get("filter") or {}
        scored = [
            (cosine(vector, values), vector_id, metadata)
            for vector_id, (values, metadata) in self.namespaces.get(namespace, {}).items()
            if matches(metadata, condition)
        ]
        scored.sort(key=lambda s: (-s[0], s[1]))
        found = []
        for score, vector_id, metadata in scored[:top_k]:
            match: dict[str, Any] = {"id": vector_id, "score": score, "values": []}
            if body.get("includeMetadata"):
                match["metadata"] = metadata
            found.append(match)
        return Reply.json(200, {"matches": found, "namespace": namespace, "usage": {"readUnits": 1}})

    def _delete(self, namespace: str, body: dict[str, Any]) -> Reply:
        store = self.namespaces.get(namespace, {})
        if body.get("deleteAll"):
            store.clear()
        elif body.get("ids") is not None:
            for vector_id in body["ids"]:
                store.pop(vector_id, None)
        elif body.get("filter"):
            for vector_id in [i for i, (_, m) in store.items() if matches(m, body["filter"])]:
                store.pop(vector_id)
        return Reply.json(200, {})
