"""WhatsApp end to end: how many customer messages per second the worker answers, and that each is answered once.

    .venv/bin/python benchmarks/bench_whatsapp_worker.py [--messages 600] [--workers 1] [--concurrency 4] [--json]

A throw-away embedded PostgreSQL (or --database-url) gets the demo salon. The API runs as a separate process
(``benchmarks/bench_whatsapp.start_server``) in development mode with its own worker off, so it also serves the
fake Graph API (``/dev/graph``) that stands in for Meta: replies are POSTed to it in the Cloud API's wire format
and it posts signed delivery receipts back to the webhook, as Meta does. This process is Meta's webhook side.

1. **Backlog.** ``--messages`` customer messages, each from a different customer (so no burst is joined), are
   POSTed through the signed webhook while no worker runs: a mix of L1 and L2 turns ("namaste", "prices",
   "kal beard trim karwana hai", "meri booking", "timings?", "haircut kitne ka hai"). No L3 model is configured.
2. **Drain.** ``--workers`` ``cazo worker`` processes (``--concurrency`` customers at once each) start; once the
   first message is answered the clock runs until every message is ``done`` and every reply is sent. Messages per
   second = messages / (last reply sent - first message answered), from the database's own timestamps; the time
   the workers take to load their models is not counted.
3. **Check.** Every message ``done`` exactly once with one turn each, every reply sent once (the fake Graph API's
   count equals the outbox's, no wamid twice), nothing parked or failed; and what each message waited, from
   stored to its first reply sent (a backlog drained, so this is queueing time, not a customer's latency).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_whatsapp import APP_ROLE, WEBHOOK, CpuMeter, _stop, log, open_database, seed, start_server  # noqa: E402
from benchmarks.stats import percentiles  # noqa: E402

TEXTS = ("namaste", "prices", "kal beard trim karwana hai", "meri booking", "timings?", "haircut kitne ka hai")


def start_workers(database_url: str, server_url: str, count: int, concurrency: int) -> list[subprocess.Popen[bytes]]:
    """``cazo worker`` processes sending to the server's fake Graph API (development, no WHATSAPP_TOKEN)."""
    port = server_url.rsplit(":", 1)[1]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, (str(ROOT), os.environ.get("PYTHONPATH")))),
           "DATABASE_URL": database_url, "DATABASE_APP_ROLE": APP_ROLE, "ENVIRONMENT": "development",
           "HOST": "127.0.0.1", "PORT": port, "REDIS_URL": "", "LOG_LEVEL": "WARNING", "LOG_FORMAT": "json",
           "WHATSAPP_TOKEN": "", "WHATSAPP_WORKER_CONCURRENCY": str(concurrency), "OPENAI_API_KEY": "",
           "EMBEDDING_THREADS": "1"}
    return [subprocess.Popen([sys.executable, "-m", "cazo", "worker"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(count)]


async def post_backlog(server_url: str, app_secret: str, number_id: str, messages: int) -> list[str]:
    """One signed webhook per customer message, from ``messages`` different customers; their wamids."""
    from integrations.meta.payloads import customer_message

    wamids: list[str] = []
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        for start in range(0, messages, 50):
            webhooks = [customer_message(app_secret=app_secret, phone_number_id=number_id,
                                         customer_phone=f"+9197{n:08d}", text=TEXTS[n % len(TEXTS)],
                                         contact_name=f"Customer {n}") for n in range(start, min(messages, start + 50))]
            answers = await asyncio.gather(*(client.post(WEBHOOK, content=w.body, headers=w.headers)
                                             for w in webhooks))
            for webhook, answer in zip(webhooks, answers, strict=True):
                if answer.status_code != 200 or answer.json()["stored"] != 1:
                    raise RuntimeError(f"the webhook did not store {webhook.wamid}: {answer.status_code}")
                wamids.append(webhook.wamid)
    return wamids


async def progress(owner: Any, tenant_id: Any) -> dict[str, Any]:
    from sqlalchemy import text

    async with owner.begin() as connection:
        await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        row = (await connection.execute(text("""
            SELECT (SELECT count(*) FROM inbound_messages WHERE status = 'done'),
                   (SELECT count(*) FROM inbound_messages WHERE status = 'failed'),
                   (SELECT count(*) FROM outbound_messages WHERE status IN ('queued', 'sending')),
                   (SELECT count(*) FROM outbound_messages)"""))).one()
    return {"done": int(row[0]), "failed": int(row[1]), "unsent": int(row[2]), "replies": int(row[3])}


async def check(owner: Any, tenant_id: Any, wamids: list[str], server_url: str) -> dict[str, Any]:
    """Answered once: one turn per message, each reply sent once, and what each message waited."""
    from sqlalchemy import text

    async with owner.begin() as connection:
        await connection.execute(text("SELECT set_config('app.tenant_id', :t, true)"), {"t": str(tenant_id)})
        inbound = (await connection.execute(text(
            "SELECT wamid, status, handled_as, received_at, processed_at, attempts FROM inbound_messages "
            "WHERE wamid = ANY(:w)"), {"w": wamids})).all()
        turns = (await connection.execute(text(
            "SELECT message_id, count(*) FROM conversation_turns WHERE message_id = ANY(:w) GROUP BY message_id"),
            {"w": wamids})).all()
        replies = (await connection.execute(text(
            "SELECT inbound_wamid, status, wamid, sent_at FROM outbound_messages WHERE inbound_wamid = ANY(:w)"),
            {"w": wamids})).all()
        window = (await connection.execute(text(
            "SELECT min(i.processed_at), max(o.sent_at) FROM inbound_messages i "
            "JOIN outbound_messages o ON o.inbound_wamid = i.wamid WHERE i.wamid = ANY(:w)"), {"w": wamids})).one()
    sent_to_graph = 0
    async with httpx.AsyncClient(base_url=server_url, timeout=30) as client:
        for n in range(len(wamids)):
            feed = (await client.get("/dev/whatsapp/api/messages", params={"phone": f"+9197{n:08d}"})).json()
            sent_to_graph += sum(entry["direction"] == "out" for entry in feed["messages"])
    first_reply: dict[str, Any] = {}
    for inbound_wamid, _, _, sent_at in replies:
        if sent_at is not None and (inbound_wamid not in first_reply or sent_at < first_reply[inbound_wamid]):
            first_reply[inbound_wamid] = sent_at
    waited = [(first_reply[w] - received).total_seconds() * 1000 for w, _, _, received, _, _ in inbound
              if w in first_reply]
    span = (window[1] - window[0]).total_seconds() if window[0] and window[1] else float("nan")
    result = {
        "messages": len(wamids), "stored": len(inbound), "done": sum(row[1] == "done" for row in inbound),
        "answered_as_own_turn": sum(row[2] == row[0] for row in inbound),
        "retried": sum(row[5] > 0 for row in inbound), "turns": len(turns),
        "turns_doubled": sum(count > 1 for _, count in turns), "replies": len(replies),
        "replies_sent": sum(row[1] in ("sent", "delivered", "read") for row in replies),
        "replies_read": sum(row[1] == "read" for row in replies),
        "reply_wamids_unique": len({row[2] for row in replies if row[2]}) == sum(1 for row in replies if row[2]),
        "fake_graph_received": sent_to_graph, "drain_s": round(span, 2),
        "messages_per_s": round(len(wamids) / span, 1) if span == span and span > 0 else None,
        "waited_ms": percentiles(waited, digits=0)}
    result["ok"] = (result["stored"] == result["done"] == result["turns"] == result["answered_as_own_turn"]
                    == len(wamids) and result["turns_doubled"] == 0 and result["replies_sent"] == result["replies"]
                    == sent_to_graph and bool(result["reply_wamids_unique"]))
    return result


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from cazo.database import make_owner_engine
    from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID

    with contextlib.ExitStack() as stack:
        url, trees = open_database(stack, args.database_url)
        log("migrating and seeding the demo salon ...")
        tenant_id = await seed(url)
        secret = "bench-" + os.urandom(8).hex()
        server = stack.enter_context(start_server(url, app_secret=secret, pool_size=args.pool_size,
                                                  extra_env={"ENVIRONMENT": "development"}))
        owner = make_owner_engine(url)
        try:
            log(f"posting {args.messages} customer messages through the signed webhook ...")
            wamids = await post_backlog(server.base_url, secret, WHATSAPP_PHONE_NUMBER_ID, args.messages)
            log(f"starting {args.workers} worker process(es), {args.concurrency} customers at once each ...")
            workers = start_workers(url, server.base_url, args.workers, args.concurrency)
            for worker in workers:
                stack.callback(_stop, worker)
            meter = CpuMeter({"api": server.process.pid, **trees,
                              **{f"worker {n + 1}": worker.pid for n, worker in enumerate(workers)}})
            deadline = time.monotonic() + args.timeout
            metering = False
            while time.monotonic() < deadline:
                state = await progress(owner, tenant_id)
                if not metering and state["done"]:  # the models are loaded: count CPU from the first answer
                    meter.start()
                    metering, counted_from = True, state["done"]
                if state["done"] + state["failed"] >= len(wamids) and state["unsent"] == 0:
                    break
                if any(worker.poll() is not None for worker in workers):
                    raise RuntimeError("a worker process exited")
                await asyncio.sleep(0.5)
            _, cpu = meter.stop()
            await asyncio.sleep(2)  # the last receipts from the fake Graph API
            result = await check(owner, tenant_id, wamids, server.base_url)
            counted = len(wamids) - counted_from
            result["cpu_ms_per_message"] = {name: round(seconds * 1000 / counted, 1) for name, seconds in cpu.items()
                                            if name != "generator" and counted > 0}
        finally:
            await owner.dispose()
    return {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
            "workers": args.workers, "concurrency": args.concurrency, **result}


def report(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=(f"{result['messages']} customer messages, {result['workers']} worker process(es) x "
                         f"{result['concurrency']} at once, {result['machine']['cpus']} CPUs"))
    table.add_column("measure")
    table.add_column("value", justify="right")
    waited = result["waited_ms"]
    for name, value in (("messages per second (drain)", result["messages_per_s"]), ("drain s", result["drain_s"]),
                        ("stored / done / turns", f"{result['stored']} / {result['done']} / {result['turns']}"),
                        ("turns doubled", result["turns_doubled"]), ("retried", result["retried"]),
                        ("replies queued / sent / read",
                         f"{result['replies']} / {result['replies_sent']} / {result['replies_read']}"),
                        ("replies the fake Graph API got", result["fake_graph_received"]),
                        ("waited p50 / p95 ms (backlog)", f"{waited.get('p50_ms')} / {waited.get('p95_ms')}"),
                        *((f"CPU ms per message: {name}", ms) for name, ms in result["cpu_ms_per_message"].items()),
                        ("answered once", "PASS" if result["ok"] else "FAIL")):
        table.add_row(name, str(value))
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600, help="customer messages in the backlog (default 600)")
    parser.add_argument("--workers", type=int, default=1, help="cazo worker processes (default 1)")
    parser.add_argument("--concurrency", type=int, default=4, help="customers each worker answers at once")
    parser.add_argument("--pool-size", type=int, default=10, help="database connections of the API process")
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for the drain (default 600)")
    parser.add_argument("--database-url", default=None, help="use this server instead of a throw-away one")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2, default=str)) if args.json else report(result)
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
