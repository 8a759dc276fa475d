"""The README and .env.example name every setting, and .env.example itself loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from cazo.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = [name.upper() for name in Settings.model_fields]


@pytest.mark.parametrize("document", ["README.md", ".env.example"])
def test_every_setting_is_documented(document: str) -> None:
    text = (ROOT / document).read_text()
    missing = [name for name in SETTINGS if name not in text]
    assert missing == []


def test_the_example_environment_loads_as_development(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings.environment == "development"
    assert settings.database_url is None and settings.redis_url is None and settings.openai_base_url is None


def test_the_example_environment_is_refused_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValueError, match="SECRET_KEY"):
        Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]


def test_the_readme_shows_the_two_commands_near_the_top() -> None:
    head = (ROOT / "README.md").read_text().splitlines()[:30]
    assert any(line.startswith("make run") for line in head)
    assert any(line.startswith("make test") for line in head)
