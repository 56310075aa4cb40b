"""The identity tests use the shared people fixtures (tests/fixtures/people.py)."""

from tests.fixtures.people import (
    PASSWORD,
    Person,
    Tenant,
    bearer,
    last_email_to,
    make_tenant,
    sign_in,
    token_for,
)

__all__ = ["PASSWORD", "Person", "Tenant", "bearer", "last_email_to", "make_tenant", "sign_in", "token_for"]
