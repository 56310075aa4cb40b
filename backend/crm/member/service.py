"""Adding people to an organisation."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.db import acting_as_user
from crm.core.errors import BadRequest, Conflict
from crm.core.security.passwords import hash_password
from crm.member import repository
from crm.models import Membership, Role, User

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise BadRequest("not a valid e-mail address", code="invalid_email")
    return email


async def add_member(
    session: AsyncSession,
    *,
    email: str,
    full_name: str,
    role: Role,
    password: str | None,
) -> User:
    """Create a user and their membership in the current organisation.

    An e-mail already registered (in any organisation) is a conflict: joining a second
    organisation goes through an invitation, which the identity issue adds.
    """
    email = normalize_email(email)
    if password is not None:
        from crm.auth.password_policy import check_password

        check_password(password, email=email)
    if await repository.login_record(session, email) is not None:
        raise Conflict("a user with this e-mail exists", code="email_taken")
    user = User(
        id=uuid.uuid4(),
        email=email,
        full_name=full_name.strip(),
        password_hash=hash_password(password) if password else None,
    )
    # The users policy admits a row its own user claims; the membership then makes it
    # visible to the organisation.
    async with acting_as_user(session, user.id):
        await repository.add_user(session, user)
        await repository.add_membership(session, Membership(user_id=user.id, role=role))
    return user
