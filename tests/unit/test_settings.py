from __future__ import annotations

import pytest
from pydantic import ValidationError

from cazo.settings import DEV_WHATSAPP_APP_SECRET, DEV_WHATSAPP_TOKEN, Settings

STRONG_KEY = "k3H9vQ2xR7mW4pL8sT1nB6cY5dF0gJ2a"
EXTERNAL_DB = "postgresql://cazo:pw@db.internal:5432/cazo"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WHATSAPP_TOKEN", "OPENAI_API_KEY",
                 "WHATSAPP_APP_SECRET", "HOST", "PORT"):
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


# ---- the WhatsApp simulator's development defaults ------------------------------------------------------------


@pytest.mark.parametrize("environment", ["development", "test"])
def test_in_development_an_unset_app_secret_is_the_development_one(environment: str) -> None:
    assert make(environment=environment).effective_whatsapp_app_secret == DEV_WHATSAPP_APP_SECRET
    assert make(environment=environment, whatsapp_app_secret="").effective_whatsapp_app_secret == \
        DEV_WHATSAPP_APP_SECRET
    assert make(environment=environment, whatsapp_app_secret="a-real-one").effective_whatsapp_app_secret == \
        "a-real-one"


def test_outside_development_an_unset_app_secret_stays_unset() -> None:
    production = make(environment="production", secret_key=STRONG_KEY, database_url=EXTERNAL_DB)
    assert production.effective_whatsapp_app_secret is None
    configured = make(environment="production", secret_key=STRONG_KEY, database_url=EXTERNAL_DB,
                      whatsapp_app_secret="9c1f0e7d6b5a4c3b2a1f0e9d8c7b6a5f")
    assert configured.effective_whatsapp_app_secret == "9c1f0e7d6b5a4c3b2a1f0e9d8c7b6a5f"


def test_in_development_without_a_token_messages_go_to_the_local_fake_graph() -> None:
    endpoint = make(host="0.0.0.0", port=8010).whatsapp_graph()
    assert endpoint is not None
    assert (endpoint.token, endpoint.url, endpoint.version, endpoint.fake) == (
        DEV_WHATSAPP_TOKEN, "http://127.0.0.1:8010/dev/graph", "v21.0", True)


def test_with_a_token_messages_go_to_meta_and_without_one_in_production_nowhere() -> None:
    meta = make(whatsapp_token="EAAG-real", whatsapp_graph_version="v22.0").whatsapp_graph()
    assert meta is not None
    assert (meta.token, meta.url, meta.version, meta.fake) == ("EAAG-real", "https://graph.facebook.com", "v22.0",
                                                               False)
    assert make(environment="production", secret_key=STRONG_KEY, database_url=EXTERNAL_DB).whatsapp_graph() is None


@pytest.mark.parametrize(("host", "url"), [("127.0.0.1", "http://127.0.0.1:8000"), ("0.0.0.0", "http://127.0.0.1:8000"),
                                           ("::", "http://[::1]:8000"), ("::1", "http://[::1]:8000"),
                                           ("cazo.local", "http://cazo.local:8000")])
def test_the_local_url_reaches_this_machine_whatever_address_the_server_binds(host: str, url: str) -> None:
    assert make(host=host).local_url == url
