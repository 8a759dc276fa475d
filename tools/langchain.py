"""Tools as LangChain ``StructuredTool``s for the chat graphs.

The args schema is the tool's own input model, so what the model sees is exactly what REST validates. The
context (tenant, customer, role) comes from the run's config through ``ctx_factory``, never from the model's
arguments. A refusal is returned to the model as a short JSON message it can act on (the reason, and for a
taken slot the nearest free times) instead of an exception that would end the run.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langchain_core.tools import StructuredTool
from pydantic import BaseModel, ValidationError

from tools.base import Tool, ToolError, call_tool
from tools.context import ToolContext

ContextFactory = Callable[[RunnableConfig], ToolContext]
KeyFactory = Callable[[ToolContext, BaseModel], str | None]
MAX_ALTERNATIVES = 6


def _alternative(option: dict[str, Any]) -> dict[str, Any]:
    return {"local_time": option.get("local_time"), "starts_at": option.get("starts_at"),
            "kind": option.get("kind"), "staff": [item.get("staff") for item in option.get("items", [])]}


def error_message(error: ToolError) -> str:
    """The refusal as the model reads it: short, with what it can offer instead."""
    body: dict[str, Any] = {"error": error.error, "message": error.message}
    details = dict(error.details)
    alternatives = details.pop("alternatives", None)
    if alternatives is not None:
        body["alternatives"] = [_alternative(option) for option in alternatives[:MAX_ALTERNATIVES]]
        if not alternatives:
            body["hint"] = "Nothing close is free; offer another day or the waitlist."
    if details:
        body["details"] = details
    return json.dumps(body, ensure_ascii=False, default=str)


def _invalid_arguments(exc: ValidationError) -> str:
    problems = [{"loc": list(error["loc"]), "msg": error["msg"]} for error in exc.errors()]
    return error_message(ToolError(error="invalid_input", message="The arguments are not valid; fix them and "
                                   "call again.", details={"errors": problems}))


def as_structured_tool(tool: Tool[Any, Any], ctx_factory: ContextFactory, *,
                       idempotency_key: KeyFactory | None = None) -> StructuredTool:
    """``ctx_factory(config)`` builds the trusted context for one call. ``idempotency_key(ctx, input)``, for
    mutating tools, names the attempt so a graph resumed after ``interrupt()`` cannot book twice."""

    async def invoke(config: RunnableConfig, **arguments: Any) -> str:
        ctx = ctx_factory(config)
        data = tool.input_model.model_validate(arguments)
        key = idempotency_key(ctx, data) if idempotency_key is not None and tool.mutates else None
        result = await call_tool(tool, ctx, data, key)
        if isinstance(result, ToolError):
            return error_message(result)
        answer: str = result.model_dump_json()
        return answer

    return StructuredTool.from_function(
        coroutine=invoke, name=tool.name, description=tool.description, args_schema=tool.input_model,
        infer_schema=False, handle_validation_error=_invalid_arguments)
