"""What differs between providers: Google and Microsoft presets, issuer rules, what "verified e-mail" means.

- Google: one issuer (written with or without its scheme in old tokens), ``email_verified``.
- Microsoft (Entra ID, v2.0 endpoints): a directory (tenant) id, or a multi-tenant endpoint
  ("organizations", "common") whose discovery document names the issuer as a template
  ``.../{tenantid}/v2.0``; each token's issuer must be that template filled with the token's own
  ``tid``, and the tenant must be one the organisation allowed. Entra's ``email`` claim is not
  verified by default: only ``xms_edov`` (e-mail domain owner verified, an optional claim the
  app registration must request) or ``email_verified`` count.
- Any other issuer: exact issuer match and ``email_verified``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from crm.models.oidc import OidcProvider
from crm.oidc.validation import TENANT_PLACEHOLDER, IssuerRule, discovery_url_for

GOOGLE_ISSUER = "https://accounts.google.com"
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
MICROSOFT_MULTI_TENANT = frozenset({"organizations", "common"})
KINDS = ("google", "microsoft", "oidc")
_TENANT_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    discovery_url: str


def is_tenant_id(value: str) -> bool:
    return bool(_TENANT_ID.fullmatch(value))


def google() -> Endpoints:
    return Endpoints(GOOGLE_ISSUER, discovery_url_for(GOOGLE_ISSUER))


def microsoft(tenant: str) -> Endpoints:
    """``tenant``: a directory id (single tenant) or "organizations"/"common" (multi-tenant)."""
    base = f"{MICROSOFT_AUTHORITY}/{tenant}/v2.0"
    issuer = f"{MICROSOFT_AUTHORITY}/{TENANT_PLACEHOLDER}/v2.0" if tenant in MICROSOFT_MULTI_TENANT else base
    return Endpoints(issuer, discovery_url_for(base))


def microsoft_tenant_of(provider: OidcProvider) -> str | None:
    if provider.kind != "microsoft":
        return None
    prefix = MICROSOFT_AUTHORITY + "/"
    rest = provider.discovery_url[len(prefix) :] if provider.discovery_url.startswith(prefix) else ""
    return rest.split("/", 1)[0] or None


def issuer_rule(provider: OidcProvider) -> IssuerRule:
    if provider.kind == "google":
        return IssuerRule(accepted=frozenset({GOOGLE_ISSUER, "accounts.google.com"}))
    if TENANT_PLACEHOLDER in provider.issuer:
        return IssuerRule(
            template=provider.issuer,
            allowed_tenants=frozenset(tenant.lower() for tenant in provider.allowed_tenant_ids),
        )
    return IssuerRule(accepted=frozenset({provider.issuer}))


def _true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))


def email_verified(kind: str, claims: Mapping[str, Any]) -> bool:
    if kind == "microsoft":
        return _true(claims.get("email_verified")) or _true(claims.get("xms_edov"))
    return _true(claims.get("email_verified"))


def full_name(claims: Mapping[str, Any], email: str) -> str:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    return (name.strip() or email.split("@", 1)[0])[:200]
