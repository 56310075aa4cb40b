"""Serves the built single-page app: real files as they are, any other page path as index.html."""

from __future__ import annotations

from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

API_PREFIXES = ("/api/", "/ws", "/healthz", "/readyz", "/metrics")


class SpaFiles(StaticFiles):
    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, html=True, check_dir=False)

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            response = await super().get_response(path, scope)
        except HTTPException as exc:
            if (
                exc.status_code != 404
                or scope["path"].startswith(API_PREFIXES)
                or "." in path.rsplit("/", 1)[-1]
            ):
                raise
            response = await super().get_response("index.html", scope)
        if path.startswith("assets/"):
            # Vite fingerprints assets, so they never change under the same name.
            response.headers["cache-control"] = "public, max-age=31536000, immutable"
        return response
