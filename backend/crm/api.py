"""Mounts every domain router: ``root_router`` at /, ``api_router`` under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter

from crm.health.endpoints import router as health_router
from crm.messaging.endpoints import router as outbox_router

root_router = APIRouter()
root_router.include_router(health_router)

api_router = APIRouter()
api_router.include_router(outbox_router)
