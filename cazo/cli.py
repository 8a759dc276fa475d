"""The ``cazo`` command line: run the product, manage the database, seed data."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import asyncpg
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.exc import DBAPIError

from cazo import __version__
from cazo.database import downgrade as downgrade_schema
from cazo.database import embedded_server, make_owner_engine, migrate, owner_url, schema_revision
from cazo.embedded_db import POSTGRES_BIN_PATH, EmbeddedDatabaseError
from cazo.eval_cli import eval_app
from cazo.settings import Settings, load_settings
from cazo.whatsapp_cli import whatsapp_app

# No locals in tracebacks: they would print connection URLs and secrets.
app = typer.Typer(help="Cazo: the AI receptionist and operations platform for salons.", no_args_is_help=True,
                  add_completion=False, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="The database: embedded server lifecycle, migrations, connection URL.",
                     no_args_is_help=True)
seed_app = typer.Typer(help="Demo and benchmark data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(seed_app, name="seed")
app.add_typer(eval_app, name="eval")
app.add_typer(whatsapp_app, name="whatsapp")

console = Console(stderr=True)
T = TypeVar("T")


def _settings() -> Settings:
    try:
        return load_settings()
    except Exception as exc:  # pydantic's ValidationError, shown without a traceback
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc


def _fail(message: str, code: int = 1) -> typer.Exit:
    console.print(f"[red]{message}[/red]")
    return typer.Exit(code)


def _run(coro_factory: Callable[[], Awaitable[T]]) -> T:
    """Run async work; a database that cannot be reached is a one-line error, not a traceback."""

    async def main() -> T:
        return await coro_factory()

    try:
        return asyncio.run(main())
    except (OSError, DBAPIError, asyncpg.PostgresError) as exc:
        reason = exc.orig if isinstance(exc, DBAPIError) else exc
        raise _fail(f"Could not use the database: {type(reason).__name__}: {reason}") from exc


def _ensure_database(settings: Settings) -> tuple[str, bool]:
    """The owner URL, starting the embedded server if DATABASE_URL is unset. (url, started_here)."""
    if settings.database_url is not None:
        return settings.database_url.get_secret_value(), False
    server = embedded_server(settings)
    try:
        started = server.start()
    except EmbeddedDatabaseError as exc:
        raise _fail(f"Could not start the embedded database: {exc}") from exc
    return server.url(), started


async def _migrate(url: str, settings: Settings, revision: str = "head", *,
                   down: bool = False) -> tuple[str | None, str | None]:
    """Move the schema up (or down) to ``revision`` as the owner; returns (current, head) afterwards."""
    from graphs.checkpoint import drop_checkpoint_tables, prepare_checkpoint_tables

    engine = make_owner_engine(url)
    try:
        change = downgrade_schema if down else migrate
        await change(engine, app_role=settings.database_app_role, revision=revision)
        if not down:  # the conversation checkpointer's tables, in their own schema
            await prepare_checkpoint_tables(url, settings.database_app_role)
        elif revision == "base":
            await drop_checkpoint_tables(url)
        return await schema_revision(engine)
    finally:
        await engine.dispose()


# -- db -----------------------------------------------------------------------------------------------------


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL (initialising DATA_DIR/pg on first use). It keeps running until `db stop`."""
    settings = _settings()
    if settings.database_url is not None:
        raise _fail("DATABASE_URL is set: Cazo uses that server and does not start an embedded one.", 2)
    server = embedded_server(settings)
    try:
        started = server.start()
    except EmbeddedDatabaseError as exc:
        raise _fail(str(exc)) from exc
    state = server.status()
    console.print(f"{'Started' if started else 'Already running'}: PostgreSQL on 127.0.0.1:{state.port} "
                  f"(pid {state.pid}), data in {server.data_dir}")


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL cleanly (open transactions roll back; committed data stays)."""
    settings = _settings()
    server = embedded_server(settings)
    try:
        stopped = server.stop()
    except EmbeddedDatabaseError as exc:
        raise _fail(str(exc)) from exc
    console.print("Stopped." if stopped else "The embedded database was not running.")


@db_app.command("status")
def db_status() -> None:
    """Which database Cazo uses, whether it runs, and whether its schema is current. Exits 1 when not usable."""
    settings = _settings()
    table = Table(show_header=False)
    if settings.database_url is not None:
        table.add_row("database", "DATABASE_URL (external server)")
        url = settings.database_url.get_secret_value()
    else:
        server = embedded_server(settings)
        state = server.status()
        table.add_row("database", f"embedded PostgreSQL, data in {server.data_dir}")
        table.add_row("server", f"running on 127.0.0.1:{state.port}, pid {state.pid}" if state.running else
                      "stopped")
        if not state.running:
            console.print(table)
            raise typer.Exit(1)
        url = server.url()
    try:
        current, head = _run(lambda: _revision(url))
    except Exception as exc:
        table.add_row("connection", f"failed: {exc}")
        console.print(table)
        raise typer.Exit(1) from exc
    table.add_row("schema", f"{current or 'empty'} (code is at {head})" + ("" if current == head else
                                                                           "  -> run `cazo db migrate`"))
    console.print(table)
    if current != head:
        raise typer.Exit(1)


async def _revision(url: str) -> tuple[str | None, str | None]:
    engine = make_owner_engine(url)
    try:
        return await schema_revision(engine)
    finally:
        await engine.dispose()


@db_app.command("migrate")
def db_migrate(revision: Annotated[str, typer.Option(help="Target revision")] = "head") -> None:
    """Apply migrations up to REVISION (default: the latest). Starts the embedded server if needed."""
    settings = _settings()
    url, started = _ensure_database(settings)
    try:
        current, _ = _run(lambda: _migrate(url, settings, revision))
    finally:
        if started:
            embedded_server(settings).stop()
    console.print(f"Schema at revision {current}.")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base or 0001")]) -> None:
    """Undo migrations down to REVISION. `base` drops every Cazo table: all data is lost."""
    settings = _settings()
    url, started = _ensure_database(settings)
    try:
        current, _ = _run(lambda: _migrate(url, settings, revision, down=True))
    finally:
        if started:
            embedded_server(settings).stop()
    console.print(f"Schema at revision {current or 'base (empty)'}.")


@db_app.command("psql-url")
def db_psql_url() -> None:
    """Print the owner's connection URL (for psql, pgAdmin, pgbench). Contains the password: keep it private."""
    settings = _settings()
    try:
        print(owner_url(settings))
    except EmbeddedDatabaseError as exc:
        raise _fail(f"{exc}. Start it with `cazo db start`.") from exc


@db_app.command("psql")
def db_psql() -> None:
    """Open psql (shipped with the embedded server) on Cazo's database."""
    settings = _settings()
    try:
        url = owner_url(settings)
    except EmbeddedDatabaseError as exc:
        raise _fail(f"{exc}. Start it with `cazo db start`.") from exc
    raise typer.Exit(subprocess.call([str(POSTGRES_BIN_PATH / "psql"), url]))


# -- seed ---------------------------------------------------------------------------------------------------


def _seed(settings: Settings, run: Callable[[Any], Awaitable[T]]) -> T:
    """Migrate, then run a seeding function with an open runtime."""
    from cazo.wiring import open_runtime

    url, started = _ensure_database(settings)

    async def go() -> T:
        await _migrate(url, settings)
        async with open_runtime(settings, conversations=False) as runtime:
            return await run(runtime)

    try:
        return _run(go)
    finally:
        if started:
            embedded_server(settings).stop()


@seed_app.command("demo")
def seed_demo() -> None:
    """Create the demo salon Glow Studio (Bandra, Mumbai and Koregaon Park, Pune). Running it again changes nothing."""
    from domain.seeding import seed_demo_salon

    settings = _settings()
    report = _seed(settings, lambda runtime: seed_demo_salon(runtime.sessions, runtime.clock))
    console.print(report.summary())


@seed_app.command("scale")
def seed_scale(
    tenants: Annotated[int, typer.Option(min=1, max=10_000, help="How many salons to create")] = 10,
    customers: Annotated[int, typer.Option(min=0, max=1_000_000, help="Customers per salon")] = 500,
    days: Annotated[int, typer.Option(min=0, max=3650, help="Days of past bookings per salon")] = 90,
) -> None:
    """Create many salons of synthetic data for benchmarks (slugs scale-0001, ...). Existing ones are kept."""
    from domain.seeding import seed_scale_salons

    settings = _settings()
    report = _seed(settings, lambda runtime: seed_scale_salons(runtime.sessions, runtime.clock, tenants=tenants,
                                                               customers=customers, days=days))
    console.print(report.summary())


# -- run / serve --------------------------------------------------------------------------------------------


def _serve(settings: Settings) -> None:
    import uvicorn

    from cazo.logging_config import configure_logging
    from cazo.wiring import build_app

    configure_logging(settings.log_level, settings.log_format)
    uvicorn.run(build_app(settings), host=settings.host, port=settings.port, log_config=None,
                timeout_graceful_shutdown=10)


@app.command("serve")
def serve() -> None:
    """Serve the API on HOST:PORT. Expects a migrated database (see `cazo run` for everything in one go)."""
    _serve(_settings())


@app.command("run")
def run(seed: Annotated[bool, typer.Option(help="Seed the demo salon if it is missing")] = True) -> None:
    """Start the database, migrate, seed the demo salon and serve on http://HOST:PORT. Ctrl-C stops it all."""
    settings = _settings()
    url, started = _ensure_database(settings)
    try:
        current, _ = _run(lambda: _migrate(url, settings))
        console.print(f"Database ready (schema {current}).")
        if seed:
            from domain.seeding import seed_demo_salon

            report = _seed(settings, lambda runtime: seed_demo_salon(runtime.sessions, runtime.clock))
            console.print(report.summary())
        base = f"http://{settings.host}:{settings.port}"
        simulator = f"  WhatsApp simulator  {base}/dev/whatsapp\n" if settings.is_development else ""
        console.print(f"\n[bold green]Cazo is starting on {base}[/bold green]\n"
                      f"  API docs   {base}/docs\n  health     {base}/healthz\n  readiness  {base}/readyz\n"
                      f"{simulator}Press Ctrl-C to stop Cazo and its database.\n")
        _serve(settings)
    finally:
        if started:
            embedded_server(settings).stop()
            console.print("Stopped the embedded database.")


@app.command("worker")
def worker_command(
    concurrency: Annotated[int | None, typer.Option(min=1, max=64, help="Customers answered at once "
                                                    "(default WHATSAPP_WORKER_CONCURRENCY)")] = None,
    once: Annotated[bool, typer.Option(help="Answer what is queued and send what is due now, then exit")] = False,
) -> None:
    """Answer queued WhatsApp messages and send due replies and notices until stopped (Ctrl-C or SIGTERM).

    Run one or more next to `cazo serve` (WHATSAPP_WORKER=off there); they share the queue safely. A worker
    stopped mid-turn leaves the message queued, and the next one answers it once."""
    import signal

    from cazo.wiring import open_runtime
    from cazo.worker import open_worker, worker_settings

    settings = worker_settings(_settings(), concurrency)

    async def work() -> None:
        async with open_runtime(settings) as runtime, open_worker(settings, runtime,
                                                                  concurrency=concurrency) as worker:
            if once:
                while await worker.run_once():
                    pass
            else:
                stop = asyncio.Event()
                loop = asyncio.get_running_loop()
                for name in (signal.SIGINT, signal.SIGTERM):
                    loop.add_signal_handler(name, stop.set)
                console.print(f"WhatsApp worker running ({worker.concurrency} at once). Ctrl-C stops it.")
                await worker.run(stop)
            stats = worker.stats
            console.print(f"Turns {stats.turns} ({stats.messages} messages, {stats.replayed} replayed), sent "
                          f"{stats.sent}, send failures {stats.send_failures}, cancelled {stats.cancelled}, "
                          f"parked {stats.failed}.")

    try:
        _run(work)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


# -- nlu ----------------------------------------------------------------------------------------------------


class _SalonContexts:
    """Salon contexts by slug: the built-in demo without a database, a real salon read once from the database."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[str | None, Any] = {}
        self._runtime: Any = None
        self._closer: Any = None
        self._started = False

    async def get(self, slug: str | None) -> Any:
        from cazo.nlu import demo_salon_context, salon_context_from_snapshot

        if slug not in self._cache:
            if slug is None:
                self._cache[slug] = demo_salon_context()
            else:
                self._cache[slug] = salon_context_from_snapshot(await self._snapshot(slug))
        return self._cache[slug]

    async def _snapshot(self, slug: str) -> Any:
        from cazo.wiring import open_runtime
        from domain.services.snapshot import salon_snapshot, tenant_id_for_slug
        from domain.uow import Actor, UnitOfWork

        if self._runtime is None:
            self._closer = open_runtime(self.settings, conversations=False)
            self._runtime = await self._closer.__aenter__()
        runtime = self._runtime
        actor = Actor.system("cazo nlu")
        async with UnitOfWork(runtime.sessions, tenant_id=None, actor=actor, clock=runtime.clock,
                              platform=True) as uow:
            tenant_id = await tenant_id_for_slug(slug, uow)
        async with UnitOfWork(runtime.sessions, tenant_id=tenant_id, actor=actor, clock=runtime.clock) as uow:
            return await salon_snapshot(uow)

    async def close(self) -> None:
        if self._closer is not None:
            await self._closer.__aexit__(None, None, None)


def _moment(value: str | None, zone: Any) -> Any:
    from datetime import UTC, datetime

    if not value:
        return datetime.now(UTC).astimezone(zone)
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def _print_understanding(result: dict[str, Any], text: str, salon: str) -> None:
    table = Table(show_header=False, title=f"{text!r}  ({salon})", title_justify="left")
    slots = result["slots"]
    services = ", ".join(s["name"] or (s["text"] + "? " + " / ".join(c["name"] for c in s.get("candidates", [])))
                         for s in slots["services"]) or "-"
    rows = [("intent", result["intent"]), ("confidence", f"{result['confidence']:.3f}"),
            ("tier", result["tier"] + ("" if result["settled"] else "  (unsettled: ask again or hand over)")),
            ("language", result["language"]), ("date", slots["date"] or "-"), ("time", slots["time"] or "-"),
            ("services", services), ("staff", slots["staff"]["name"] if slots["staff"] else "-"),
            ("coupon", slots["coupon"] or "-"), ("flags", ", ".join(result["flags"]) or "-"),
            ("reason", result["reason"]), ("latency", f"{result['latency_ms']:.2f} ms")]
    for key, value in rows:
        table.add_row(key, str(value))
    Console().print(table)


@app.command("nlu")
def nlu(
    text: Annotated[str | None, typer.Argument(help="The customer's message, as typed.")] = None,
    now: Annotated[str | None, typer.Option(
        help="ISO-8601 moment that relative dates (kal, next Friday) resolve against; a time without an offset is "
             "read in the salon's zone. Default: now.")] = None,
    tenant: Annotated[str | None, typer.Option(
        help="Salon slug: match its catalog and staff, read its hours and zone, from the database. Default: the "
             "built-in demo salon (Glow Studio, Bandra), with no database; its ids are demo:<name>.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print exactly one JSON object.")] = False,
    batch: Annotated[str | None, typer.Option(
        help="Read messages from FILE (or - for standard input), one JSON object per line: "
             '{"id", "text", "now" optional, "tenant" optional}; write one result per line with the same "id". '
             "Models load once.")] = None,
    router: Annotated[str | None, typer.Option(
        help="L2 router for this run: embedding, llm or rules (none). Default: ROUTER_BACKEND.")] = None,
    pending_confirmation: Annotated[bool, typer.Option(
        help="Read the message as the answer to a yes/no question.")] = False,
) -> None:
    """Understand one message (or a batch): intent, confidence, tier, language, slots and latency.

    JSON keys: intent, confidence, tier (L1, L2 or L3), language (en, hi, hinglish), settled (false when no tier
    was sure enough), slots {date YYYY-MM-DD, time HH:MM, services [{text, id, name, candidates?}], staff {text,
    id, name}, coupon}, flags (input guard marks), reason, latency_ms.
    """
    import json
    import time as timer

    from cazo.logging_config import configure_logging
    from cazo.nlu import make_understander, result_object

    settings = _settings()
    configure_logging(settings.log_level, settings.log_format)
    if (text is None) == (batch is None):
        raise _fail("Give either a message or --batch FILE (or - for standard input).", 2)
    if router not in (None, "embedding", "llm", "rules"):
        raise _fail(f"--router must be embedding, llm or rules, not {router!r}.", 2)
    source: Any = None
    if batch is not None:
        try:
            source = sys.stdin if batch == "-" else open(batch, encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise _fail(f"Cannot read {batch}: {exc.strerror or exc}", 2) from exc

    try:
        understander = make_understander(settings, router=router)  # type: ignore[arg-type]
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc
    contexts = _SalonContexts(settings)

    async def one(message: str, when: str | None, slug: str | None) -> tuple[dict[str, Any], str]:
        salon = await contexts.get(slug)
        context = salon.turn(_moment(when, salon.zone), pending_confirmation=pending_confirmation)
        started = timer.perf_counter()
        found = await understander.understand(message, context)
        return result_object(found, (timer.perf_counter() - started) * 1000), salon.slug

    async def warm() -> None:
        if understander.router is not None and hasattr(understander.router, "start"):
            started = timer.perf_counter()
            report = await understander.router.start()
            if not as_json and batch is None:
                loaded = getattr(getattr(understander.router, "embedder", None), "load_seconds", None)
                console.print(f"[dim]L2 {understander.router.name} ready in {timer.perf_counter() - started:.1f} s"
                              + (f" (model load {loaded:.1f} s" if loaded is not None else " (")
                              + f", {report.exemplars} exemplars, "
                              + ("trained weights from cache)" if report.cache_hit else "trained now)") + "[/dim]")

    async def single() -> int:
        assert text is not None
        try:
            await warm()
            result, salon = await one(text, now, tenant)
        finally:
            await contexts.close()
        if as_json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            _print_understanding(result, text, salon)
        return 0

    async def many() -> int:
        failures = 0
        try:
            await warm()
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                ident: Any = None
                try:
                    item = json.loads(line)
                    if not isinstance(item, dict):
                        raise ValueError("each line must be a JSON object")
                    ident = item.get("id")
                    if not isinstance(item.get("text"), str):
                        raise ValueError('"text" must be a string')
                    result, _ = await one(item["text"], item.get("now"), item.get("tenant") or tenant)
                    out = {"id": ident, **result}
                except Exception as exc:  # one bad line is reported on its own line; the batch goes on
                    failures += 1
                    out = {"id": ident, "error": f"line {number}: {type(exc).__name__}: {exc}"}
                print(json.dumps(out, ensure_ascii=False), flush=True)
        finally:
            if source is not sys.stdin:
                source.close()
            await contexts.close()
        if failures:
            console.print(f"[yellow]{failures} line(s) could not be understood; see their \"error\".[/yellow]")
        return 1 if failures else 0

    try:
        code = _run(single if batch is None else many)
    except ValueError as exc:
        raise _fail(f"Bad input: {exc}", 2) from exc
    except Exception as exc:
        from domain.errors import DomainError

        if isinstance(exc, DomainError):
            raise _fail(str(exc), 1) from exc
        raise
    raise typer.Exit(code)


def _on_salon_database(settings: Settings, work: Callable[[], Awaitable[object]]) -> None:
    """Run ``work`` against the migrated database (the embedded one started and stopped around it when
    DATABASE_URL is unset); a salon that is not there is a one-line error that says how to get the demo one."""
    from domain.errors import DomainError

    url, started = _ensure_database(settings)
    try:
        _run(lambda: _migrate(url, settings))
        _run(work)
    except DomainError as exc:
        raise _fail(f"{exc}. For the demo salon run `cazo seed demo` first.", 1) from exc
    finally:
        if started:
            embedded_server(settings).stop()


@app.command("chat")
def chat_command(
    tenant: Annotated[str, typer.Option(help="Salon slug")] = "glow-studio",
    branch: Annotated[str | None, typer.Option(help="Branch slug (default: the salon's first)")] = None,
    phone: Annotated[str, typer.Option(help="Your phone number as the customer (E.164)")] = "+919800000001",
    script: Annotated[str | None, typer.Option(
        help="Play the customer's lines from FILE (or - for standard input) and print the transcript. A line "
             "that is a number taps that option of the last reply.")] = None,
    router: Annotated[str | None, typer.Option(help="L2 router: embedding, llm or rules. Default: ROUTER_BACKEND.")]
        = None,
) -> None:
    """Talk to a salon as a customer, in the terminal, against the local database (buttons as numbered options).

    Needs a migrated database with the salon in it (`cazo seed demo` for Glow Studio). Each turn shows the tier,
    intent, flow and latency.
    """
    from cazo.chat import chat

    settings = _settings()
    if router not in (None, "embedding", "llm", "rules"):
        raise _fail(f"--router must be embedding, llm or rules, not {router!r}.", 2)
    lines: list[str] | None = None
    if script is not None:
        try:
            lines = (sys.stdin.read() if script == "-" else Path(script).read_text(encoding="utf-8")).splitlines()
        except OSError as exc:
            raise _fail(f"Cannot read {script}: {exc.strerror or exc}", 2) from exc
    from cazo.logging_config import configure_logging

    configure_logging(settings.log_level, settings.log_format)
    try:
        _on_salon_database(settings, lambda: chat(settings, tenant=tenant, branch=branch, phone=phone, lines=lines,
                                                  output=sys.stdout, router=router, interactive_input=input))
    except ValueError as exc:
        raise _fail(str(exc), 2) from exc


@app.command("notices")
def notices_command(
    tenant: Annotated[str, typer.Option(help="Salon slug")] = "glow-studio",
    run: Annotated[bool, typer.Option("--run/--no-run", help="Handle new booking events and queue follow-ups "
                                                           "first")] = True,
    status: Annotated[str | None, typer.Option(help="Only messages in this status: scheduled, sent, cancelled "
                                                    "or failed")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many messages")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object")] = False,
) -> None:
    """Queue the messages Cazo sends on its own (confirmations, reminders, follow-ups, feedback requests,
    rebooking prompts) from what happened since the last run, and list the queue.

    The WhatsApp channel sends queued messages when they are due; this command shows what it will send.
    """
    from cazo.notices import notices

    settings = _settings()
    if status is not None and status not in ("scheduled", "sent", "cancelled", "failed"):
        raise _fail(f"--status must be scheduled, sent, cancelled or failed, not {status!r}.", 2)
    _on_salon_database(settings, lambda: notices(settings, tenant=tenant, run=run, status=status, limit=limit,
                                                 as_json=as_json, output=sys.stdout))


@app.command("version")
def version() -> None:
    """Print Cazo's version."""
    print(__version__)


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    sys.exit(app())
