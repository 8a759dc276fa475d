"""Group commit for WhatsApp webhooks: POSTs that arrive while earlier ones are being stored are stored together.

Storing a POST costs a handful of database round trips whatever it carries (a connection from the pool, the
transaction begun and scoped to the salon, the route confirmed, the insert, the commit), and on a small machine
those round trips, not the rows, are what limits how many webhooks a process takes in. ``WebhookIntake`` stores one
batch at a time (``take_in_many``: one transaction per salon for all of a batch's POSTs), and what arrives while it
is busy waits for the next. At a trickle a batch is one POST and nothing waits; under load a POST waits for at
most the batch in progress, and many share one transaction.

Nothing about what an answer means changes: each POST is answered only after the transaction holding its messages
has committed, with its own stored/duplicates counts, and a failure reaches every POST it concerns. A batch that
fails on data (an integrity or data error: one POST's rows) is stored again POST by POST, so only the POST at
fault fails; any other failure (the database is unreachable) fails every POST of the batch, and Meta retries them.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Sequence

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import Clock
from domain.services.whatsapp import IntakeResult, NumberDelivery, NumberDirectory, take_in_many

Waiting = tuple[Sequence[NumberDelivery], asyncio.Future[IntakeResult]]  # a POST and its answer to be


class IntakeStopped(RuntimeError):
    """The process stopped taking in webhooks before this POST was stored."""


class WebhookIntake:
    """One per process: takes in webhook POSTs, storing concurrent ones together, at most ``concurrency`` batches
    at a time, each of at most ``max_posts`` POSTs. Routes found on the way are kept in ``directory`` (see
    ``NumberDirectory``).

    One batch at a time is the default: on a machine whose cores are busy, every batch stored side by side is
    one more set of round trips, and ``benchmarks/bench_whatsapp.py`` measured two at a time as slower at 300
    POSTs a second on 2 cores. The batch grows with the load instead, so one at a time does not cap throughput;
    more may help where the database is far away and the API's CPUs are idle."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 directory: NumberDirectory | None = None, concurrency: int = 1, max_posts: int = 200) -> None:
        if concurrency < 1 or max_posts < 1:
            raise ValueError("concurrency and max_posts must be positive")
        self.directory = directory if directory is not None else NumberDirectory()
        self._sessions = sessions
        self._clock = clock
        self._concurrency = concurrency
        self._max_posts = max_posts
        self._pending: list[Waiting] = []
        self._flushers: set[asyncio.Task[None]] = set()

    async def take_in(self, deliveries: Sequence[NumberDelivery]) -> IntakeResult:
        """Store one POST's deliveries, together with whatever else is waiting; its result once committed.
        Raises what storing it raised."""
        if not deliveries:
            return IntakeResult()
        future: asyncio.Future[IntakeResult] = asyncio.get_running_loop().create_future()
        self._pending.append((deliveries, future))
        if len(self._flushers) < self._concurrency:
            # A context of its own: a batch belongs to no one request, and must not log as this one.
            flusher = asyncio.create_task(self._flush(), context=contextvars.Context())
            self._flushers.add(flusher)
            flusher.add_done_callback(self._flushers.discard)  # also one cancelled before it ever ran
        return await future

    async def _flush(self) -> None:
        batch: list[Waiting] = []
        try:
            while self._pending:
                batch, self._pending = self._pending[:self._max_posts], self._pending[self._max_posts:]
                await self._store(batch)
        finally:
            # Leave the set in the same step that found nothing pending: a done callback would run a step later,
            # and a POST arriving in between would find the flushers all busy and wait for ever.
            self._flushers.discard(asyncio.current_task())
            # Normally every future is settled by now; when cancelled, nobody will store these.
            stopped = [*batch]
            if not self._flushers:  # and no other flusher is left for what waits
                stopped, self._pending = [*stopped, *self._pending], []
            for _, future in stopped:
                if not future.done():
                    future.set_exception(IntakeStopped("WhatsApp intake stopped before this delivery was stored"))

    async def _store(self, batch: list[Waiting]) -> None:
        try:
            results = await take_in_many(self._sessions, self._clock, [posted for posted, _ in batch],
                                         directory=self.directory)
        except Exception as exc:
            if len(batch) == 1 or not _refused_rows(exc):
                for _, future in batch:
                    _settle(future, exc)
                return
            for posted, future in batch:  # find the POST at fault: the others are stored
                try:
                    [result] = await take_in_many(self._sessions, self._clock, [posted], directory=self.directory)
                except Exception as alone:
                    _settle(future, alone)
                else:
                    _settle(future, result)
        else:
            for (_, future), result in zip(batch, results, strict=True):
                _settle(future, result)


def _refused_rows(exc: Exception) -> bool:
    """Whether the database refused rows (SQLSTATE class 22, a data exception, or 23, an integrity violation) rather
    than failing as a whole: only then does storing the POSTs one by one tell the one at fault from the rest."""
    if isinstance(exc, DataError | IntegrityError):
        return True
    code = getattr(exc.orig, "pgcode", None) if isinstance(exc, DBAPIError) else None
    return isinstance(code, str) and code[:2] in ("22", "23")


def _settle(future: asyncio.Future[IntakeResult], outcome: IntakeResult | Exception) -> None:
    if future.done():  # the POST's request went away (cancelled); what was stored stays stored
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
