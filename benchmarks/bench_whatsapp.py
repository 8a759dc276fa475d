"""WhatsApp webhook intake under load: how fast Meta's deliveries are acknowledged, and that each is stored once.

    .venv/bin/python benchmarks/bench_whatsapp.py [--rate 300] [--seconds 20] [--workers 1] [--client raw] [--json]
    .venv/bin/python benchmarks/bench_whatsapp.py --rates 100,300,500

A throw-away embedded PostgreSQL (or --database-url) is migrated and gets the demo salon, whose WhatsApp number
(phone_number_id 100000000000001) routes to Glow Studio Bandra. The real server then runs as a separate process
(``start_server``): ``uvicorn cazo.wiring:create_asgi_app --factory`` with ``--workers`` API processes, the scratch
database, a benchmark app secret, logging at WARNING, as in production and with the WhatsApp worker off. This
process is Meta (``benchmarks/whatsapp_load.py generate_load``): it POSTs signed deliveries
(``benchmarks/whatsapp_traffic.py``: mostly one customer message each, a share of delivery receipts and a share of
exact redeliveries) over loopback keep-alive connections with httpx, or with ``--client raw`` a bare HTTP/1.1
client that leaves the server more of the CPUs. It sends open loop: delivery i is due at start + i / rate whatever
happened to the ones before it, after ``--warmup`` seconds at the same rate that are not measured. Latency runs
from the due time to the whole response read, so a server (or a generator) that falls behind shows up as latency
instead of as fewer requests sent (no coordinated omission).

Afterwards, as Meta would, each delivery that got no 200 is sent again (``redeliver_failed``; the error still
counts against the latency target), and the salon's rows are checked as the owner (``verify_stored``): every
customer message sent is in inbound_messages exactly once and every receipt in message_statuses exactly once,
redeliveries added nothing, and the acknowledgements add up (stored + duplicates). Each rate then gets PASS or
FAIL for "ack p99 < 50 ms with no errors" and for "stored once"; the exit status is 1 when anything failed.

CPU per delivery is read from the kernel's counters (psutil) for the API processes, PostgreSQL (its postmaster
and backends; not with --database-url) and this generator, over the measured seconds, and the whole machine's
busy time, so that other processes' share ("others") shows. The generator, the server and PostgreSQL share this
machine's cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.stats import percentiles  # noqa: E402 - after the path is set
from benchmarks.whatsapp_load import CLIENTS, CpuMeter, Outcome, generate_load, redeliver_failed  # noqa: E402
from benchmarks.whatsapp_traffic import Traffic, build_traffic  # noqa: E402

APP_ROLE = "cazo_app"
WEBHOOK = "/webhooks/whatsapp"
TARGET_P99_MS = 50.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---- the server -------------------------------------------------------------------------------------------------


@dataclass
class Server:
    """The API as a separate process tree (uvicorn's supervisor and its workers), and where it logs."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_levels(self) -> Counter[str]:
        """How many warning and error lines the server logged (one JSON object per line)."""
        levels: Counter[str] = Counter()
        for line in self.log_path.read_text(errors="replace").splitlines():
            try:
                levels[str(json.loads(line).get("level", "?"))] += 1
            except ValueError:
                levels["unstructured"] += 1
        return levels


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(server: Server, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.log_tail()}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.base_url + "/readyz", timeout=2).status_code == 200:
                return
        time.sleep(0.25)
    raise RuntimeError(f"the server was not ready after {timeout_s:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to uvicorn (its supervisor stops the workers), then SIGKILL to whatever of its tree is left."""
    if process.poll() is not None:
        return
    with contextlib.suppress(psutil.NoSuchProcess):
        tree = psutil.Process(process.pid).children(recursive=True)
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    for child in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


@contextlib.contextmanager
def start_server(database_url: str, *, app_secret: str, workers: int = 1, pool_size: int = 10,
                 extra_env: dict[str, str] | None = None, ready_timeout_s: float = 180.0) -> Iterator[Server]:
    """Serve ``cazo.wiring:create_asgi_app`` on a free loopback port in a process of its own; stop it on exit.

    It runs as in production (no development routes), with the WhatsApp worker off; ``extra_env`` overrides any
    of that (``{"WHATSAPP_WORKER": "inprocess"}``). The environment names everything the server reads, so a
    developer's .env cannot point it elsewhere."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
           "DATABASE_URL": database_url, "DATABASE_APP_ROLE": APP_ROLE, "DATABASE_POOL_SIZE": str(pool_size),
           "WHATSAPP_APP_SECRET": app_secret, "REDIS_URL": "", "ENVIRONMENT": "production",
           "SECRET_KEY": secrets.token_urlsafe(36), "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
           # intake only: no process answers the stored messages (a later phase can run the worker)
           "WHATSAPP_WORKER": "off", **(extra_env or {})}
    command = [sys.executable, "-m", "uvicorn", "cazo.wiring:create_asgi_app", "--factory", "--host", "127.0.0.1",
               "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
               "--timeout-graceful-shutdown", "10"]
    with tempfile.NamedTemporaryFile(prefix="cazo-bench-server-", suffix=".log", delete=False) as handle:
        log_path = Path(handle.name)
    with open(log_path, "wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT)
    server = Server(process, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_ready(server, ready_timeout_s)
        yield server
    finally:
        _stop(process)
        log_path.unlink(missing_ok=True)


# ---- what the database holds ------------------------------------------------------------------------------------


@dataclass
class Stored:
    """What a run left in the salon's tables, against what it sent and what the server answered."""

    messages_sent: int  # unique customer messages
    messages_found: int
    messages_doubled: int  # wamids stored more than once
    messages_extra: int  # new rows that are none of the messages sent
    receipts_sent: int  # unique (wamid, status)
    receipts_found: int
    receipts_doubled: int
    receipts_extra: int
    redeliveries: int
    acknowledged: int  # POSTs answered 200, sent again after a failure included (each carries one item)
    acknowledged_stored: int  # what the 200s said
    acknowledged_duplicates: int
    retried: int  # deliveries sent again after the run because no 200 came, as Meta would
    failed_deliveries: int  # still not answered 200 after that

    @property
    def ok(self) -> bool:
        return (self.messages_found == self.messages_sent and self.receipts_found == self.receipts_sent
                and self.messages_doubled == self.receipts_doubled == 0
                and self.messages_extra == self.receipts_extra == 0 and self.failed_deliveries == 0
                and self.acknowledged_stored + self.acknowledged_duplicates == self.acknowledged
                and self.acknowledged_stored <= self.messages_sent + self.receipts_sent
                and self.acknowledged_duplicates >= self.redeliveries)


async def _scoped(connection: Any, tenant_id: uuid.UUID) -> None:
    from sqlalchemy import text

    await connection.execute(text("SELECT set_config('app.tenant_id', :tenant, true)"), {"tenant": str(tenant_id)})


async def count_rows(owner: Any, tenant_id: uuid.UUID) -> tuple[int, int]:
    """(inbound messages, delivery receipts) the salon holds."""
    from sqlalchemy import text

    async with owner.begin() as connection:
        await _scoped(connection, tenant_id)
        row = (await connection.execute(text("SELECT (SELECT count(*) FROM inbound_messages), "
                                             "(SELECT count(*) FROM message_statuses)"))).one()
    return int(row[0]), int(row[1])


async def verify_stored(owner: Any, tenant_id: uuid.UUID, traffic: Traffic, before: tuple[int, int],
                        outcomes: Sequence[Outcome], retried: Mapping[int, Outcome] | None = None) -> Stored:
    """Read the salon's rows (as the owner, in the salon's scope, so it holds with or without BYPASSRLS) and hold
    them against the traffic sent and the answers (``outcomes``, then ``retried`` by index for those sent again:
    the first attempt of a retried delivery may have been stored with its answer lost, so it counts as sent)."""
    from sqlalchemy import text

    receipt_wamids = sorted({wamid for wamid, _ in traffic.receipts})
    async with owner.begin() as connection:
        await _scoped(connection, tenant_id)
        messages = (await connection.execute(text(
            "SELECT wamid, count(*) FROM inbound_messages WHERE wamid = ANY(:wamids) GROUP BY wamid"),
            {"wamids": sorted(traffic.messages)})).all()
        receipts = (await connection.execute(text(
            "SELECT wamid, status, count(*) FROM message_statuses WHERE wamid = ANY(:wamids) GROUP BY wamid, status"),
            {"wamids": receipt_wamids})).all()
    after = await count_rows(owner, tenant_id)
    found_receipts = [(wamid, state, copies) for wamid, state, copies in receipts if (wamid, state) in traffic.receipts]
    retried = retried or {}
    ok = [outcome for outcome in (*outcomes, *retried.values()) if outcome.status == 200]
    last = [retried.get(index, outcome) for index, outcome in enumerate(outcomes)]
    return Stored(
        messages_sent=len(traffic.messages), messages_found=len(messages),
        messages_doubled=sum(copies > 1 for _, copies in messages),
        messages_extra=after[0] - before[0] - sum(copies for _, copies in messages),
        receipts_sent=len(traffic.receipts), receipts_found=len(found_receipts),
        receipts_doubled=sum(copies > 1 for _, _, copies in found_receipts),
        receipts_extra=after[1] - before[1] - sum(copies for _, _, copies in found_receipts),
        redeliveries=traffic.redeliveries, acknowledged=len(ok), acknowledged_stored=sum(o.stored for o in ok),
        acknowledged_duplicates=sum(o.duplicates for o in ok), retried=len(retried),
        failed_deliveries=sum(outcome.status != 200 for outcome in last))


# ---- one rate ---------------------------------------------------------------------------------------------------


@dataclass
class Setup:
    """What every rate's run shares."""

    server: Server
    owner: Any  # the owner's AsyncEngine
    tenant_id: uuid.UUID
    number_id: str
    app_secret: str
    meter: CpuMeter
    rng: random.Random = field(default_factory=lambda: random.Random(42))


def summarise(rate: float, measured: Sequence[Outcome], measured_from: float, cpu: dict[str, float],
              wall_s: float, stored: Stored) -> dict[str, Any]:
    """The measured deliveries' latency, rate, errors and CPU, and the database check of the whole run."""
    latencies = [outcome.latency_ms for outcome in measured]
    latency = {key: value for key, value in percentiles(latencies, digits=2).items() if key != "messages_per_s"}
    latency["max_ms"] = round(max(latencies), 2)
    lags = sorted(outcome.lag_ms for outcome in measured)
    errors = Counter(outcome.error for outcome in measured if outcome.error is not None)
    count = len(measured)
    span = max(outcome.done_at for outcome in measured) - measured_from
    capacity_s = wall_s * (os.cpu_count() or 1)
    ours = sum(seconds for name, seconds in cpu.items() if name != "machine")
    return {"rate": rate, "deliveries": count, "achieved_per_s": round(count / span, 1),
            "errors": sum(errors.values()), "error_kinds": dict(errors), "latency": latency,
            "send_lag_p99_ms": round(lags[min(count - 1, int(0.99 * count))], 2),
            "cpu_ms_per_delivery": {name: round(seconds * 1000 / count, 3) for name, seconds in cpu.items()
                                    if name != "machine"},
            "cpu_busy_pct": round(100 * cpu["machine"] / capacity_s, 1),
            "cpu_others_pct": round(100 * max(0.0, cpu["machine"] - ours) / capacity_s, 1),
            "stored": {**asdict(stored), "ok": stored.ok},
            "target_met": latency["p99_ms"] < TARGET_P99_MS and not errors}


async def run_rate(setup: Setup, rate: float, seconds: float, warmup_s: float, args: argparse.Namespace) \
        -> dict[str, Any]:
    """Warm up, send ``seconds`` of deliveries at ``rate``, check the database; one summary."""
    warmup = round(warmup_s * rate)
    traffic = build_traffic(warmup + round(seconds * rate), rng=setup.rng, tag=f"{secrets.token_hex(3)}",
                            number_id=setup.number_id, app_secret=setup.app_secret, now=int(time.time()),
                            customers=args.customers, receipt_share=args.receipts, redelivery_share=args.redeliveries)
    before = await count_rows(setup.owner, setup.tenant_id)
    outcomes, measured_from = await generate_load(setup.server.base_url + WEBHOOK, traffic.deliveries, rate,
                                                  connections=args.connections, client=args.client,
                                                  measure_from=warmup, meter=setup.meter)
    wall_s, cpu = setup.meter.stop()
    retried = await redeliver_failed(setup.server.base_url + WEBHOOK, traffic.deliveries, outcomes)
    stored = await verify_stored(setup.owner, setup.tenant_id, traffic, before, outcomes, retried)
    summary = summarise(rate, outcomes[warmup:], measured_from, cpu, wall_s, stored)
    summary["kinds"] = dict(Counter(delivery.kind for delivery in traffic.deliveries[warmup:]))
    return summary


# ---- the whole benchmark ----------------------------------------------------------------------------------------


async def seed(url: str) -> uuid.UUID:
    """Migrate, create the checkpoint tables the server opens, seed the demo salon; the salon's id."""
    from cazo.database import make_app_engine, make_owner_engine, migrate
    from domain.clock import SystemClock
    from domain.seeding import seed_demo_salon
    from domain.services.snapshot import tenant_id_for_slug
    from domain.uow import Actor, UnitOfWork, make_session_factory
    from graphs.checkpoint import prepare_checkpoint_tables

    owner = make_owner_engine(url)
    try:
        await migrate(owner, app_role=APP_ROLE)
    finally:
        await owner.dispose()
    await prepare_checkpoint_tables(url, APP_ROLE)
    app = make_app_engine(url, app_role=APP_ROLE)
    try:
        sessions, clock = make_session_factory(app), SystemClock()
        await seed_demo_salon(sessions, clock)
        async with UnitOfWork(sessions, tenant_id=None, actor=Actor.system("bench"), clock=clock,
                              platform=True) as uow:
            return await tenant_id_for_slug("glow-studio", uow)
    finally:
        await app.dispose()


def open_database(stack: contextlib.ExitStack, url: str | None) -> tuple[str, dict[str, int]]:
    """The database to run against: ``url``, else a throw-away embedded PostgreSQL that ``stack`` stops. Also the
    processes of ours to meter: the embedded postmaster, when there is one."""
    from cazo.embedded_db import throwaway_server

    if url is not None:
        return url, {}
    log("starting a throw-away PostgreSQL ...")
    embedded = stack.enter_context(throwaway_server("cazo-bench-"))
    postmaster = embedded.status().pid
    return embedded.url(), ({"postgres": postmaster} if postmaster is not None else {})


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from cazo.database import make_owner_engine
    from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID

    main = asyncio.current_task()
    if main is not None:  # SIGTERM unwinds like Ctrl-C: the server and the scratch database are stopped
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main.cancel)
    with contextlib.ExitStack() as stack:
        url, trees = open_database(stack, args.database_url)
        log("migrating and seeding the demo salon ...")
        tenant_id = await seed(url)
        app_secret = secrets.token_hex(16)
        log(f"starting the server ({args.workers} API process{'es' if args.workers > 1 else ''}) ...")
        server = stack.enter_context(start_server(url, app_secret=app_secret, workers=args.workers,
                                                  pool_size=args.pool_size))
        owner = make_owner_engine(url)
        try:
            setup = Setup(server, owner, tenant_id, WHATSAPP_PHONE_NUMBER_ID, app_secret,
                          CpuMeter({"api": server.process.pid, **trees}))
            runs = []
            for rate in args.rates:
                log(f"  {rate:g}/s for {args.seconds:g} s after {args.warmup:g} s of warm-up ...")
                runs.append(await run_rate(setup, rate, args.seconds, args.warmup, args))
        finally:
            await owner.dispose()
        levels = server.log_levels()
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "event_loop": _installed("uvloop") or "asyncio", "http": _installed("httptools") or "h11"},
            "server": {"workers": args.workers, "pool_size": args.pool_size,
                       "log_lines": dict(levels), "database": "--database-url" if args.database_url else "embedded"},
            "traffic": {"client": args.client, "customers": args.customers, "receipt_share": args.receipts,
                        "redelivery_share": args.redeliveries, "connections": args.connections,
                        "warmup_s": args.warmup, "seconds": args.seconds},
            "target_p99_ms": TARGET_P99_MS, "runs": runs,
            "passed": all(r["target_met"] and r["stored"]["ok"] for r in runs)}


def _installed(module: str) -> str | None:
    """What uvicorn's "auto" picks: uvloop and httptools when they are installed."""
    import importlib.util

    return module if importlib.util.find_spec(module) is not None else None


def verdicts(result: dict[str, Any]) -> list[str]:
    lines = []
    for r in result["runs"]:
        latency, stored = r["latency"], r["stored"]
        lines.append(f"ack p99 < {TARGET_P99_MS:g} ms at {r['rate']:g}/s: {'PASS' if r['target_met'] else 'FAIL'} "
                     f"(p99 {latency['p99_ms']:.1f} ms, {r['achieved_per_s']:g}/s achieved, {r['errors']} errors)")
        lines.append(f"stored once at {r['rate']:g}/s: {'PASS' if stored['ok'] else 'FAIL'} "
                     f"({stored['messages_found']}/{stored['messages_sent']} messages, "
                     f"{stored['receipts_found']}/{stored['receipts_sent']} receipts, "
                     f"doubled {stored['messages_doubled'] + stored['receipts_doubled']}, "
                     f"extra {stored['messages_extra'] + stored['receipts_extra']}, "
                     f"{stored['redeliveries']} redeliveries, {stored['acknowledged_duplicates']} duplicates "
                     f"acknowledged, {stored['retried']} sent again after no answer, "
                     f"{stored['failed_deliveries']} never answered)")
    return lines


def report(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))  # the table is wide; a pipe would otherwise get 80
    machine, server = result["machine"], result["server"]
    console.print(f"{machine['cpus']} CPUs, Python {machine['python']}, {server['workers']} API process(es) on "
                  f"{machine['event_loop']} + {machine['http']}, client {result['traffic']['client']}; generator, "
                  "server and PostgreSQL share the CPUs")
    table = Table(title=f"webhook acks, latency from the due time (target p99 < {TARGET_P99_MS:g} ms)")
    columns = ("rate/s", "achieved/s", "n", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "lag p99",
               "CPU ms/delivery api | pg | gen", "busy (others)", "stored once")
    for column in columns:
        table.add_column(column, justify="right")
    for r in result["runs"]:
        latency, cpu = r["latency"], r["cpu_ms_per_delivery"]
        table.add_row(f"{r['rate']:g}", f"{r['achieved_per_s']:g}", str(r["deliveries"]), str(r["errors"]),
                      *(f"{latency[key]:.1f}" for key in ("p50_ms", "p95_ms", "p99_ms", "max_ms")),
                      f"{r['send_lag_p99_ms']:.1f}",
                      " | ".join(f"{cpu[name]:.2f}" if name in cpu else "-"
                                 for name in ("api", "postgres", "generator")),
                      f"{r['cpu_busy_pct']:.0f}% ({r['cpu_others_pct']:.0f}%)", "yes" if r["stored"]["ok"] else "NO")
    console.print(table)
    for r in result["runs"]:
        if r["error_kinds"]:
            console.print(f"errors at {r['rate']:g}/s: {r['error_kinds']}")
    if server["log_lines"]:
        console.print(f"server log lines by level: {server['log_lines']}")
    for line in verdicts(result):
        console.print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=300.0, help="deliveries per second (default 300)")
    parser.add_argument("--rates", default=None, help="comma-separated rates to sweep, e.g. 100,300,500 "
                                                      "(one server, one run per rate; replaces --rate)")
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per rate (default 20)")
    parser.add_argument("--warmup", type=float, default=3.0, help="unmeasured seconds before them (default 3)")
    parser.add_argument("--workers", type=int, default=1, help="API processes (uvicorn --workers, default 1)")
    parser.add_argument("--pool-size", type=int, default=10, help="database connections per API process "
                                                                  "(DATABASE_POOL_SIZE, default 10)")
    parser.add_argument("--connections", type=int, default=256, help="HTTP connections the generator may open "
                                                                     "(default 256)")
    parser.add_argument("--client", choices=CLIENTS, default="httpx",
                        help="httpx (default), or raw: a bare HTTP/1.1 client that takes far less of the CPUs the "
                             "server needs (benchmarks/whatsapp_load.py)")
    parser.add_argument("--customers", type=int, default=2000, help="distinct customer phones (default 2000)")
    parser.add_argument("--receipts", type=float, default=0.25, help="share of deliveries that are receipts "
                                                                     "(default 0.25)")
    parser.add_argument("--redeliveries", type=float, default=0.05, help="share that repeat an earlier delivery "
                                                                         "byte for byte (default 0.05)")
    parser.add_argument("--database-url", default=None, help="use this server instead of a throw-away one")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = parser.parse_args()
    try:
        args.rates = [float(part) for part in args.rates.split(",") if part.strip()] if args.rates else [args.rate]
    except ValueError:
        parser.error("--rates takes numbers separated by commas, e.g. 100,300,500")
    if not args.rates or min(args.rates) <= 0 or args.seconds <= 0 or args.warmup < 0:
        parser.error("rates and --seconds must be positive, --warmup not negative")
    if min(args.workers, args.pool_size, args.connections, args.customers) < 1:
        parser.error("--workers, --pool-size, --connections and --customers must be positive")
    if not (0 <= args.receipts and 0 <= args.redeliveries and args.receipts + args.redeliveries < 1):
        parser.error("--receipts and --redeliveries are shares that add up to less than 1")
    try:  # the generator shares the CPUs with the server: the lighter event loop, when installed
        import uvloop
    except ImportError:
        result = asyncio.run(run(args))
    else:
        result = uvloop.run(run(args))
    if args.json:
        print(json.dumps(result))
    else:
        report(result)
    sys.exit(0 if result["passed"] else 1)


if __name__ == "__main__":
    main()
