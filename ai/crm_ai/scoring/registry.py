"""Per-organisation model registry on disk, with an in-memory cache of the promoted model.

Layout: <models_dir>/<org_id>/lead_scoring/registry.json and one <version>.joblib per trained model.
Each organisation has its own folder and cache entry, so models of different organisations never
meet; org ids are restricted to [A-Za-z0-9_-] by the service-token check before they get here.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import uuid
from pathlib import Path
from typing import Any

import joblib

from crm_ai.core.service_auth import ORG_ID_RE
from crm_ai.scoring.features import COLUMNS
from crm_ai.scoring.gbm import CalibratedGBM


class ModelRegistry:
    def __init__(self, root: Path) -> None:
        self._root = root
        self._cache: dict[str, tuple[str, CalibratedGBM] | None] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def lock(self, org_id: str) -> threading.Lock:
        """Serialises training and promotion within one organisation."""
        with self._guard:
            return self._locks.setdefault(org_id, threading.Lock())

    def _dir(self, org_id: str) -> Path:
        if not ORG_ID_RE.match(org_id):
            raise ValueError("invalid org id")
        return self._root / org_id / "lead_scoring"

    def read(self, org_id: str) -> dict[str, Any]:
        path = self._dir(org_id) / "registry.json"
        if not path.exists():
            return {"promoted": None, "versions": []}
        data: dict[str, Any] = json.loads(path.read_text())
        return data

    def promoted(self, org_id: str) -> tuple[str, CalibratedGBM] | None:
        """The promoted model, loaded once per process (None: the organisation still uses the prior)."""
        if org_id in self._cache:
            return self._cache[org_id]
        registry = self.read(org_id)
        version = registry["promoted"]
        entry = None
        if version is not None:
            meta = next(v for v in registry["versions"] if v["version"] == version)
            entry = (version, self._load(org_id, version, meta["sha256"]))
        self._cache[org_id] = entry
        return entry

    def record(self, org_id: str, meta: dict[str, Any], model: CalibratedGBM, promote: bool) -> None:
        """Store a trained model and its metrics; make it the served one if `promote`."""
        directory = self._dir(org_id)
        directory.mkdir(parents=True, exist_ok=True)
        model_path = directory / f"{meta['version']}.joblib"
        tmp = directory / f".{uuid.uuid4().hex}.tmp"
        joblib.dump({"model": model.booster, "a": model.a, "b": model.b, "columns": list(model.columns)}, tmp)
        os.replace(tmp, model_path)
        meta = {**meta, "sha256": hashlib.sha256(model_path.read_bytes()).hexdigest()}
        registry = self.read(org_id)
        if promote:
            for v in registry["versions"]:
                if v["status"] == "promoted":
                    v["status"] = "retired"
            registry["promoted"] = meta["version"]
        registry["versions"].append(meta)
        _write_json(directory / "registry.json", registry)
        if promote:
            self._cache[org_id] = (meta["version"], model)

    def _load(self, org_id: str, version: str, sha256: str) -> CalibratedGBM:
        path = self._dir(org_id) / f"{version}.joblib"
        # joblib is pickle: refuse a file that is not byte for byte the one we wrote.
        if hashlib.sha256(path.read_bytes()).hexdigest() != sha256:
            raise RuntimeError(f"model file {path.name} does not match its registry checksum")
        data = joblib.load(path)
        if tuple(data["columns"]) != COLUMNS:
            raise RuntimeError(f"model {version} was trained on another feature layout")
        return CalibratedGBM(data["model"], float(data["a"]), float(data["b"]))


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{uuid.uuid4().hex}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)
