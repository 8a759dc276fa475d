from __future__ import annotations

import pytest
from pydantic import ValidationError

from cazo.settings import Settings

STRONG_KEY = "k3H9vQ2xR7mW4pL8sT1nB6cY5dF0gJ2a"
EXTERNAL_DB = "postgresql://cazo:pw@db.internal:5432/cazo"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WHATSAPP_TOKEN", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("key", ["changeme", "dev-insecure-secret-key", "secret", "short-but-random-9x"])
def test_a_placeholder_secret_key_is_refused_in_production(key: str) -> None:
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        make(environment="production", secret_key=key, database_url=EXTERNAL_DB)


def test_the_default_secret_key_is_fine_in_development() -> None:
    settings = make()
    assert settings.is_development
    assert settings.database_url is None


def test_production_starts_with_a_strong_key_and_a_real_database() -> None:
    settings = make(environment="production", secret_key=STRONG_KEY, database_url=EXTERNAL_DB)
    assert settings.environment == "production"


def test_production_refuses_the_embedded_database() -> None:
    with pytest.raises(ValidationError, match="DATABASE_URL must be set"):
        make(environment="production", secret_key=STRONG_KEY)


def test_a_placeholder_integration_secret_is_refused_in_staging() -> None:
    with pytest.raises(ValidationError, match="WHATSAPP_TOKEN is a placeholder"):
        make(environment="staging", secret_key=STRONG_KEY, database_url=EXTERNAL_DB, whatsapp_token="changeme")


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SECRET_KEY", "changeme")
    monkeypatch.setenv("DATABASE_URL", EXTERNAL_DB)
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        make()


def test_only_postgresql_is_accepted_as_the_database() -> None:
    with pytest.raises(ValidationError, match="PostgreSQL is the only database"):
        make(database_url="mysql://root@localhost/cazo")


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown IANA time zone"):
        make(default_timezone="Asia/Bombay-ish")


def test_secrets_do_not_show_in_the_settings_repr() -> None:
    settings = make(environment="production", secret_key=STRONG_KEY, database_url=EXTERNAL_DB)
    assert STRONG_KEY not in repr(settings)
    assert "pw@" not in repr(settings)
