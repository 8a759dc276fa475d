"""The eval runs that need a database of their own: each starts a throw-away embedded PostgreSQL, migrates it,
seeds the demo salon and plays the cases against the real conversation graph (the composition root's work)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

APP_ROLE = "cazo_app"
DEFAULT_NOW = "2026-11-25T12:00:00+05:30"  # a Wednesday noon in Mumbai


async def booking_effort(cases: list[dict[str, Any]], dataset: Path, *, as_json: bool,
                         output: TextIO) -> dict[str, Any]:
    from agents.guards import InputGuard
    from agents.routers.embedding import EmbeddingRouter
    from agents.understand import Understander
    from cazo.database import make_app_engine, make_owner_engine, migrate
    from cazo.embedded_db import throwaway_server
    from domain.clock import FixedClock
    from domain.seeding import seed_demo_salon
    from domain.uow import make_session_factory
    from evals.booking_effort import play, print_report, summary
    from graphs.checkpoint import prepare_checkpoint_tables
    from prompts.exemplars import ROUTER_WEIGHTS, load_exemplars
    from serving.embeddings import Embedder

    with throwaway_server("cazo-eval-") as server:
        url = server.url()
        owner = make_owner_engine(url)
        await migrate(owner, app_role=APP_ROLE)
        await owner.dispose()
        await prepare_checkpoint_tables(url, APP_ROLE)
        app = make_app_engine(url, app_role=APP_ROLE)
        try:
            sessions = make_session_factory(app)
            clock = FixedClock(datetime.fromisoformat(cases[0].get("now") or DEFAULT_NOW))
            await seed_demo_salon(sessions, clock)
            router = EmbeddingRouter(Embedder(threads=1), load_exemplars(), shipped=ROUTER_WEIGHTS)
            await router.start()
            understander = Understander(router=router, guard=InputGuard())
            results = await play(cases, sessions, url, APP_ROLE, clock, understander)
        finally:
            await app.dispose()
    report: dict[str, Any] = {"summary": summary(results), "cases": results}
    if as_json:
        print(json.dumps(report, ensure_ascii=False), file=output)
    else:
        print_report(report, dataset)
    return report
