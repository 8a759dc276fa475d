"""How many messages a customer sends to get a confirmed booking, over a set of booking conversations.

    cazo eval booking-effort [--dataset evals/datasets/booking_conversations.jsonl] [--json]

Each case (one JSON object per line: {"id", "tenant", "now", "turns": [{"user": TEXT} | {"tap": ID}], "final"})
is played against the real conversation graph, the CPU embedding router with its shipped weights, and a throw-away
embedded PostgreSQL with the demo salon, each case as a new customer, in file order (earlier cases' bookings stay,
as in a real salon). After the scripted lines the customer does the least a real one would: tap Confirm when it
is offered, else the first time, day or service offered, up to MAX_MESSAGES messages in all. A tap is a message.
The report gives each case's messages to the confirmed booking and the median over the booked cases (the
conversation graph issue's target: at most 3). No model is called over the network.
"""

from __future__ import annotations

import json
import statistics
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.understand import Understander
from domain.clock import FixedClock
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import Actor, UnitOfWork
from graphs.checkpoint import open_checkpointer
from graphs.customer import build_customer_graph
from graphs.turn import customer_deps, handle_message, load_salon
from tools.replies import message_choices

DATASET = Path(__file__).resolve().parent / "datasets" / "booking_conversations.jsonl"
MAX_MESSAGES = 8
TAP_ORDER = ("confirm:yes", "slot:", "date:", "svc:")


def load_cases(path: Path) -> list[dict[str, Any]]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"{path}:{number}: not a JSON object: {exc}") from None
        if not isinstance(case.get("turns"), list) or not case["turns"] or "id" not in case:
            raise ValueError(f"{path}:{number}: a case needs an id and at least one turn")
        cases.append(case)
    return cases


def next_tap(choices: list[str]) -> str | None:
    """What a customer who just wants the booking taps: Confirm, else the first time, day or service offered."""
    for prefix in TAP_ORDER:
        found = next((choice for choice in choices if choice.startswith(prefix)), None)
        if found is not None:
            return found
    return None


async def play(cases: list[dict[str, Any]], sessions: async_sessionmaker[AsyncSession], checkpoint_url: str,
               app_role: str, clock: FixedClock, understander: Understander) -> list[dict[str, Any]]:
    """Play the cases against a migrated database with the demo salon seeded (the caller sets it up)."""
    results = []
    salons: dict[str, Any] = {}
    async with open_checkpointer(checkpoint_url, app_role) as saver:
        graph = build_customer_graph(saver)
        for number, case in enumerate(cases):
            if case.get("now"):
                clock.advance(datetime.fromisoformat(case["now"]) - clock.now())
            slug = case.get("tenant") or "glow-studio"
            if slug not in salons:
                async with UnitOfWork(sessions, tenant_id=None, actor=Actor.system("eval"), clock=clock,
                                      platform=True) as uow:
                    salons[slug] = await load_salon(sessions, clock, await tenant_id_for_slug(slug, uow))
            deps = await customer_deps(sessions, clock, salons[slug], understander, f"+9197{number:08d}")
            results.append(await _one(case, graph, saver.conn, deps))
    return results


async def _one(case: dict[str, Any], graph: Any, pool: Any, deps: Any) -> dict[str, Any]:
    scripted = list(case["turns"])
    choices: list[str] = []
    transcript: list[str] = []
    booked_at = None
    for sent in range(1, MAX_MESSAGES + 1):
        turn = scripted.pop(0) if scripted else None
        payload = None
        if turn is not None and "tap" in turn:
            payload = next((c for c in choices if c == turn["tap"] or c.startswith(turn["tap"])), None)
            text = "(tap)"
        elif turn is not None:
            text = str(turn["user"])
        else:
            payload = next_tap(choices)
            text = "(tap)"
        if text == "(tap)" and payload is None:
            break  # nothing sensible left to tap: the conversation is stuck
        result = await handle_message(graph, pool, deps, text, payload=payload)
        transcript.append(f"{text if payload is None else 'tap ' + payload} -> {result.flow}/{result.outcome}")
        choices = [c.id for m in result.replies for c in message_choices(m)]
        if result.outcome == "booked":
            booked_at = sent
            break
        if result.outcome == "handed_over":
            break
    return {"id": case["id"], "booked": booked_at is not None, "messages": booked_at, "transcript": transcript}


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    counts = [r["messages"] for r in results if r["booked"]]
    return {"cases": len(results), "booked": len(counts),
            "median_messages": statistics.median(counts) if counts else None,
            "mean_messages": round(statistics.fmean(counts), 2) if counts else None,
            "max_messages": max(counts) if counts else None,
            "by_messages": {str(n): counts.count(n) for n in sorted(set(counts))}}


def print_report(report: dict[str, Any], dataset: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"messages to a confirmed booking ({dataset.name})")
    for column in ("case", "booked", "messages", "turns (flow/outcome)"):
        table.add_column(column)
    for row in report["cases"]:
        table.add_row(row["id"], "yes" if row["booked"] else "NO", str(row["messages"] or "-"),
                      "; ".join(row["transcript"]))
    console = Console(width=200)
    console.print(table)
    s = report["summary"]
    console.print(f"{s['booked']} of {s['cases']} booked; median {s['median_messages']} messages, mean "
                  f"{s['mean_messages']}, most {s['max_messages']}; by count {s['by_messages']}")
