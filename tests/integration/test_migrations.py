"""Migrations build the schema from an empty database, tear it down cleanly, and agree with the models."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from cazo.database import (
    alembic_config,
    check_app_role,
    downgrade,
    make_app_engine,
    make_owner_engine,
    migrate,
    schema_revision,
)
from domain.clock import FixedClock
from domain.models import Base, Tenant
from domain.uow import Actor, UnitOfWork, make_session_factory
from tests.conftest import with_database

APP_ROLE = "cazo_app"
REVISIONS = [script.revision for script in reversed(list(
    ScriptDirectory.from_config(alembic_config(APP_ROLE)).walk_revisions()))]
HEAD = REVISIONS[-1]


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
    assert await schema_revision(empty_engine) == (HEAD, HEAD)
    assert set(Base.metadata.tables) <= await _tables(empty_engine)

    # Every step down and up again works, not only the whole way.
    for revision in reversed(REVISIONS[:-1]):
        await downgrade(empty_engine, app_role=APP_ROLE, revision=revision)
        assert (await schema_revision(empty_engine))[0] == revision
    await migrate(empty_engine, app_role=APP_ROLE)
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
    assert await schema_revision(empty_engine) == (HEAD, HEAD)


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


async def test_a_non_superuser_owner_can_migrate_and_serve_through_the_app_role(server_url: str) -> None:
    """The production shape: DATABASE_URL names an owner with CREATEROLE, not a superuser."""
    suffix = uuid.uuid4().hex[:8]
    owner, app_role, database = f"owner_{suffix}", f"app_{suffix}", f"cazo_owned_{suffix}"
    admin = await asyncpg.connect(server_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute(f"CREATE ROLE {owner} LOGIN CREATEROLE PASSWORD 'pw-{suffix}'")
        await admin.execute(f"CREATE DATABASE {database} OWNER {owner}")
        in_db = await asyncpg.connect(with_database(server_url, database).replace("+asyncpg", ""))
        await in_db.execute("CREATE EXTENSION vector")  # not a trusted extension: a superuser installs it
        await in_db.close()
        url = make_url(with_database(server_url, database)).set(username=owner, password=f"pw-{suffix}")
        owner_url = url.render_as_string(hide_password=False)
        engine = make_owner_engine(owner_url)
        await migrate(engine, app_role=app_role)
        await engine.dispose()

        app_engine = make_app_engine(owner_url, app_role=app_role, pool_size=1)
        try:
            await check_app_role(app_engine)
            sessions = make_session_factory(app_engine)
            tenant_id = uuid.uuid4()
            clock = FixedClock(datetime(2026, 11, 25, tzinfo=UTC))
            async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("t"), clock=clock) as uow:
                uow.session.add(Tenant(id=tenant_id, slug="owned-salon", name="Owned"))
                await uow.commit()
            async with UnitOfWork(sessions, tenant_id=None, actor=Actor.system("t"), clock=clock) as uow:
                assert await uow.session.scalar(text("SELECT count(*) FROM tenants")) == 0
        finally:
            await app_engine.dispose()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        for role in (app_role, owner):
            await admin.execute(f"DROP ROLE IF EXISTS {role}")
        await admin.close()
