"""Whole conversation turns on the L1/L2 path, with the real database: latency per turn and turns per second.

    .venv/bin/python benchmarks/bench_conversation.py [--customers 30] [--concurrency 1,4] [--json]

A throw-away embedded PostgreSQL (or --database-url) gets the demo salon (``cazo seed demo``'s data) and the
checkpoint tables. Each simulated customer has the same five-turn conversation, as ``cazo chat`` would send it:

    "namaste"  ->  "kal beard trim karwana hai"  ->  tap a free time  ->  tap Confirm  ->  "meri booking"

(with a second Confirm tap when the first met a time another customer had just taken and got a list instead).
Every turn takes the conversation's lock, runs the graph (guard, rules, embedding router, flow, tools) and saves
its checkpoint before returning. The clock stands still at Wednesday 2026-11-25 12:00 IST. Concurrency runs that
many customers at once (different conversations, one process); turns per second counts all turns of a run over
its wall time. No L3 runs; the router is the CPU embedding router with its shipped weights.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.stats import percentiles  # noqa: E402 - after the path is set

APP_ROLE = "cazo_app"
NOW = datetime(2026, 11, 25, 6, 30, tzinfo=UTC)
# (text, tap): a tap of "first" takes one of the options offered (customer n takes option n mod the number offered,
# so customers spread over the free times as real ones do); a tap of an id the last reply did not offer (the time
# was taken by another customer, so a list came back instead of Confirm) takes one of the offered ones the same way.
SCRIPT: tuple[tuple[str, str | None], ...] = (("namaste", None), ("kal beard trim karwana hai", None),
                                              ("that one", "first"), ("Confirm", "confirm:yes"),
                                              ("Confirm", "confirm:yes"), ("meri booking", None))


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from agents.guards import InputGuard
    from agents.routers.embedding import EmbeddingRouter
    from agents.understand import Understander
    from cazo.database import make_app_engine, make_owner_engine, migrate
    from cazo.embedded_db import throwaway_server
    from domain.clock import FixedClock
    from domain.seeding import seed_demo_salon
    from domain.services.snapshot import tenant_id_for_slug
    from domain.uow import Actor, UnitOfWork, make_session_factory
    from graphs.checkpoint import open_checkpointer, prepare_checkpoint_tables
    from graphs.customer import build_customer_graph
    from graphs.turn import customer_deps, handle_message, load_salon
    from prompts.exemplars import ROUTER_WEIGHTS, load_exemplars
    from serving.embeddings import Embedder
    from tools.replies import message_choices

    with contextlib.ExitStack() as stack:
        url = args.database_url
        if url is None:
            log("starting a throw-away PostgreSQL ...")
            url = stack.enter_context(throwaway_server("cazo-bench-")).url()
        owner = make_owner_engine(url)
        await migrate(owner, app_role=APP_ROLE)
        await owner.dispose()
        await prepare_checkpoint_tables(url, APP_ROLE)
        app = make_app_engine(url, app_role=APP_ROLE, pool_size=20)
        sessions = make_session_factory(app)
        clock = FixedClock(NOW)
        log("seeding the demo salon ...")
        await seed_demo_salon(sessions, clock)
        async with UnitOfWork(sessions, tenant_id=None, actor=Actor.system("bench"), clock=clock,
                              platform=True) as uow:
            tenant_id = await tenant_id_for_slug("glow-studio", uow)
        salon = await load_salon(sessions, clock, tenant_id, "bandra")
        log("loading the models ...")
        router = EmbeddingRouter(Embedder(threads=1), load_exemplars(), shipped=ROUTER_WEIGHTS)
        await router.start()
        understander = Understander(router=router, guard=InputGuard())
        results: list[dict[str, Any]] = []
        async with open_checkpointer(url, APP_ROLE, max_size=20) as saver:
            graph = build_customer_graph(saver)
            phone_number = 0
            for concurrency in args.concurrency:
                by_turn: dict[str, list[float]] = defaultdict(list)
                booked = 0

                async def customer(number: int, by_turn: dict[str, list[float]] = by_turn) -> int:
                    deps = await customer_deps(sessions, clock, salon, understander, f"+9198{number:08d}")
                    offered: list[str] = []
                    confirmed = 0
                    for index, (text, payload) in enumerate(SCRIPT):
                        if payload is not None and payload not in offered:
                            if not offered:
                                continue  # e.g. already confirmed: the second "Confirm" is not needed
                            text, payload = "that one", offered[number % len(offered)]
                        result = await handle_message(graph, saver.conn, deps, text,  # type: ignore[arg-type]
                                                      payload=payload)
                        by_turn[f"{index + 1}. {result.flow}"].append(result.latency_ms)
                        offered = [c.id for m in result.replies for c in message_choices(m)]
                        confirmed += result.flow == "confirm"
                    return confirmed

                started = time.perf_counter()
                for first in range(0, args.customers, concurrency):
                    batch = range(phone_number + first, phone_number + min(first + concurrency, args.customers))
                    booked += sum(await asyncio.gather(*(customer(n) for n in batch)))
                wall = time.perf_counter() - started
                phone_number += args.customers
                turns = sum(len(v) for v in by_turn.values())
                everything = [ms for samples in by_turn.values() for ms in samples]
                results.append({"concurrency": concurrency, "customers": args.customers, "turns": turns,
                                "bookings_confirmed": booked, "wall_s": round(wall, 2),
                                "turns_per_s": round(turns / wall, 1), "all_turns": percentiles(everything, digits=1),
                                "by_turn": {k: percentiles(v, digits=1) for k, v in sorted(by_turn.items())}})
                log(f"  concurrency {concurrency}: {turns} turns in {wall:.1f} s")
        await app.dispose()
        return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}, "runs": results}


def report(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"{result['machine']['cpus']} CPUs, Python {result['machine']['python']}")
    for run_result in result["runs"]:
        table = Table(title=(f"concurrency {run_result['concurrency']}: {run_result['turns']} turns, "
                             f"{run_result['turns_per_s']} turns/s, {run_result['bookings_confirmed']} "
                             f"of {run_result['customers']} bookings confirmed"))
        for column in ("turn", "n", "p50 ms", "p95 ms", "mean ms"):
            table.add_column(column, justify="left" if column == "turn" else "right")
        rows = [*run_result["by_turn"].items(), ("all turns", run_result["all_turns"])]
        for name, row in rows:
            table.add_row(name, str(row["n"]), f"{row['p50_ms']:.1f}", f"{row['p95_ms']:.1f}",
                          f"{row['mean_ms']:.1f}")
        console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=30, help="simulated customers per run (default 30)")
    parser.add_argument("--concurrency", default="1,4", help="comma-separated customers at once (default 1,4)")
    parser.add_argument("--database-url", default=None, help="use this server instead of a throw-away one")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args()
    try:
        args.concurrency = [int(part) for part in args.concurrency.split(",") if part.strip()]
    except ValueError:
        parser.error("--concurrency takes numbers separated by commas, e.g. 1,4")
    if args.customers < 1 or not args.concurrency or min(args.concurrency) < 1:
        parser.error("--customers and every --concurrency value must be positive")
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        report(result)


if __name__ == "__main__":
    main()
