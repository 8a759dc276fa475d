"""The same tools as LangChain StructuredTools: the model sees the input model, and refusals come back as text."""

from __future__ import annotations

import json
import uuid
from typing import Any

from langchain_core.runnables import RunnableConfig

from tests.scheduling_salon import FRIDAY, Studio
from tests.tools.conftest import ContextFor
from tools import bookings as tools
from tools.base import run_tool
from tools.context import STAFF_ROLES, ToolContext
from tools.langchain import as_structured_tool
from tools.registry import all_tools, mutating_tools, read_only_tools, tool_named, tools_for


def fixed(ctx: ToolContext) -> Any:
    return lambda config: ctx


def test_each_structured_tools_args_schema_is_its_input_models_schema() -> None:
    for tool in all_tools():
        structured = as_structured_tool(tool, fixed(None))  # type: ignore[arg-type]
        assert structured.name == tool.name and structured.description == tool.description
        assert structured.args_schema is tool.input_model
        assert structured.get_input_schema().model_json_schema() == tool.input_model.model_json_schema()


def test_read_only_and_mutating_tools_split_the_registry_and_customers_see_no_staff_only_tool() -> None:
    reads, writes = {t.name for t in read_only_tools()}, {t.name for t in mutating_tools()}
    assert not reads & writes and reads | writes == {t.name for t in all_tools()}
    assert {"search_services", "check_availability", "list_my_bookings"} <= reads and "hold_slot" in writes
    staff_only = {"book_appointment", "check_in", "complete_booking", "mark_no_show"}
    assert not staff_only & {t.name for t in tools_for("customer")}
    assert all(tool_named(name).roles == STAFF_ROLES for name in staff_only)


async def test_a_structured_tool_answers_with_the_tools_output_as_json(salon: Studio,
                                                                      context_for: ContextFor) -> None:
    search = as_structured_tool(tool_named("search_services"), fixed(context_for(salon.riya)))
    answer = json.loads(await search.ainvoke({"query": "dadhi"}))
    assert answer["services"][0]["name"] == "Beard trim" and answer["services"][0]["price"] == "₹300"


async def test_a_taken_slot_comes_back_to_the_model_with_alternatives_it_can_offer(
        salon: Studio, context_for: ContextFor) -> None:
    await run_tool(tools.book_appointment, context_for(), {
        "service_ids": [str(salon.haircut.id)], "starts_at": salon.at(FRIDAY, 11).isoformat(),
        "customer_id": str(salon.kabir.id), "staff_id": str(salon.asha.id)})
    hold = as_structured_tool(tools.hold_slot, fixed(context_for(salon.riya)))
    answer = json.loads(await hold.ainvoke({"service_ids": [str(salon.haircut.id)],
                                            "starts_at": salon.at(FRIDAY, 11).isoformat(),
                                            "staff_id": str(salon.asha.id)}))
    assert answer["error"] == "slot_unavailable" and answer["message"] == "That time is taken."
    local_times = [option["local_time"] for option in answer["alternatives"]]
    assert local_times[:4] == ["Fri 27 Nov 2026 10:30", "Fri 27 Nov 2026 10:15", "Fri 27 Nov 2026 11:30",
                               "Fri 27 Nov 2026 11:45"]
    assert any(option["kind"] == "other_staff" and option["staff"] == ["Vikram"] for option in answer["alternatives"])


async def test_a_refusal_and_bad_arguments_are_messages_not_exceptions(salon: Studio,
                                                                     context_for: ContextFor) -> None:
    book = as_structured_tool(tools.book_appointment, fixed(context_for(salon.riya)))
    refused = json.loads(await book.ainvoke({"service_ids": [str(salon.haircut.id)],
                                             "starts_at": salon.at(FRIDAY, 11).isoformat()}))
    assert refused["error"] == "permission_denied"
    hold = as_structured_tool(tools.hold_slot, fixed(context_for(salon.riya)))
    invalid = json.loads(await hold.ainvoke({"service_ids": "haircut"}))
    assert invalid["error"] == "invalid_input" and invalid["details"]["errors"]


async def test_identity_comes_from_the_run_config_not_the_models_arguments(salon: Studio,
                                                                          context_for: ContextFor) -> None:
    contexts = {str(salon.riya.id): context_for(salon.riya)}

    def from_config(config: RunnableConfig) -> ToolContext:
        return contexts[config["configurable"]["customer_id"]]

    keys: list[str] = []

    def key(ctx: ToolContext, data: Any) -> str:
        keys.append(f"thread-1:{data.starts_at.isoformat()}")
        return keys[-1]

    hold = as_structured_tool(tools.hold_slot, from_config, idempotency_key=key)
    config: RunnableConfig = {"configurable": {"customer_id": str(salon.riya.id)}}
    args = {"service_ids": [str(salon.haircut.id)], "starts_at": salon.at(FRIDAY, 11).isoformat()}
    first = json.loads(await hold.ainvoke(args, config=config))
    resumed = json.loads(await hold.ainvoke(args, config=config))
    assert first["customer_id"] == str(salon.riya.id) and resumed["id"] == first["id"] and len(keys) == 2
    as_kabir = json.loads(await hold.ainvoke({**args, "starts_at": salon.at(FRIDAY, 12).isoformat(),
                                              "customer_id": str(salon.kabir.id)}, config=config))
    assert as_kabir["error"] == "permission_denied"
    assert uuid.UUID(first["id"])
