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


# -- cazo eval run -----------------------------------------------------------------------------------------------


def _cassette_client(*, prompt: str, model: str, base_url: str | None, key: str | None,
                     timeout_s: float, cassettes: list[Any], directory: Path | None) -> Any:
    """An openai client whose HTTP goes through the cassette for ``prompt``/``model``: replayed when recorded,
    recorded from ``base_url`` when a key or URL is configured, refused (the model is unavailable) otherwise."""
    import httpx

    from evals.cassettes import CASSETTES_DIR, Cassette
    from prompts.registry import group_hash
    from serving.openai_compat import ChatEndpoint, make_async_client

    live = key is not None or base_url is not None
    cassette = Cassette(prompt, group_hash(prompt), model, upstream=httpx.AsyncHTTPTransport() if live else None,
                        directory=directory or CASSETTES_DIR)
    cassettes.append(cassette)
    endpoint = ChatEndpoint(base_url, model, key, timeout_s=timeout_s)
    return make_async_client(endpoint, max_retries=1 if live else 0,
                             http_client=httpx.AsyncClient(transport=cassette, timeout=timeout_s))


def _models(settings: Any, cassettes: list[Any], directory: Path | None) -> tuple[Any, Any, Any, dict[str, Any]]:
    """L2 router, L3 router and L3 tool agent for an eval run, and how each is served."""
    from agents.escalation import ToolAgent
    from agents.routers.llm import ChatModelRouter
    from cazo.nlu import make_router

    l3_key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
    l3_live = l3_key is not None
    about: dict[str, Any] = {}
    router: Any
    if settings.router_backend == "llm":
        vllm_key = settings.vllm_api_key.get_secret_value() if settings.vllm_api_key else None
        client = _cassette_client(prompt="router", model=settings.vllm_model,
                                  base_url=settings.vllm_base_url, key=vllm_key, timeout_s=settings.vllm_timeout_s,
                                  cassettes=cassettes, directory=directory)
        router = ChatModelRouter(client, settings.vllm_model, name="llm")
        about["l2"] = {"router": "llm", "model": settings.vllm_model,
                       "served": "recording from " + settings.vllm_base_url if settings.vllm_base_url
                       else "cassettes only"}
    else:
        router = make_router(settings, "embedding")
        about["l2"] = {"router": "embedding", "model": settings.embedding_model, "served": "local CPU"}
    l3_client = _cassette_client(prompt="router", model=settings.openai_model,
                                 base_url=settings.openai_base_url if l3_live else None, key=l3_key,
                                 timeout_s=settings.openai_timeout_s, cassettes=cassettes, directory=directory)
    agent_client = _cassette_client(prompt="escalation", model=settings.openai_model,
                                    base_url=settings.openai_base_url if l3_live else None, key=l3_key,
                                    timeout_s=settings.openai_timeout_s, cassettes=cassettes,
                                    directory=directory)
    about["l3"] = {"model": settings.openai_model,
                   "served": "recording from " + (settings.openai_base_url or "OpenAI") if l3_live
                   else "cassettes only"}
    return (router, ChatModelRouter(l3_client, settings.openai_model, name="l3"),
            ToolAgent(agent_client, settings.openai_model), about)


def _git() -> dict[str, Any]:
    import subprocess

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=True, timeout=5).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "prompts", "agents", "graphs", "tools",
                                     "evals/suites"], capture_output=True, text=True, check=True,
                                    timeout=5).stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"commit": commit, "dirty": dirty}


async def run_evals(selection: list[tuple[str, str, Path]], settings: Any, *, quiet: bool = False,
                    cassette_dir: Path | None = None) -> dict[str, Any]:
    """Run the datasets in ``selection`` ((name, kind, path), already validated) against a throw-away database
    with the demo salon, and return the run record (see evals/README.md)."""
    import time
    import uuid

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import text

    from agents.guards import InputGuard
    from agents.understand import Understander
    from cazo.database import make_app_engine, make_owner_engine, migrate
    from cazo.embedded_db import throwaway_server
    from domain.clock import FixedClock
    from domain.seeding import seed_demo_salon
    from domain.uow import make_session_factory
    from evals import cases as case_files
    from evals.metrics import conversation_metrics, message_metrics
    from evals.runner import Bench, run_conversations, run_messages
    from graphs.checkpoint import open_checkpointer, prepare_checkpoint_tables
    from graphs.customer import build_customer_graph
    from prompts.registry import prompt_hashes, versions

    started = time.perf_counter()
    loaded = {name: case_files.load(path)[1] for name, _, path in selection}
    cassettes: list[Any] = []
    router, l3, agent, models = _models(settings, cassettes, cassette_dir)
    live = any(c.upstream is not None for c in cassettes)
    suites: dict[str, Any] = {}
    with throwaway_server("cazo-eval-") as server:
        url = server.url()
        owner = make_owner_engine(url)
        await migrate(owner, app_role=APP_ROLE)
        await prepare_checkpoint_tables(url, APP_ROLE)
        app = make_app_engine(url, app_role=APP_ROLE)

        async def forget(customer_id: uuid.UUID) -> None:
            async with owner.begin() as connection:
                await connection.execute(text("DELETE FROM bookings WHERE customer_id = :c"), {"c": customer_id})

        try:
            sessions = make_session_factory(app)
            clock = FixedClock(datetime.fromisoformat(DEFAULT_NOW))
            await seed_demo_salon(sessions, clock)
            if hasattr(router, "start"):
                await router.start()
            understander = Understander(router=router, escalation=l3, guard=InputGuard(),
                                        threshold=settings.router_threshold)
            async with open_checkpointer(url, APP_ROLE) as saver:
                bench = Bench(sessions=sessions, clock=clock, understander=understander,
                              graph=build_customer_graph(saver), pool=saver.conn, agent=agent, forget=forget)
                columns = (TextColumn("{task.description:>14}"), BarColumn(), MofNCompleteColumn(),
                           TimeElapsedColumn())
                with Progress(*columns, disable=quiet, transient=False) as progress:
                    for name, kind, path in selection:
                        cases = loaded[name]
                        task = progress.add_task(name, total=len(cases))
                        def tick(task: Any = task) -> None:
                            progress.advance(task)
                        before = [c.stats.as_dict() for c in cassettes]
                        suite_started = time.perf_counter()
                        if kind == "message":
                            results = await run_messages(bench, cases, tick, concurrency=8 if live else 1)
                            metrics = message_metrics(results)
                        else:
                            results = await run_conversations(bench, cases, suite=name, progress=tick)
                            metrics = conversation_metrics(results, cases, safety=name == "safety"
                                                           or any("category" in c for c in cases))
                        metrics["model_calls"] = _calls_delta(cassettes, before)
                        if kind == "conversation":
                            metrics["cost_per_1k_conversations_usd"] = _cost_per_1k(metrics, len(cases))
                        suites[name] = {"file": _relative(path), "kind": kind, "seconds": round(
                            time.perf_counter() - suite_started, 2), "metrics": metrics, "results": results}
        finally:
            await app.dispose()
            await owner.dispose()
            for cassette in cassettes:
                cassette.save()
            for closable in (l3, agent):
                client = getattr(closable, "client", None)
                if client is not None:
                    await client.close()
    now = datetime.now().astimezone()
    return {"schema": 1, "run_id": f"{now:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}", "started_at": now.isoformat(),
            "seconds": round(time.perf_counter() - started, 2), "git": _git(), "models": models,
            "prompt_versions": versions(), "prompts": prompt_hashes(),
            "cassettes": {f"{c.prompt}--{c.model}": c.stats.as_dict() for c in cassettes}, "suites": suites}


def _calls_delta(cassettes: list[Any], before: list[dict[str, int]]) -> dict[str, dict[str, int]]:
    out = {}
    for cassette, old in zip(cassettes, before, strict=True):
        now = cassette.stats.as_dict()
        delta = {k: now[k] - old[k] for k in now}
        if any(delta.values()):
            out[f"{cassette.prompt}--{cassette.model}"] = delta
    return out


# USD per 1M tokens (prompt, completion) for the models Cazo is usually pointed at; others count as 0 and say so.
PRICES_PER_MTOK = {"gpt-4o": (2.5, 10.0), "gpt-4o-mini": (0.15, 0.6)}


def _cost_per_1k(metrics: dict[str, Any], conversations: int) -> float | None:
    """Estimated USD per 1,000 conversations: the L3 agent's own count plus the L3 router's tokens at list prices
    (the L2 router runs on our own CPU or GPU and counts as 0)."""
    if not conversations:
        return None
    cost = float(metrics.get("agent_cost_usd") or 0.0)
    for name, delta in metrics.get("model_calls", {}).items():
        prompt, model = name.split("--", 1)
        if prompt == "router" and model in PRICES_PER_MTOK:
            per_prompt, per_completion = PRICES_PER_MTOK[model]
            cost += (delta["prompt_tokens"] * per_prompt + delta["completion_tokens"] * per_completion) / 1e6
    return round(cost / conversations * 1000, 4)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
