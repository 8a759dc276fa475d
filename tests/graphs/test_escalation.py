"""L3 in the conversation: a tool-calling model answers what the flows cannot, and only with facts from its tools."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.escalation import SalonNames, ToolAgent, grounded
from agents.guards import InputGuard
from agents.slots.catalog import CatalogIndex
from agents.understand import Understander
from domain.clock import FixedClock
from domain.models import ConversationTurn
from domain.seeding import seed_demo_salon
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import Actor, UnitOfWork
from graphs.checkpoint import open_checkpointer, prepare_checkpoint_tables
from graphs.customer import build_customer_graph
from graphs.turn import TurnResult, customer_deps, handle_message, load_salon
from serving.openai_compat import ChatEndpoint, make_async_client
from tests.serving.fake_openai import FakeOpenAI, Reply
from tools.base import run_tool
from tools.bookings import check_availability

APP_ROLE = "cazo_app"
UNSURE = "mere bhai ke liye kuch accha sa grooming chahiye, kya suggest karoge"


@pytest.fixture
async def talk(db: async_sessionmaker[AsyncSession], clock: FixedClock, database_url: str, trained_router: Any,
               uow_for: Callable[..., UnitOfWork], server: FakeOpenAI) -> AsyncIterator[Any]:
    server.reset()
    await prepare_checkpoint_tables(database_url, APP_ROLE)
    await seed_demo_salon(db, clock)
    async with uow_for(None, platform=True) as uow:
        tenant_id = await tenant_id_for_slug("glow-studio", uow)
    salon = await load_salon(db, clock, tenant_id, "bandra")
    # A threshold no L2 answer reaches: every message the rules do not settle goes to the fallback, and so to L3.
    understander = Understander(router=trained_router, guard=InputGuard(), threshold=1.01)
    agent = ToolAgent(make_async_client(ChatEndpoint(server.base_url, "gpt-4o", "sk-test", timeout_s=5),
                                        max_retries=0), "gpt-4o")
    deps = await customer_deps(db, clock, salon, understander, "+919800000055", agent=agent)
    async with open_checkpointer(database_url, APP_ROLE) as saver:
        graph = build_customer_graph(saver)

        async def say(text: str) -> TurnResult:
            return await handle_message(graph, saver.conn, deps, text)  # type: ignore[arg-type]

        yield say, deps


def call(name: str, **arguments: Any) -> Reply:
    return Reply(content=None, tool_calls=[{"name": name, "arguments": arguments}], finish_reason="tool_calls")


async def test_l3_answers_with_prices_its_tools_returned_and_the_turn_counts_tokens_and_cost(
        talk: Any, server: FakeOpenAI) -> None:
    say, deps = talk
    server.enqueue(call("search_services", query="beard"),
                   Reply(content="Beard trim is ₹300 and takes 20 min. Shall I find you a time?"))
    result = await say(UNSURE)
    assert result.flow == "agent"
    assert result.replies[0]["text"]["body"] == "Beard trim is ₹300 and takes 20 min. Shall I find you a time?"
    offered = {tool["function"]["name"] for tool in server.requests[0].body["tools"]}
    assert "search_services" in offered and "hold_slot" in offered
    assert not offered & {"confirm_booking", "cancel_booking", "reschedule_booking", "book_appointment"}
    assert server.requests[1].body["messages"][-1]["role"] == "tool"  # the tool's result went back to the model
    async with UnitOfWork(deps.sessions, tenant_id=deps.tenant_id, actor=Actor.system("t"), clock=deps.clock) as uow:
        [turn] = (await uow.session.execute(select(ConversationTurn))).scalars().all()
    assert (turn.flow, turn.prompt_tokens) == ("agent", 642) and turn.cost_usd > 0


async def test_a_price_no_tool_returned_is_never_sent(talk: Any, server: FakeOpenAI) -> None:
    say, _ = talk
    server.enqueue(call("search_services", query="beard"), Reply(content="Beard trim is only ₹250 today!"))
    result = await say(UNSURE)
    assert result.flow == "fallback" and "250" not in str(result.replies)


async def test_when_the_model_is_down_the_customer_is_asked_again(talk: Any, server: FakeOpenAI) -> None:
    say, _ = talk
    server.enqueue(Reply(status=500))
    result = await say(UNSURE)
    assert result.flow == "fallback"


@pytest.mark.parametrize(
    ("reply", "evidence", "ok"),
    [("It is ₹1,200.", ['{"price": "₹1,200"}'], True), ("It is ₹1,250.", ['{"price": "₹1,200"}'], False),
     ("Free at 5:30 pm", ['{"local_time": "Fri 27 Nov 2026 17:30"}'], True),
     ("Free at 6:30 pm", ['{"local_time": "Fri 27 Nov 2026 17:30"}'], False),
     ("Hello! How can I help?", [], True)],
)
def test_grounding_checks_every_price_and_time_against_the_tool_results(reply: str, evidence: list[str],
                                                                        ok: bool) -> None:
    assert grounded(reply, evidence) is ok


async def availability_tomorrow(deps: Any, service: str) -> tuple[dict[str, Any], set[str]]:
    """check_availability's arguments for ``service`` tomorrow, and the stylists it returns."""
    service_id = next(sid for sid, name, _ in deps.snapshot.services if name == service)
    tomorrow = (deps.clock.now().astimezone(deps.salon.zone) + timedelta(days=1)).date()
    arguments = {"service_ids": [service_id], "from_date": tomorrow.isoformat(), "limit": 5}
    found = await run_tool(check_availability, deps.tool_context(), arguments)
    return arguments, {item.staff for slot in found.slots for item in slot.items}


async def test_a_reply_naming_a_stylist_the_availability_tool_returned_is_sent(talk: Any, server: FakeOpenAI) -> None:
    say, deps = talk
    arguments, stylists = await availability_tomorrow(deps, "Beard trim")
    first_name = sorted(stylists)[0].split()[0]
    text = f"{first_name} can do your Beard trim tomorrow. Shall I look for a time?"
    server.enqueue(call("check_availability", **arguments), Reply(content=text))
    result = await say(UNSURE)
    assert result.flow == "agent" and result.replies[0]["text"]["body"] == text


async def test_a_stylist_no_tool_returned_this_turn_is_never_named(talk: Any, server: FakeOpenAI) -> None:
    say, deps = talk
    arguments, stylists = await availability_tomorrow(deps, "Beard trim")
    absent = next(name for _, name in deps.snapshot.staff if name not in stylists).split()[0]
    server.enqueue(call("check_availability", **arguments),
                   Reply(content=f"{absent} is free for your Beard trim tomorrow. Shall I look for a time?"))
    result = await say(UNSURE)
    assert result.flow == "fallback" and absent not in str(result.replies)


async def test_a_service_no_tool_returned_this_turn_is_never_named(talk: Any, server: FakeOpenAI) -> None:
    say, _ = talk
    server.enqueue(call("search_services", query="beard"),
                   Reply(content="Beard trim is ₹300. Many customers add a Hydrating facial too!"))
    result = await say(UNSURE)
    assert result.flow == "fallback" and "facial" not in str(result.replies).lower()


NAMES = SalonNames.from_catalog(CatalogIndex(
    (("svc-b", "Beard trim", ("beard", "dadhi")), ("svc-p", "Pedicure", ("foot spa",)),
     ("svc-h", "Hair spa", ("spa",))),
    (("st-i", "Imran Khan"), ("st-r", "Rahul Kapoor"))))


@pytest.mark.parametrize(
    ("reply", "evidence", "ok"),
    [("Imran can do it tomorrow.", ['{"staff": "Imran Khan"}'], True),
     ("IMRAN KHAN is free.", ['{"staff": "Imran Khan"}'], True),
     ("Rahul can do it tomorrow.", ['{"staff": "Imran Khan"}'], False),
     ("Imrana from our team will call.", [], True),  # a whole word only
     ("राहुल कल फ्री हैं", ['{"staff": "Imran Khan"}'], False),  # Devanagari is read romanised
     ("Beard trim is ₹300.", ['{"name": "Beard trim", "price": "₹300"}'], True),
     ("Your dadhi will look sharp.", ['{"name": "Beard trim"}'], True),  # an alias of a service the tool gave
     ("Pedicure comes with a foot spa.", ['{"name": "Pedicure"}'], True),  # "foot spa" is Pedicure, not Hair spa
     ("A hair spa would help.", ['{"name": "Pedicure"}'], False),
     ("Hello! How can I help?", [], True)],
)
def test_grounding_checks_every_staff_and_service_name_against_the_tool_results(reply: str, evidence: list[str],
                                                                                ok: bool) -> None:
    assert grounded(reply, evidence, NAMES) is ok
