"""TOTP (RFC 6238) and recovery codes.

The TOTP secret is sealed with a key derived from the master key and bound to the user
id. A code is accepted one step either side of now (clock skew), and never twice: the
last accepted time step is stored and anything at or before it is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
import uuid
from dataclasses import dataclass

import pyotp
import segno
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm.core.errors import BadRequest, Conflict
from crm.core.security.crypto import open_global, register_sealed_column, seal_global
from crm.models import RecoveryCode, User

ISSUER_NAME = "CliniGlobal CRM"
STEP_S = 30
RECOVERY_CODES = 10


@dataclass(frozen=True)
class TotpSetup:
    secret: str
    otpauth_uri: str
    qr_svg_data_uri: str


def _aad(user_id: uuid.UUID) -> bytes:
    return b"users.totp_secret:" + user_id.bytes


# A master key rotation re-seals these secrets (crm keys rotate --master).
register_sealed_column("users", "totp_secret", _aad)


def _secret(user: User) -> str:
    if user.totp_secret is None:
        raise BadRequest("MFA is not set up", code="mfa_not_set_up")
    return open_global(user.totp_secret, _aad(user.id)).decode()


def _code_hash(code: str) -> str:
    # Recovery codes are 80 random bits: a plain SHA-256 cannot be brute-forced, and it keeps
    # checking ten codes cheap (argon2 would cost a second).
    return hashlib.sha256(code.replace("-", "").upper().encode()).hexdigest()


def _matching_step(secret: str, code: str, after_step: int | None, now: float | None = None) -> int | None:
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((now if now is not None else time.time()) // STEP_S)
    for step in (current - 1, current, current + 1):
        if after_step is not None and step <= after_step:
            continue
        if hmac.compare_digest(totp.at(step * STEP_S), code):
            return step
    return None


async def begin_setup(session: AsyncSession, user: User) -> TotpSetup:
    """Store a new (not yet enabled) secret and return what the authenticator app needs."""
    if user.totp_enabled_at is not None:
        raise Conflict("MFA is already enabled; disable it first", code="mfa_already_enabled")
    secret = pyotp.random_base32()
    user.totp_secret = seal_global(secret.encode(), _aad(user.id))
    user.totp_last_step = None
    await session.flush()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER_NAME)
    return TotpSetup(
        secret=secret, otpauth_uri=uri, qr_svg_data_uri=segno.make(uri, error="m").svg_data_uri(scale=5)
    )


async def enable(session: AsyncSession, user: User, code: str) -> list[str]:
    """Confirm the first code, switch MFA on, and return ten fresh recovery codes (shown once)."""
    if user.totp_enabled_at is not None:
        raise Conflict("MFA is already enabled", code="mfa_already_enabled")
    step = _matching_step(_secret(user), code, user.totp_last_step)
    if step is None:
        raise BadRequest("that code is not valid; check your authenticator's clock", code="invalid_mfa_code")
    user.totp_last_step = step
    user.totp_enabled_at = dt.datetime.now(dt.UTC)
    return await _new_recovery_codes(session, user.id)


async def _new_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> list[str]:
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5).upper()
        codes.append(f"{raw[:5]}-{raw[5:]}")
    session.add_all(RecoveryCode(user_id=user_id, code_hash=_code_hash(code)) for code in codes)
    await session.flush()
    return codes


async def verify(session: AsyncSession, user: User, code: str) -> str | None:
    """Check a TOTP code or a recovery code; returns which was used, or None. Each works once."""
    if user.totp_enabled_at is None:
        return None
    step = _matching_step(_secret(user), code, user.totp_last_step)
    if step is not None:
        # Conditional update: two requests racing with the same code cannot both win.
        result = await session.execute(
            update(User)
            .where(User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
            .values(totp_last_step=step)
            .returning(User.id)
        )
        return "totp" if result.first() is not None else None
    hashed = _code_hash(code.strip())
    candidate = await session.execute(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == hashed, RecoveryCode.used_at.is_(None)
        )
    )
    code_id = candidate.scalar_one_or_none()
    if code_id is None:
        return None
    used = await session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == code_id, RecoveryCode.used_at.is_(None))
        .values(used_at=dt.datetime.now(dt.UTC))
        .returning(RecoveryCode.id)
    )
    return "recovery_code" if used.first() is not None else None


async def remaining_recovery_codes(session: AsyncSession, user_id: uuid.UUID) -> int:
    rows = await session.execute(
        select(RecoveryCode.id).where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return len(rows.all())


async def reset(session: AsyncSession, user: User) -> None:
    """Switch MFA off and forget the secret and recovery codes (self-service disable or admin reset)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    await session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await session.flush()
