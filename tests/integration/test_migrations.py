"""Migrations build the schema from an empty database, tear it down cleanly, and agree with the models."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from cazo.database import downgrade, make_owner_engine, migrate, schema_revision
from domain.models import Base

APP_ROLE = "cazo_app"


@pytest.fixture
async def empty_engine(make_database: Callable[[], Awaitable[str]]) -> AsyncIterator[AsyncEngine]:
    engine = make_owner_engine(await make_database())
    yield engine
    await engine.dispose()


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
        return set(rows.scalars())


async def _extensions(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(text("SELECT extname FROM pg_extension"))).scalars())


async def test_upgrade_from_empty_then_downgrade_to_empty_then_upgrade_again(empty_engine: AsyncEngine) -> None:
    assert await _tables(empty_engine) == set()
    await migrate(empty_engine, app_role=APP_ROLE)
    assert await schema_revision(empty_engine) == ("0001", "0001")
    assert set(Base.metadata.tables) <= await _tables(empty_engine)
    assert {"vector", "btree_gist", "pg_trgm"} <= await _extensions(empty_engine)

    await downgrade(empty_engine, app_role=APP_ROLE, revision="base")
    assert await _tables(empty_engine) == {"alembic_version"}
    assert await _extensions(empty_engine) == {"plpgsql"}
    assert (await schema_revision(empty_engine))[0] is None

    await migrate(empty_engine, app_role=APP_ROLE)
    assert set(Base.metadata.tables) <= await _tables(empty_engine)


async def test_migrating_twice_is_a_no_op(empty_engine: AsyncEngine) -> None:
    await migrate(empty_engine, app_role=APP_ROLE)
    await migrate(empty_engine, app_role=APP_ROLE)
    assert await schema_revision(empty_engine) == ("0001", "0001")


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})

    def include_name(name: str | None, type_: str, parent: object) -> bool:
        # Expression indexes (trigram search) are invisible to autogenerate; they live only in migrations.
        return not (type_ == "index" and name is not None and name.endswith("_trgm"))

    context.opts["include_name"] = include_name
    return list(compare_metadata(context, Base.metadata))


async def test_the_models_match_the_migrated_schema(owner_engine: AsyncEngine) -> None:
    async with owner_engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []
