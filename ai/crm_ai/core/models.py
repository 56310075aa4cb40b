"""Loads the models once per process and tells /readyz (and callers) whether they are there yet."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from crm_ai.core.errors import NotReady

log = logging.getLogger("crm_ai.models")


class ModelHub:
    def __init__(self) -> None:
        self._loaders: dict[str, Callable[[], Any]] = {}
        self._loaded: dict[str, Any] = {}
        self._failed: dict[str, str] = {}
        self._lock = threading.RLock()  # re-entrant: a loader may load its dependencies

    def register(self, name: str, loader: Callable[[], Any]) -> None:
        self._loaders[name] = loader

    def put(self, name: str, model: Any) -> None:
        """Install an already built model (tests, or a model trained in process)."""
        self._loaders.setdefault(name, lambda: model)
        self._loaded[name] = model

    def load_all(self) -> None:
        for name in self._loaders:
            self.load(name)

    def load(self, name: str) -> Any:
        # One lock for all: the loaders depend on each other (sentiment needs the encoder) and
        # loading twice in parallel would only double the memory.
        with self._lock:
            if name in self._loaded:
                return self._loaded[name]
            started = time.perf_counter()
            try:
                model = self._loaders[name]()
            except Exception as exc:
                self._failed[name] = type(exc).__name__
                log.exception("model failed to load", extra={"model": name})
                raise
            self._loaded[name] = model
            self._failed.pop(name, None)
            seconds = round(time.perf_counter() - started, 2)
            log.info("model loaded", extra={"model": name, "seconds": seconds})
            return model

    def get(self, name: str) -> Any:
        """The loaded model, or 503 with Retry-After while it is still loading."""
        try:
            return self._loaded[name]
        except KeyError:
            raise NotReady(f"model {name} is not loaded yet") from None

    def status(self) -> dict[str, str]:
        out = {}
        for name in self._loaders:
            if name in self._loaded:
                out[name] = "ready"
            elif name in self._failed:
                out[name] = "failed"
            else:
                out[name] = "loading"
        return out

    @property
    def ready(self) -> bool:
        return all(state == "ready" for state in self.status().values())
