"""Understanding messages: per-tier latency and throughput, with model loading timed on its own.

    .venv/bin/python benchmarks/bench_understanding.py [--rounds 3] [--dataset FILE] [--threads N] [--json]

Workload: the messages of evals/suites/understanding.jsonl (450 WhatsApp messages in English, Hinglish and Hindi)
against the built-in demo salon, one message at a time, as the conversation engine calls it. Each message goes
through the whole pipeline (normalise, guard, L1 rules, then the L2 embedding router if no rule claims it, then the
slot readers); its latency is filed under the tier that settled it. Rows:

- load: importing and building the input guard (guardrails), loading the MiniLM model, loading the router weights.
- L1: messages a rule settles (guard + rules + slots), and the rules alone (``match_rules``).
- L2: messages that reach the embedding router (guard + rules + router + slots), and the router alone.
- guard alone, and slot reading alone, over all messages.

``--threads`` sets torch's CPU threads (default 1, Cazo's EMBEDDING_THREADS default; 0 lets torch pick one per
core); the target machine has 2 cores. No L3 runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.stats import percentiles  # noqa: E402 - after the path is set


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    value = call()
    return value, (time.perf_counter() - started) * 1000


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from agents.routers.base import RouterContext
    from agents.routers.embedding import EmbeddingRouter
    from agents.rules import RuleContext, match_rules
    from agents.understand import Understander, extract_slots
    from cazo.nlu import demo_salon_context, make_guard
    from prompts.exemplars import ROUTER_WEIGHTS, load_exemplars
    from serving.embeddings import Embedder

    rows = [json.loads(line) for line in Path(args.dataset).read_text(encoding="utf-8").splitlines() if line.strip()]
    load: dict[str, float] = {}
    guard, load["guard_build_ms"] = timed(make_guard)
    embedder = Embedder(threads=args.threads or None)
    _, load["embedding_model_load_ms"] = timed(lambda: embedder.encode(["warm"]))
    router = EmbeddingRouter(embedder, load_exemplars(), shipped=ROUTER_WEIGHTS)
    started = time.perf_counter()
    report = await router.start()
    load["router_weights_load_ms"] = (time.perf_counter() - started) * 1000
    load["router_trained_now"] = not report.cache_hit
    salon = demo_salon_context()
    understander = Understander(router=router, guard=guard, threshold=args.threshold)

    def context_for(row: dict[str, Any]) -> Any:
        return salon.turn(datetime.fromisoformat(row["now"]))

    for row in rows[:20]:  # warm caches and torch's kernels
        await understander.understand(row["text"], context_for(row))

    by_tier: dict[str, list[float]] = {"L1": [], "L2": []}
    rules_only: list[float] = []
    router_only: list[float] = []
    guard_only: list[float] = []
    slots_only: list[float] = []
    settled = 0
    for _ in range(args.rounds):
        for row in rows:
            context = context_for(row)
            started = time.perf_counter()
            found = await understander.understand(row["text"], context)
            by_tier[found.tier].append((time.perf_counter() - started) * 1000)
            settled += found.settled
            _, ms = timed(lambda row=row: guard.check(row["text"]))
            guard_only.append(ms)
            _, ms = timed(lambda row=row: match_rules(row["text"], RuleContext()))
            rules_only.append(ms)
            _, ms = timed(lambda row=row, context=context: extract_slots(row["text"], context))
            slots_only.append(ms)
            if found.tier == "L2":
                started = time.perf_counter()
                await router.classify(row["text"], RouterContext())  # on the router's own thread, as in service
                router_only.append((time.perf_counter() - started) * 1000)
    return {
        "machine": {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(), "python": sys.version.split()[0]},
        "workload": {"messages": len(rows), "rounds": args.rounds, "threshold": args.threshold,
                     "settled_share": round(settled / (len(rows) * args.rounds), 4)},
        "load": {k: round(v, 1) if isinstance(v, float) else v for k, v in load.items()},
        "latency": {
            "L1 pipeline (guard + rules + slots)": percentiles(by_tier["L1"]),
            "L1 rules alone": percentiles(rules_only),
            "L2 pipeline (guard + rules + router + slots)": percentiles(by_tier["L2"]),
            "L2 router alone (embed + classify)": percentiles(router_only),
            "guard alone": percentiles(guard_only),
            "slots alone (date, time, services, staff, coupon)": percentiles(slots_only),
        },
    }


def report(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    machine, workload = result["machine"], result["workload"]
    console.print(f"{machine['cpus']} CPUs, torch threads {machine['torch_threads']}, Python {machine['python']}; "
                  f"{workload['messages']} messages x {workload['rounds']} rounds; "
                  f"settled without L3: {workload['settled_share']:.1%}")
    loads = Table(title="model loading (once per process)")
    loads.add_column("step")
    loads.add_column("ms", justify="right")
    for key, value in result["load"].items():
        loads.add_row(key, str(value))
    console.print(loads)
    table = Table(title="latency per message")
    for column in ("path", "n", "p50 ms", "p95 ms", "p99 ms", "msg/s"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for name, row in result["latency"].items():
        table.add_row(name, str(row["n"]), f"{row['p50_ms']:.3f}", f"{row['p95_ms']:.3f}", f"{row['p99_ms']:.3f}",
                      f"{row['messages_per_s']:.0f}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=str(ROOT / "evals" / "suites" / "understanding.jsonl"))
    parser.add_argument("--rounds", type=int, default=3, help="passes over the dataset (default 3)")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (default 1, as Cazo runs; 0: torch's own choice)")
    parser.add_argument("--threshold", type=float, default=0.85, help="L2 confidence threshold (default 0.85)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be positive")
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        report(result)


if __name__ == "__main__":
    main()
