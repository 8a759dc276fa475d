"""The load side of ``bench_whatsapp.py``: deliveries sent open loop at a fixed rate, and the CPU each process used.

Two clients send: httpx (the default), and ``raw``, the least an HTTP/1.1 client can do on a keep-alive socket (a
prepared request written, the status line, headers and body read). On a 2-core machine the generator's CPU is
taken from the server and PostgreSQL; httpx spends about 1.6 ms of it per request here and ``raw`` about a tenth of
that, so ``raw`` shows more nearly what the server does when Meta, not this process, is the sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

import httpx
import psutil

from benchmarks.whatsapp_traffic import Delivery

Client = Literal["httpx", "raw"]
CLIENTS: tuple[Client, ...] = ("httpx", "raw")


# ---- CPU accounting ---------------------------------------------------------------------------------------------


def _tree_cpu_s(root: psutil.Process) -> float:
    """CPU seconds of a process, its live descendants, and the children it has already reaped."""
    total = 0.0
    with contextlib.suppress(psutil.NoSuchProcess):
        times = root.cpu_times()
        total += times.user + times.system + times.children_user + times.children_system
        for child in root.children(recursive=True):
            with contextlib.suppress(psutil.NoSuchProcess):
                own = child.cpu_times()
                total += own.user + own.system
    return total


def _own_cpu_s(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def _machine_busy_s() -> float:
    times = psutil.cpu_times()
    return float(sum(times)) - times.idle - getattr(times, "iowait", 0.0)


class CpuMeter:
    """CPU seconds each named process tree used between ``start()`` and ``stop()``, this process's own
    (``generator``: not its children, one of which is the server), and the whole machine's (``machine``), so that
    what other processes took from the run can be told apart."""

    def __init__(self, trees: dict[str, int]) -> None:
        self._trees = {name: psutil.Process(pid) for name, pid in trees.items()}
        self._self = psutil.Process()
        self._started: dict[str, float] = {}
        self._wall = 0.0

    def _read(self) -> dict[str, float]:
        return {**{name: _tree_cpu_s(root) for name, root in self._trees.items()}, "generator": _own_cpu_s(self._self),
                "machine": _machine_busy_s()}

    def start(self) -> None:
        self._wall = time.monotonic()
        self._started = self._read()

    def stop(self) -> tuple[float, dict[str, float]]:
        """(wall seconds, CPU seconds by name) since start()."""
        now = self._read()
        return time.monotonic() - self._wall, {name: now[name] - self._started.get(name, 0.0) for name in now}


# ---- one delivery -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Outcome:
    """One delivery as Meta would see it."""

    latency_ms: float  # from when it was due to the whole response read
    lag_ms: float  # how late the generator started sending it
    done_at: float  # time.monotonic() when the response was read
    status: int  # 0 when no response came
    stored: int = 0
    duplicates: int = 0
    error: str | None = None


def _outcome(due: float, started: float, status: int, body: bytes | None, error: str | None = None) -> Outcome:
    done = time.monotonic()
    latency, lag = (done - due) * 1000, (started - due) * 1000
    if error is not None or status != 200 or body is None:
        return Outcome(latency, lag, done, status, error=error or f"HTTP {status}")
    answer = json.loads(body)
    return Outcome(latency, lag, done, 200, int(answer["stored"]), int(answer["duplicates"]))


Send = Callable[[int, float], Awaitable[Outcome]]  # (delivery index, when it was due) -> what came back


class _HttpxConnection:
    """One connection through an httpx client of its own: one client's pool does work in proportion to its
    connections and queued requests on every request, which with hundreds of them made the generator the
    bottleneck."""

    def __init__(self, requests: Sequence[httpx.Request], timeout_s: float) -> None:
        self._requests = requests
        limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
        self._client = httpx.AsyncClient(limits=limits, timeout=httpx.Timeout(timeout_s))

    async def send(self, index: int, due: float) -> Outcome:
        started = time.monotonic()
        try:
            response = await self._client.send(self._requests[index])
        except httpx.HTTPError as exc:
            return _outcome(due, started, 0, None, type(exc).__name__)
        return _outcome(due, started, response.status_code, response.content)

    async def close(self) -> None:
        await self._client.aclose()


class _RawConnection:
    """HTTP/1.1 on one keep-alive socket: the prepared request written, the response read by its Content-Length.
    Enough for a server that answers every POST with a sized body (uvicorn does); anything else is an error."""

    def __init__(self, host: str, port: int, requests: Sequence[bytes], timeout_s: float) -> None:
        self._host, self._port = host, port
        self._requests = requests
        self._timeout_s = timeout_s
        self._streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def _exchange(self, request: bytes) -> tuple[int, bytes]:
        if self._streams is None:
            self._streams = await asyncio.open_connection(self._host, self._port)
        reader, writer = self._streams
        writer.write(request)
        status = int((await reader.readuntil(b"\r\n")).split(b" ", 2)[1])
        length, keep = 0, True
        for line in (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
            elif name.lower() == b"connection":
                keep = value.strip().lower() != b"close"
        body = await reader.readexactly(length)
        if not keep:
            await self.close()
        return status, body

    async def send(self, index: int, due: float) -> Outcome:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout_s):
                status, body = await self._exchange(self._requests[index])
        except (OSError, TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError,
                IndexError) as exc:
            await self.close()
            return _outcome(due, started, 0, None, type(exc).__name__)
        return _outcome(due, started, status, body)

    async def close(self) -> None:
        if self._streams is not None:
            writer = self._streams[1]
            self._streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


def _raw_requests(url: str, deliveries: Sequence[Delivery]) -> tuple[str, int, list[bytes]]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    prepared = []
    for delivery in deliveries:
        headers = "".join(f"{name}: {value}\r\n" for name, value in delivery.headers.items())
        head = (f"POST {parts.path} HTTP/1.1\r\nHost: {host}:{port}\r\nContent-Length: {len(delivery.body)}\r\n"
                f"{headers}\r\n")
        prepared.append(head.encode("latin-1") + delivery.body)
    return host, port, prepared


# ---- the load ---------------------------------------------------------------------------------------------------


async def generate_load(url: str, deliveries: Sequence[Delivery], rate: float, *, connections: int,
                        client: Client = "httpx", measure_from: int = 0, meter: CpuMeter | None = None,
                        give_up_s: float = 30.0) -> tuple[list[Outcome], float]:
    """Make delivery i due at start + i / rate (open loop), send each on one of ``connections`` keep-alive
    connections, and wait for every answer.

    A delivery that finds every connection busy waits for one, and the wait counts in its latency (and in
    ``lag_ms``); one that waited ``give_up_s`` is not sent at all and counts as an error, as Meta would have timed
    out by then. Returns the outcomes in sending order and when (``time.monotonic()``; not the loop's clock, which
    uvloop keeps in whole milliseconds) delivery ``measure_from`` was due; ``meter`` is started then. The requests
    are prepared before the clock starts: Meta prepares its own elsewhere."""
    senders: list[_HttpxConnection | _RawConnection]
    if client == "raw":
        host, port, prepared = _raw_requests(url, deliveries)
        senders = [_RawConnection(host, port, prepared, give_up_s) for _ in range(connections)]
    else:
        requests = [httpx.Request("POST", url, content=delivery.body, headers=delivery.headers)
                    for delivery in deliveries]
        senders = [_HttpxConnection(requests, give_up_s) for _ in range(connections)]
    queue: asyncio.Queue[tuple[int, float] | None] = asyncio.Queue()
    outcomes: list[Outcome | None] = [None] * len(deliveries)

    async def work(send: Send) -> None:
        while (item := await queue.get()) is not None:
            index, due = item
            waited = time.monotonic() - due
            if waited > give_up_s:
                outcomes[index] = Outcome(waited * 1000, waited * 1000, time.monotonic(), 0, error="not sent in time")
            else:
                outcomes[index] = await send(index, due)

    workers = [asyncio.create_task(work(sender.send)) for sender in senders]
    # The generator's own garbage collections (the traffic, the clients, the database code loaded here) paused
    # its event loop for 100-500 ms at a time, which would count as the server's latency: none while it sends.
    gc.collect()
    gc.freeze()
    gc.disable()
    start = time.monotonic() + 0.05
    try:
        for index in range(len(deliveries)):
            due = start + index / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if index == measure_from and meter is not None:
                meter.start()
            queue.put_nowait((index, due))
        for _ in workers:
            queue.put_nowait(None)
        await asyncio.gather(*workers)
    finally:
        gc.enable()
        gc.unfreeze()
        for worker in workers:
            worker.cancel()
        for sender in senders:
            await sender.close()
    return [outcome for outcome in outcomes if outcome is not None], start + measure_from / rate


async def redeliver_failed(url: str, deliveries: Sequence[Delivery], outcomes: Sequence[Outcome], *,
                           attempts: int = 3, pause_s: float = 0.5) -> dict[int, Outcome]:
    """Send again, as Meta does, each delivery that was not answered 200, up to ``attempts`` times; the last
    outcome of each by its index. A connection can fail under load (the measured error stays counted), and only
    a delivery still unanswered after this can be missing from the database without anything being lost."""
    retried: dict[int, Outcome] = {}
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0)) as client:
        for index, first in enumerate(outcomes):
            outcome = first
            for _ in range(attempts):
                if outcome.status == 200:
                    break
                await asyncio.sleep(pause_s)
                delivery = deliveries[index]
                started = time.monotonic()
                try:
                    response = await client.post(url, content=delivery.body, headers=delivery.headers)
                except httpx.HTTPError as exc:
                    outcome = _outcome(started, started, 0, None, type(exc).__name__)
                else:
                    outcome = _outcome(started, started, response.status_code, response.content)
                retried[index] = outcome
    return retried
