"""Settings of the backend: one pydantic-settings object, prefix ``CRM_``.

Every external part has a driver; the defaults are the embedded ones, so a fresh
clone runs with no server installed (DESIGN.md §2).
"""

from __future__ import annotations

import enum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AnyHttpUrl, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[3]


class Environment(enum.StrEnum):
    development = "development"
    test = "test"
    production = "production"


class CacheDriver(enum.StrEnum):
    memory = "memory"
    redis = "redis"


class StorageDriver(enum.StrEnum):
    local = "local"
    s3 = "s3"


class VectorDriver(enum.StrEnum):
    pgvector = "pgvector"
    pinecone = "pinecone"


class EmailDriver(enum.StrEnum):
    outbox = "outbox"
    smtp = "smtp"
    sendgrid = "sendgrid"


class SmsDriver(enum.StrEnum):
    outbox = "outbox"
    twilio = "twilio"


class LlmDriver(enum.StrEnum):
    off = "off"
    openai = "openai"


class TelemetryDriver(enum.StrEnum):
    off = "off"
    console = "console"
    otlp = "otlp"


class ConfigError(RuntimeError):
    """A setting is wrong; the message names it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CRM_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Environment = Environment.development
    data_dir: Path = REPO_ROOT / ".data"
    public_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8000")
    web_dist_dir: Path = REPO_ROOT / "web" / "dist"
    log_level: str = "INFO"

    # Database. Unset URL means: start the embedded PostgreSQL (pgserver) in data_dir/pg.
    # The URL names the owner role (migrations); the app connects as database_app_role.
    database_url: SecretStr | None = None
    database_app_url: SecretStr | None = None
    database_app_role: str = "crm_app"
    database_app_password: SecretStr = SecretStr("crm_app_local_only")
    database_pool_size: int = Field(default=10, ge=1, le=200)

    cache_driver: CacheDriver = CacheDriver.memory
    redis_url: SecretStr | None = None

    run_worker_in_process: bool = True
    worker_concurrency: int = Field(default=4, ge=1, le=64)

    storage_driver: StorageDriver = StorageDriver.local
    storage_local_dir: Path | None = None
    s3_bucket: str | None = None
    s3_endpoint_url: str | None = None
    s3_region: str = "us-east-1"
    s3_access_key_id: SecretStr | None = None
    s3_secret_access_key: SecretStr | None = None
    storage_max_upload_bytes: int = Field(default=25 * 1024 * 1024, ge=1)
    storage_presign_seconds: int = Field(default=900, ge=1, le=7 * 24 * 3600)

    vector_driver: VectorDriver = VectorDriver.pgvector
    pinecone_api_key: SecretStr | None = None
    pinecone_index_host: str | None = None

    email_driver: EmailDriver = EmailDriver.outbox
    email_from: str = "CliniGlobal CRM <no-reply@cliniglobal.local>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    sendgrid_api_key: SecretStr | None = None
    # The vendor's API by default; another base URL (EU residency, a local fake in tests) when set.
    sendgrid_base_url: AnyHttpUrl = AnyHttpUrl("https://api.sendgrid.com")

    sms_driver: SmsDriver = SmsDriver.outbox
    twilio_account_sid: str | None = None
    twilio_auth_token: SecretStr | None = None
    twilio_from_number: str | None = None
    twilio_base_url: AnyHttpUrl = AnyHttpUrl("https://api.twilio.com")

    llm_driver: LlmDriver = LlmDriver.off
    llm_base_url: AnyHttpUrl | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None

    ai_service_url: AnyHttpUrl = AnyHttpUrl("http://127.0.0.1:8100")

    telemetry_driver: TelemetryDriver = TelemetryDriver.console
    otlp_endpoint: AnyHttpUrl | None = None

    demo_password: SecretStr = SecretStr("CliniGlobal-demo-2026")

    # Identity. Keys live in files so they can rotate without a restart of every node:
    # unset dirs mean data_dir/keys/... with keys generated on first use (embedded only).
    jwt_keys_dir: Path | None = None
    access_token_ttl_seconds: int = Field(default=900, ge=60, le=900)
    refresh_token_ttl_days: int = Field(default=14, ge=1, le=90)
    cookie_secure: bool = True
    # Sign-in attempts per client IP per 15 minutes (accounts have their own lockout). The browser
    # tests sign in dozens of times from 127.0.0.1 and raise it; production keeps the default.
    signin_attempts_per_ip: int = Field(default=30, ge=1, le=100_000)
    password_hash_profile: Literal["rfc9106_low_memory", "test"] = "rfc9106_low_memory"  # noqa: S105
    master_key: SecretStr | None = None  # base64 of 32 bytes; wraps every organisation's data key
    master_key_file: Path | None = None
    ai_service_private_key_file: Path | None = None
    # OIDC presets: the platform's own app at Google / Microsoft, used by a provider an organisation
    # adds without a client id of its own (redirect URI: <public_url>/api/v1/auth/oidc/callback).
    oidc_google_client_id: str | None = None
    oidc_google_client_secret: SecretStr | None = None
    oidc_microsoft_client_id: str | None = None
    oidc_microsoft_client_secret: SecretStr | None = None

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR")
        return level

    @model_validator(mode="after")
    def _drivers_have_their_settings(self) -> Settings:
        needs: dict[str, list[str]] = {}
        if self.cache_driver is CacheDriver.redis:
            needs["CRM_CACHE_DRIVER=redis"] = ["redis_url"]
        if self.storage_driver is StorageDriver.s3:
            needs["CRM_STORAGE_DRIVER=s3"] = ["s3_bucket"]
        if self.vector_driver is VectorDriver.pinecone:
            needs["CRM_VECTOR_DRIVER=pinecone"] = ["pinecone_api_key", "pinecone_index_host"]
        if self.email_driver is EmailDriver.sendgrid:
            needs["CRM_EMAIL_DRIVER=sendgrid"] = ["sendgrid_api_key"]
        if self.sms_driver is SmsDriver.twilio:
            needs["CRM_SMS_DRIVER=twilio"] = ["twilio_account_sid", "twilio_auth_token", "twilio_from_number"]
        if self.llm_driver is LlmDriver.openai:
            needs["CRM_LLM_DRIVER=openai"] = ["llm_base_url", "llm_model"]
        if self.telemetry_driver is TelemetryDriver.otlp:
            needs["CRM_TELEMETRY_DRIVER=otlp"] = ["otlp_endpoint"]
        missing = [
            f"{driver} needs CRM_{name.upper()}"
            for driver, names in needs.items()
            for name in names
            if getattr(self, name) in (None, "")
        ]
        if missing:
            raise ValueError("; ".join(missing))
        return self

    @property
    def uses_embedded_database(self) -> bool:
        return self.database_url is None

    @property
    def keys_dir(self) -> Path:
        return self.data_dir / "keys"

    @property
    def resolved_jwt_keys_dir(self) -> Path:
        return self.jwt_keys_dir or self.keys_dir / "jwt"

    @property
    def storage_dir(self) -> Path:
        return self.storage_local_dir or self.data_dir / "storage"

    def masked(self) -> dict[str, Any]:
        """Effective settings with every secret masked, for ``crm config``."""
        shown: dict[str, Any] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, SecretStr):
                value = "********" if value.get_secret_value() else ""
            elif isinstance(value, enum.Enum):
                value = value.value
            elif value is not None and not isinstance(value, (int, float, bool)):
                value = str(value)
            shown[f"CRM_{name.upper()}"] = value
        return shown


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning a validation error into one message naming each bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            name = f"CRM_{where.upper()}" if error["loc"] else "settings"
            problems.append(f"{name}: {error['msg']}")
        raise ConfigError("invalid configuration: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
