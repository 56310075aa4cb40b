"""The permission matrix: resource x action -> record scope, per role, in one place.

Defaults live here; an organisation's admins may override single cells (stored in
``role_permissions``). Every endpoint names the cell it needs through
``require_permission(resource, action)``; ``tests/auth/test_permissions.py`` walks the matrix.
Resources that later features add join ``RESOURCES`` and ``DEFAULTS`` when they land.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from crm.models.tenancy import Role


class Action(enum.StrEnum):
    read = "read"
    create = "create"
    update = "update"
    delete = "delete"
    export = "export"
    manage = "manage"


class Scope(enum.IntEnum):
    """How many records an allowed action reaches; ``none`` means refused."""

    none = 0
    own = 1  # records the user owns
    team = 2  # records owned by members of the user's teams
    all = 3  # every record of the organisation

    @property
    def label(self) -> str:
        return self.name


_CRUD = frozenset({Action.read, Action.create, Action.update, Action.delete})

# resource -> the actions that make sense for it
RESOURCES: Mapping[str, frozenset[Action]] = {
    "organization": frozenset({Action.read, Action.update}),
    "users": frozenset({Action.read, Action.update, Action.delete}),
    "invitations": frozenset({Action.read, Action.create, Action.delete}),
    "teams": frozenset({Action.read, Action.create, Action.update, Action.delete}),
    "roles": frozenset({Action.read, Action.update}),
    "sessions": frozenset({Action.read, Action.delete}),  # other users' sessions (own are always allowed)
    "api_keys": frozenset({Action.read, Action.create, Action.delete}),
    "flags": frozenset({Action.read, Action.update}),
    "audit": frozenset({Action.read, Action.export}),
    "outbox": frozenset({Action.read}),
    "jobs": frozenset({Action.read}),
    "oidc": _CRUD,  # identity providers (OIDC sign-in) and verified e-mail domains
    # CRM records
    "contacts": _CRUD | {Action.export},
    "companies": _CRUD | {Action.export},
    "leads": _CRUD | {Action.export},
    "deals": _CRUD | {Action.export},
    "deal_amounts": frozenset({Action.read}),  # field-level: without it, amounts are hidden
    "pipelines": _CRUD,
    "activities": _CRUD,
    "custom_fields": _CRUD,
    "duplicates": frozenset({Action.read, Action.update}),  # fuzzy suggestions; update: run, dismiss, merge
    "ai": frozenset({Action.read, Action.manage}),  # read: use AI features; manage: train models
    "attachments": frozenset({Action.read, Action.create, Action.delete}),  # files on any record
    "saved_views": _CRUD,  # update/delete: own views, or (scope all) anyone's shared view
    "imports": _CRUD,  # CSV imports: upload, map, run, cancel (scope: who created the import)
    "gdpr": frozenset({Action.export}),  # everything held on one person, as JSON
    "search": frozenset({Action.read}),  # the global search box (each hit still needs its record's read)
}


def _grant(*cells: tuple[str, Action, Scope]) -> dict[tuple[str, Action], Scope]:
    return {(resource, action): scope for resource, action, scope in cells}


_EVERYONE = _grant(
    ("organization", Action.read, Scope.all),
    ("users", Action.read, Scope.all),
    ("teams", Action.read, Scope.all),
    ("flags", Action.read, Scope.all),
    ("jobs", Action.read, Scope.all),
    ("pipelines", Action.read, Scope.all),
    ("custom_fields", Action.read, Scope.all),
    ("ai", Action.read, Scope.all),
    ("attachments", Action.read, Scope.all),
    ("search", Action.read, Scope.all),
    *(("saved_views", action, Scope.own) for action in _CRUD),
)


def _crud(resource: str, scope: Scope, *, delete: Scope | None = None) -> list[tuple[str, Action, Scope]]:
    cells = [(resource, action, scope) for action in (Action.read, Action.create, Action.update)]
    return [*cells, (resource, Action.delete, delete or scope)]


# Sales works leads, contacts, companies and their own deals.
_SALES = _grant(
    *_crud("leads", Scope.all),
    *_crud("contacts", Scope.all),
    *_crud("companies", Scope.all),
    *_crud("deals", Scope.own),
    ("deal_amounts", Action.read, Scope.all),
    *_crud("activities", Scope.all, delete=Scope.own),
    ("contacts", Action.export, Scope.all),
    ("leads", Action.export, Scope.all),
    ("attachments", Action.create, Scope.all),
    ("attachments", Action.delete, Scope.own),
    *_crud("imports", Scope.own),
)
# Marketing works leads and contacts (segments and campaigns join later) but never sees deal amounts.
_MARKETING = _grant(
    *_crud("leads", Scope.all),
    *_crud("contacts", Scope.all),
    ("companies", Action.read, Scope.all),
    ("deals", Action.read, Scope.all),
    ("activities", Action.read, Scope.all),
    ("activities", Action.create, Scope.all),
    ("contacts", Action.export, Scope.all),
    ("leads", Action.export, Scope.all),
    ("attachments", Action.create, Scope.all),
    ("attachments", Action.delete, Scope.own),
    *_crud("imports", Scope.own),
)
# Support works contacts (conversations and cases join later) and reads deals.
_SUPPORT = _grant(
    ("contacts", Action.read, Scope.all),
    ("contacts", Action.create, Scope.all),
    ("contacts", Action.update, Scope.all),
    ("companies", Action.read, Scope.all),
    ("deals", Action.read, Scope.all),
    ("deal_amounts", Action.read, Scope.all),
    *_crud("activities", Scope.all, delete=Scope.own),
    ("attachments", Action.create, Scope.all),  # on records it may edit: contacts
    ("attachments", Action.delete, Scope.own),
)

DEFAULTS: Mapping[Role, Mapping[tuple[str, Action], Scope]] = {
    Role.admin: {
        (resource, action): Scope.all for resource, actions in RESOURCES.items() for action in actions
    },
    Role.sales: {**_EVERYONE, **_SALES},
    Role.marketing: {**_EVERYONE, **_MARKETING},
    Role.support: {**_EVERYONE, **_SUPPORT},
}


def default_scope(role: Role, resource: str, action: Action) -> Scope:
    return DEFAULTS[role].get((resource, action), Scope.none)


def is_valid_cell(resource: str, action: Action) -> bool:
    return action in RESOURCES.get(resource, frozenset())
