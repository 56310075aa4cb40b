"""foundation: tenancy, outbox, jobs

Revision ID: 0001
Revises:
Create Date: 2026-11-27 13:01:31.238138
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from procrastinate.schema import SchemaManager

from crm.core import rls
from crm.core.config import get_settings

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


TENANT_TABLES = ("memberships", "email_messages", "job_runs")


def _app_role() -> tuple[str, str]:
    settings = op.get_context().config.attributes.get("settings") or get_settings()
    return settings.database_app_role, settings.database_app_password.get_secret_value()


def _run(statements: list[str]) -> None:
    database = op.get_bind().exec_driver_sql("SELECT current_database()").scalar_one()
    for statement in statements:
        op.get_bind().exec_driver_sql(statement.replace("{database}", database))


def upgrade() -> None:
    role, password = _app_role()
    op.execute(rls.CURRENT_ORG_FUNCTIONS)
    _run(rls.create_app_role(role, password))
    op.create_table(
        "organizations",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("slug", sa.String(length=63), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organizations")),
        sa.UniqueConstraint("slug", name=op.f("uq_organizations_slug")),
    )
    op.create_table(
        "users",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), server_default="true", nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index("uq_users_email_lower", "users", [sa.literal_column("lower(email)")], unique=True)
    op.create_table(
        "email_messages",
        sa.Column("to_address", sa.String(length=320), nullable=False),
        sa.Column("subject", sa.String(length=998), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("driver", sa.String(length=20), nullable=True),
        sa.Column("provider_message_id", sa.String(length=255), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_email_messages_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_messages")),
    )
    op.create_index(
        op.f("ix_email_messages_organization_id"), "email_messages", ["organization_id"], unique=False
    )
    op.create_table(
        "job_runs",
        sa.Column("task_name", sa.String(length=200), nullable=False),
        sa.Column("procrastinate_job_id", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=20), server_default="queued", nullable=False),
        sa.Column("done", sa.Integer(), server_default="0", nullable=False),
        sa.Column("total", sa.Integer(), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_job_runs_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index(op.f("ix_job_runs_organization_id"), "job_runs", ["organization_id"], unique=False)
    op.create_table(
        "memberships",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "admin", "sales", "marketing", "support", name="member_role", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("organization_id", sa.Uuid(), server_default=sa.text("app_current_org()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
            name=op.f("fk_memberships_organization_id_organizations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_memberships_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_memberships")),
        sa.UniqueConstraint(
            "organization_id", "user_id", name=op.f("uq_memberships_organization_id_user_id")
        ),
    )
    op.create_index(op.f("ix_memberships_organization_id"), "memberships", ["organization_id"], unique=False)
    op.create_index(op.f("ix_memberships_user_id"), "memberships", ["user_id"], unique=False)

    for table in TENANT_TABLES:
        _run(rls.enable_tenant_rls(table, role))
    _run(
        [
            "ALTER TABLE organizations ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE organizations FORCE ROW LEVEL SECURITY",
            "CREATE POLICY tenant_isolation ON organizations"
            " USING (id = app_current_org()) WITH CHECK (id = app_current_org())",
            # A user is visible to themself and to the organisations they belong to.
            "ALTER TABLE users ENABLE ROW LEVEL SECURITY",
            "ALTER TABLE users FORCE ROW LEVEL SECURITY",
            "CREATE POLICY tenant_isolation ON users USING (id = app_current_user() OR EXISTS ("
            " SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.organization_id = app_current_org()))"
            " WITH CHECK (id = app_current_user() OR EXISTS ("
            " SELECT 1 FROM memberships m WHERE m.user_id = users.id AND m.organization_id = app_current_org()))",
            *rls.grant(["organizations", "users"], "SELECT, INSERT, UPDATE", role),
        ]
    )
    _run(rls.pre_tenant_lookups(role))

    # Procrastinate's own tables: global (jobs carry their organisation in their arguments).
    # Through a raw cursor with no parameters: the schema holds literal '%' signs.
    op.get_bind().connection.cursor().execute(SchemaManager.get_schema())
    _run(
        [
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON procrastinate_jobs, procrastinate_events,"
            f' procrastinate_periodic_defers, procrastinate_workers TO "{role}"',
            f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        ]
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE IF EXISTS procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs,"
        " procrastinate_workers CASCADE"
    )
    op.drop_index(op.f("ix_memberships_user_id"), table_name="memberships")
    op.drop_index(op.f("ix_memberships_organization_id"), table_name="memberships")
    op.drop_table("memberships")
    op.drop_index(op.f("ix_job_runs_organization_id"), table_name="job_runs")
    op.drop_table("job_runs")
    op.drop_index(op.f("ix_email_messages_organization_id"), table_name="email_messages")
    op.drop_table("email_messages")
    op.drop_index("uq_users_email_lower", table_name="users")
    op.drop_table("users")
    op.drop_table("organizations")
    op.execute("DROP FUNCTION IF EXISTS app_current_org(), app_current_user() CASCADE")
