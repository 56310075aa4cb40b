"""Who is calling: a signed-in user, an API key, or a service, always within one organisation."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from crm.auth.permissions import Action, Scope
from crm.models.tenancy import Role


class ActorType(enum.StrEnum):
    user = "user"
    api_key = "api_key"
    service = "service"
    ai = "ai"


@dataclass(frozen=True)
class Principal:
    actor_type: ActorType
    organization_id: uuid.UUID
    user_id: uuid.UUID | None
    role: Role | None
    permissions: Mapping[tuple[str, Action], Scope]
    session_id: uuid.UUID | None = None
    api_key_id: uuid.UUID | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    team_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    mfa_pending: bool = False

    @property
    def actor_id(self) -> uuid.UUID | None:
        return self.api_key_id if self.actor_type is ActorType.api_key else self.user_id

    def scope(self, resource: str, action: Action | str) -> Scope:
        return self.permissions.get((resource, Action(action)), Scope.none)

    def can(self, resource: str, action: Action | str) -> bool:
        return self.scope(resource, action) is not Scope.none
