"""Database wiring: which server (embedded or DATABASE_URL), engines for the owner and the app role, migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

import migrations
from cazo.embedded_db import EmbeddedPostgres
from cazo.settings import Settings

MIGRATIONS_DIR = Path(migrations.__file__).parent


def asyncpg_url(url: str) -> str:
    """postgresql://... -> postgresql+asyncpg://..., keeping everything else."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    return parsed.render_as_string(hide_password=False)


def embedded_server(settings: Settings) -> EmbeddedPostgres:
    return EmbeddedPostgres(settings.data_dir / "pg")


def owner_url(settings: Settings, embedded: EmbeddedPostgres | None = None) -> str:
    """The URL of the database owner (runs migrations and seeds tables' structure, never serves requests)."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value()
    server = embedded or embedded_server(settings)
    return server.url()


def make_owner_engine(url: str) -> AsyncEngine:
    return create_async_engine(asyncpg_url(url), poolclass=NullPool)


def make_app_engine(url: str, *, app_role: str, pool_size: int = 10) -> AsyncEngine:
    """Connections for serving: each one assumes ``app_role`` (no BYPASSRLS) as it opens."""
    connect_args: dict[str, Any] = {"server_settings": {"role": app_role, "application_name": "cazo",
                                                        "plan_cache_mode": "force_custom_plan"}}
    return create_async_engine(asyncpg_url(url), pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                               pool_recycle=1800, connect_args=connect_args)


def alembic_config(app_role: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["app_role"] = app_role
    return config


def _upgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def _downgrade(connection: Connection, config: Config, revision: str) -> None:
    config.attributes["connection"] = connection
    command.downgrade(config, revision)


async def migrate(engine: AsyncEngine, *, app_role: str, revision: str = "head") -> None:
    """Upgrade the schema to ``revision`` as the owner. Safe to run on every start: no-op at head."""
    config = alembic_config(app_role)
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, config, revision)


async def downgrade(engine: AsyncEngine, *, app_role: str, revision: str) -> None:
    config = alembic_config(app_role)
    async with engine.begin() as connection:
        await connection.run_sync(_downgrade, config, revision)


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def code_schema_head() -> str | None:
    """The newest migration in the code."""
    return ScriptDirectory.from_config(alembic_config("cazo_app")).get_current_head()


async def schema_revision(engine: AsyncEngine) -> tuple[str | None, str | None]:
    """(revision the database is at, head revision in the code)."""
    async with engine.connect() as connection:
        current = await connection.run_sync(_current)
    return current, code_schema_head()


async def check_app_role(engine: AsyncEngine) -> None:
    """Refuse to serve through a role that could read across tenants."""
    try:
        async with engine.connect() as connection:
            row = (await connection.execute(text(
                "SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user"))).one()
    except Exception as exc:
        if "role" in str(exc) and "does not exist" in str(exc):
            raise RuntimeError("the database has no application role yet: run `cazo db migrate` first") from exc
        raise
    if row.rolsuper or row.rolbypassrls:
        raise RuntimeError(f"the application role {row.current_user} bypasses row-level security; "
                           "tenant isolation would not hold")
