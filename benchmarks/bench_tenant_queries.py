"""Seeding speed and tenant-scoped query latency, with row-level security and without.

    .venv/bin/python benchmarks/bench_tenant_queries.py [--tenants 5] [--customers 500] [--days 90] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine

from cazo.database import asyncpg_url, make_app_engine, make_owner_engine, migrate
from cazo.embedded_db import EPHEMERAL_SETTINGS, EmbeddedPostgres
from domain.clock import SystemClock
from domain.models import Branch, Customer, Tenant
from domain.seeding import seed_scale_salons
from domain.uow import Actor, UnitOfWork, make_session_factory

DAY_SQL = ("SELECT i.id, i.starts_at, i.ends_at, i.staff_id, i.service_id FROM booking_items i "
           "WHERE i.branch_id = :branch AND i.starts_at >= :start AND i.starts_at < :end ORDER BY i.starts_at")
PHONE_SQL = "SELECT id, name FROM customers WHERE tenant_id = :tenant AND phone_e164 = :phone"


async def timed(label: str, runs: int, call: Callable[[], Awaitable[Any]]) -> dict[str, Any]:
    for _ in range(min(20, runs)):  # warm the pool and the plan cache
        await call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"query": label, "runs": runs, "p50_ms": round(statistics.median(samples), 3),
            "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3), "mean_ms": round(statistics.fmean(samples), 3)}


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server = None
    url = args.database_url
    if url is None:
        scratch = Path(tempfile.mkdtemp(prefix="cazo-bench-"))
        server = EmbeddedPostgres(scratch / "pg", extra_settings=EPHEMERAL_SETTINGS)
        server.start()
        url = server.url()
    owner = make_owner_engine(url)
    app = make_app_engine(url, app_role="cazo_app", pool_size=4)
    # Pooled like the app engine, so the comparison is RLS and the unit of work, not connection set-up.
    pooled_owner = create_async_engine(asyncpg_url(url), pool_size=4)
    try:
        await migrate(owner, app_role="cazo_app")
        sessions = make_session_factory(app)
        clock = SystemClock()
        started = time.perf_counter()
        report = await seed_scale_salons(sessions, clock, tenants=args.tenants, customers=args.customers,
                                         days=args.days)
        seed_s = time.perf_counter() - started
        created = [salon for salon in report.salons if salon.created]
        async with UnitOfWork(sessions, tenant_id=None, actor=Actor.system("bench"), clock=clock,
                              platform=True) as uow:
            tenant_ids = list(await uow.session.scalars(select(Tenant.id).where(Tenant.slug.like("scale-%"))))
        rng = random.Random(7)
        targets = []
        for tenant_id in tenant_ids:
            async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("bench"), clock=clock) as uow:
                branch = (await uow.session.scalars(select(Branch.id))).first()
                phones = list(await uow.session.scalars(select(Customer.phone_e164).limit(50)))
            targets.append((tenant_id, branch, phones))
        day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)

        def pick() -> tuple[uuid.UUID, uuid.UUID, str]:
            tenant_id, branch, phones = rng.choice(targets)
            return tenant_id, branch, rng.choice(phones)

        async def day_with_rls() -> None:
            tenant_id, branch, _ = pick()
            async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("bench"), clock=clock) as uow:
                await uow.session.execute(text(DAY_SQL), {"branch": branch, "start": day,
                                                          "end": day + timedelta(days=1)})

        async def day_as_owner() -> None:
            _, branch, _ = pick()
            async with pooled_owner.begin() as connection:
                await connection.execute(text(DAY_SQL), {"branch": branch, "start": day,
                                                         "end": day + timedelta(days=1)})

        async def phone_with_rls() -> None:
            tenant_id, _, phone = pick()
            async with UnitOfWork(sessions, tenant_id=tenant_id, actor=Actor.system("bench"), clock=clock) as uow:
                await uow.session.execute(text(PHONE_SQL), {"tenant": tenant_id, "phone": phone})

        async def phone_as_owner() -> None:
            tenant_id, _, phone = pick()
            async with pooled_owner.begin() as connection:
                await connection.execute(text(PHONE_SQL), {"tenant": tenant_id, "phone": phone})

        queries = [await timed("branch day (unit of work, RLS)", args.runs, day_with_rls),
                   await timed("branch day (owner, no RLS, pooled)", args.runs, day_as_owner),
                   await timed("customer by phone (unit of work, RLS)", args.runs, phone_with_rls),
                   await timed("customer by phone (owner, no RLS, pooled)", args.runs, phone_as_owner)]
        async with owner.connect() as connection:
            items = (await connection.execute(text("SELECT count(*) FROM booking_items"))).scalar()
        return {"tenants": len(tenant_ids), "tenants_created": len(created), "booking_items_total": items,
                "seed_seconds": round(seed_s, 2),
                "seed_bookings_per_s": round(sum(s.bookings for s in created) / seed_s, 1) if created else None,
                "queries": queries}
    finally:
        await app.dispose()
        await pooled_owner.dispose()
        await owner.dispose()
        if server is not None:
            server.destroy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=5, help="salons to seed (default 5)")
    parser.add_argument("--customers", type=int, default=500, help="customers per salon (default 500)")
    parser.add_argument("--days", type=int, default=90, help="days of history per salon (default 90)")
    parser.add_argument("--runs", type=int, default=300, help="timed runs per query (default 300)")
    parser.add_argument("--database-url", default=None, help="use this server instead of a throw-away one")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
        return
    console = Console()
    console.print(f"{result['tenants']} salons, {result['booking_items_total']} booking items; seeding took "
                  f"{result['seed_seconds']} s ({result['seed_bookings_per_s']} bookings/s)")
    table = Table(title="Tenant-scoped queries")
    for column in ("query", "runs", "p50_ms", "p95_ms", "mean_ms"):
        table.add_column(column, justify="left" if column == "query" else "right")
    for row in result["queries"]:
        table.add_row(*(str(row[column]) for column in ("query", "runs", "p50_ms", "p95_ms", "mean_ms")))
    console.print(table)


if __name__ == "__main__":
    main()
