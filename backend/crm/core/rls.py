"""SQL that seals tenants apart, used by migrations (which run as the owner).

Each tenant table gets FORCE'd row-level security with one policy keyed on the
transaction's ``app.org_id``. With no tenant set the key is NULL, so nothing matches.
"""

from __future__ import annotations

from collections.abc import Iterable

CURRENT_ORG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION app_current_org() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.org_id', true), '')::uuid $$;

CREATE OR REPLACE FUNCTION app_current_user() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT NULLIF(current_setting('app.user_id', true), '')::uuid $$;
"""


def create_app_role(role: str, password: str | None) -> list[str]:
    """The role the app logs in as: it can do nothing RLS would not allow."""
    quoted_password = "NULL" if password is None else "'" + password.replace("'", "''") + "'"
    return [
        # Roles are cluster-wide: serialize migrations of several databases on one server.
        "SELECT pg_advisory_xact_lock(727354101)",
        f"""
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') THEN
            CREATE ROLE "{role}" LOGIN;
          END IF;
        END $$
        """,
        f'ALTER ROLE "{role}" LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION '
        f"NOINHERIT PASSWORD {quoted_password}",
        f'GRANT CONNECT ON DATABASE "{{database}}" TO "{role}"',
        f'GRANT USAGE ON SCHEMA public TO "{role}"',
        f'REVOKE CREATE ON SCHEMA public FROM "{role}"',
        f'GRANT EXECUTE ON FUNCTION app_current_org(), app_current_user() TO "{role}"',
    ]


def enable_tenant_rls(table: str, role: str, key: str = "organization_id") -> list[str]:
    policy = f"{key} = app_current_org()"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY tenant_isolation ON {table} USING ({policy}) WITH CHECK ({policy})",
        f'GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO "{role}"',
    ]


def grant(tables: Iterable[str], privileges: str, role: str) -> list[str]:
    return [f'GRANT {privileges} ON {table} TO "{role}"' for table in tables]


def pre_tenant_lookups(role: str) -> list[str]:
    """Narrow SECURITY DEFINER functions for look-ups made before the tenant is known.

    Each returns the few columns its caller needs for one key, never a table scan, and
    only the app role may call them. RLS stays on for everything else.
    """
    definer = "LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp"
    functions = {
        "auth_organization_by_slug(text)": f"""
            CREATE OR REPLACE FUNCTION auth_organization_by_slug(p_slug text)
            RETURNS uuid {definer}
            AS $$ SELECT id FROM organizations WHERE slug = p_slug $$""",
        "auth_user_by_email(text)": f"""
            CREATE OR REPLACE FUNCTION auth_user_by_email(p_email text)
            RETURNS TABLE (id uuid, password_hash text, is_active boolean) {definer}
            AS $$ SELECT id, password_hash, is_active FROM users WHERE lower(email) = lower(p_email) $$""",
        "auth_memberships_of(uuid)": f"""
            CREATE OR REPLACE FUNCTION auth_memberships_of(p_user uuid)
            RETURNS TABLE (organization_id uuid, organization_name text, role text) {definer}
            AS $$ SELECT m.organization_id, o.name, m.role FROM memberships m
                  JOIN organizations o ON o.id = m.organization_id
                  WHERE m.user_id = p_user ORDER BY o.name $$""",
    }
    statements: list[str] = []
    for signature, body in functions.items():
        statements += [
            body,
            f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC",
            f'GRANT EXECUTE ON FUNCTION {signature} TO "{role}"',
        ]
    return statements
