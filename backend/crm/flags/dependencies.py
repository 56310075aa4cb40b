"""``require_flag``: gate an endpoint on a feature flag, declared beside its permission.

@router.post("/sentiment", dependencies=[Depends(require_flag("ai.sentiment"))])
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from crm.auth.dependencies import CurrentPrincipal
from crm.auth.principal import Principal
from crm.core.deps import RuntimeDep
from crm.core.errors import Forbidden, NotFound
from crm.flags import service
from crm.flags.registry import FLAGS


class FeatureDisabled(Forbidden):
    code = "feature_disabled"


class FeatureHidden(NotFound):
    code = "feature_disabled"


def require_flag(key: str, *, hide: bool = False) -> Callable[..., Awaitable[Principal]]:
    """Dependency factory: the flag must be on for the caller, else 403 ``feature_disabled``.

    ``hide=True`` answers 404 instead, for endpoints whose existence is itself a product detail.
    Returns the caller's principal, so it can stand in for ``CurrentPrincipal``.
    """
    if key not in FLAGS:
        raise ValueError(f"unknown feature flag {key!r}")

    async def check(runtime: RuntimeDep, principal: CurrentPrincipal) -> Principal:
        if not await service.is_enabled(runtime, principal, key):
            error = FeatureHidden if hide else FeatureDisabled
            raise error(f"the feature {key} is turned off for your organisation")
        return principal

    check.__name__ = f"require_flag_{key.replace('.', '_')}"
    check.flag = key  # type: ignore[attr-defined]
    return check
