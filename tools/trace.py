"""Which tools ran, with what input: recorded while a trace is open, for evals and debugging.

``traced()`` opens a trace for the code under it (a context variable, so it follows the coroutine and every task it
starts: the graph's nodes included); ``run_tool`` notes each call there. Outside a trace nothing is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ToolCall:
    tool: str
    input: dict[str, Any]  # the validated input, as JSON (ids as strings)
    outcome: str  # "ok", or the domain error's code ("conflict", "not_found", ...)


_calls: ContextVar[list[ToolCall] | None] = ContextVar("tool_calls", default=None)


@contextmanager
def traced() -> Iterator[list[ToolCall]]:
    """The calls made inside the ``with`` block, in order (the list fills as they happen)."""
    calls: list[ToolCall] = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def note(tool: str, data: dict[str, Any], outcome: str) -> None:
    calls = _calls.get()
    if calls is not None:
        calls.append(ToolCall(tool, data, outcome))


def tracing() -> bool:
    return _calls.get() is not None
