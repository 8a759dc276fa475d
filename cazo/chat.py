"""``cazo chat``: talk to the salon as a customer from the terminal, against the local database.

Buttons and list rows are shown as numbered options; typing the number taps it (the reply's id is sent as the
interactive payload, exactly as WhatsApp would). Each turn ends with a dim line: tier, flow, intent and latency.
``--script FILE`` plays the lines of FILE as the customer (blank lines and ``#`` comments skipped) and prints the
whole transcript, for evals and demos.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any, TextIO

from cazo.nlu import make_agent, make_transcriber, make_understander
from cazo.settings import Settings
from cazo.wiring import open_runtime
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import Actor, UnitOfWork
from graphs.turn import TurnResult, customer_deps, handle_message, load_salon
from tools.replies import Choice, message_body, message_choices


def render_turn(result: TurnResult) -> tuple[list[str], tuple[Choice, ...]]:
    """The bot's side of a turn as lines of text, and the options the last reply offers."""
    lines: list[str] = []
    offered: tuple[Choice, ...] = ()
    for message in result.replies:
        lines.extend("bot> " + line if i == 0 else "     " + line
                     for i, line in enumerate(message_body(message).splitlines() or [""]))
        offered = message_choices(message)
        for choice in offered:
            extra = f" ({choice.description})" if choice.description else ""
            lines.append(f"     [{choice.number}] {choice.title}{extra}")
    if not result.replies:
        lines.append("bot> (silent: a person has this conversation)")
    u = result.understanding
    lines.append(f"     · {u.get('tier', '-')} {u.get('intent', '-')} {u.get('confidence', 0):.2f} -> {result.flow}"
                 f" · {result.latency_ms:.0f} ms")
    return lines, offered


def tap(line: str, offered: tuple[Choice, ...]) -> tuple[str, str | None]:
    """A number that matches an offered option taps it: (its title as the text, its id as the payload)."""
    stripped = line.strip()
    if stripped.isdigit():
        for choice in offered:
            if choice.number == int(stripped):
                return choice.title, choice.id
    return stripped, None


async def chat(settings: Settings, *, tenant: str, branch: str | None, phone: str, lines: Iterable[str] | None,
               output: TextIO, router: Any = None, interactive_input: Any = None) -> int:
    """Run a conversation; ``lines`` None means read from ``interactive_input`` (a prompt function)."""
    understander = make_understander(settings, router=router)
    if understander.router is not None and hasattr(understander.router, "start"):
        await understander.router.start()
    async with open_runtime(settings) as runtime:
        async with UnitOfWork(runtime.sessions, tenant_id=None, actor=Actor.system("cazo chat"),
                              clock=runtime.clock, platform=True) as uow:
            tenant_id: uuid.UUID = await tenant_id_for_slug(tenant, uow)
        salon = await load_salon(runtime.sessions, runtime.clock, tenant_id, branch)
        deps = await customer_deps(runtime.sessions, runtime.clock, salon, understander, phone,
                                   agent=make_agent(settings), transcriber=make_transcriber(settings))
        offered: tuple[Choice, ...] = ()
        source = iter(lines) if lines is not None else None
        print(f"Chatting with {salon.snapshot.name} ({salon.context.slug}) as {phone}. "
              + ("" if source else "Type a message, a number to tap an option, or Ctrl-D to leave."), file=output)
        while True:
            if source is not None:
                line = next(source, None)
                if line is None:
                    break
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
            else:
                try:
                    line = interactive_input("you> ")
                except EOFError:
                    break
            text, payload = tap(line, offered)
            if source is not None:
                print(f"you> {line.strip()}" + (f"   (taps {payload})" if payload else ""), file=output)
            result = await handle_message(runtime.customer_graph, runtime.checkpoint_pool, deps, text,
                                          payload=payload)
            rendered, offered = render_turn(result)
            print("\n".join(rendered), file=output, flush=True)
    return 0
