"""``cazo whatsapp send``: write to a running Cazo server as a WhatsApp customer, the way Meta would deliver it.

The command builds the Cloud API webhook for the customer's text (or tap on a reply button or list row), signs it
with the app secret from the settings (in development, the development secret the server also uses) and POSTs it
to the server's ``/webhooks/whatsapp``. A development server also keeps what its bot sent in the fake Graph API;
the command polls that (``/dev/whatsapp/api/messages``) and prints the replies until they stop coming. Any other
server has no such feed: the message is delivered, and the replies go to the real WhatsApp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

if TYPE_CHECKING:
    import httpx

    from integrations.meta.payloads import ReplyType, Tap

whatsapp_app = typer.Typer(help="The WhatsApp channel from the customer's side: write to a running Cazo server as "
                                "Meta would deliver it.", no_args_is_help=True)

WEBHOOK_PATH = "/webhooks/whatsapp"
FEED_PATH = "/dev/whatsapp/api/messages"
POLL_SECONDS = 0.5
QUIET_SECONDS = 2.0  # after a reply, this long without another ends the wait


class SendFailed(Exception):
    """The message could not be delivered; the text is the one line to show."""


@dataclass(frozen=True)
class CustomerSend:
    server: str  # http://host:port
    customer: str  # E.164
    phone_number_id: str
    name: str | None
    text: str | None = None
    tap: str | None = None  # a reply id, or the number of an option in the bot's last message
    wait: float = 10.0


@dataclass(frozen=True)
class Outcome:
    wamid: str
    receipt: dict[str, Any]
    replies: int
    feed: bool  # whether the server showed its replies (development)


async def send_as_customer(send: CustomerSend, *, app_secret: str, out: TextIO,
                           transport: httpx.AsyncBaseTransport | None = None,
                           sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                           clock: Callable[[], float] = time.monotonic) -> Outcome:
    """Deliver one customer message to ``send.server`` and print the bot's replies as they come (development)."""
    import httpx

    from integrations.meta.payloads import customer_message

    async with httpx.AsyncClient(base_url=send.server, transport=transport, timeout=10.0) as http:
        try:
            earlier = await _feed(http, send.customer, after=0)
            tap, context = _resolve_tap(send.tap, earlier["messages"] if earlier else [])
            webhook = customer_message(app_secret=app_secret, phone_number_id=send.phone_number_id,
                                       customer_phone=send.customer, text=send.text, tap=tap,
                                       contact_name=send.name, context_wamid=context)
            answer = await http.post(WEBHOOK_PATH, content=webhook.body, headers=webhook.headers)
        except httpx.TransportError as exc:
            raise SendFailed(f"No Cazo server answers at {send.server} ({type(exc).__name__}): start one with "
                             "`cazo run`, or pass --url.") from exc
        except httpx.HTTPStatusError as exc:
            raise SendFailed(f"{send.server}{FEED_PATH} answered HTTP {exc.response.status_code}.") from exc
        if answer.status_code == 403:
            raise SendFailed(f"{send.server} refused the signature (HTTP 403): its WHATSAPP_APP_SECRET is not the "
                             "one this command signs with.")
        if answer.status_code != 200:
            raise SendFailed(f"{send.server}{WEBHOOK_PATH} answered HTTP {answer.status_code}: {answer.text[:200]}")
        receipt = answer.json()
        you = tap.title if tap is not None else send.text
        print(f"you   > {you}", file=out)
        print(f"        stored {receipt.get('stored')}, duplicates {receipt.get('duplicates')}, skipped "
              f"{receipt.get('skipped')} ({webhook.wamid})", file=out)
        if receipt.get("skipped") and not receipt.get("stored"):
            print(f"        no salon has registered the business number {send.phone_number_id}", file=out)
        if earlier is None:
            print("Replies are only visible in development: this server has no simulator feed, so the bot's "
                  "answer goes to WhatsApp itself.", file=out)
            return Outcome(webhook.wamid, receipt, 0, feed=False)
        replies = await _print_replies(http, send, earlier["last"], out, sleep, clock)
    return Outcome(webhook.wamid, receipt, replies, feed=True)


async def _feed(http: httpx.AsyncClient, customer: str, *, after: int) -> dict[str, Any] | None:
    """The simulator feed after ``after``; None when the server has none (not in development)."""
    answer = await http.get(FEED_PATH, params={"phone": customer, "after": after})
    if answer.status_code == 404:
        return None
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


async def _print_replies(http: httpx.AsyncClient, send: CustomerSend, cursor: int, out: TextIO,
                         sleep: Callable[[float], Awaitable[None]], clock: Callable[[], float]) -> int:
    import httpx

    deadline = clock() + send.wait
    last_reply: float | None = None
    printed = 0
    while clock() < deadline and (last_reply is None or clock() - last_reply < QUIET_SECONDS):
        await sleep(POLL_SECONDS)
        try:
            feed = await _feed(http, send.customer, after=cursor)
        except httpx.HTTPError as exc:
            raise SendFailed(f"The server stopped answering while waiting for replies ({type(exc).__name__}).") \
                from exc
        if feed is None:
            break
        cursor = max(cursor, int(feed["last"]))
        for entry in feed["messages"]:
            print(describe(entry), file=out)
            if entry["direction"] == "out":
                printed += 1
                last_reply = clock()
    if not printed:
        print(f"No reply within {send.wait:g} s (is a worker answering the queued messages?).", file=out)
    return printed


# ---- reading the bot's messages ------------------------------------------------------------------------------


def describe(entry: dict[str, Any]) -> str:
    """One feed entry as terminal lines: the text, then buttons or list rows numbered as ``--tap`` takes them."""
    from tools.replies import message_body, message_choices

    message = entry.get("message") or {}
    if entry.get("direction") == "in":
        interactive = message.get("interactive") or {}
        said = (interactive.get(interactive.get("type") or "") or {}).get("title") if interactive else None
        return f"you   > {said or (message.get('text') or {}).get('body') or '[' + str(message.get('type')) + ']'}"
    kind = message.get("type")
    if kind == "template":
        template = message.get("template") or {}
        values = [str(parameter.get("text", parameter)) for component in template.get("components") or []
                  for parameter in component.get("parameters") or []]
        language = (template.get("language") or {}).get("code", "?")
        return f"salon > [template {template.get('name')} ({language})] " + " | ".join(values)
    if kind not in ("text", "interactive"):
        return f"salon > [{kind} message]"
    lines = [f"salon > {line}" if number == 0 else f"        {line}"
             for number, line in enumerate(message_body(message).splitlines() or [""])]
    interactive = message.get("interactive") or {}
    if interactive.get("type") == "list":
        lines.append(f"        [{(interactive.get('action') or {}).get('button', 'list')}]")
    for choice in message_choices(message):
        extra = f" - {choice.description}" if choice.description else ""
        lines.append(f"        {choice.number}. {choice.title}{extra}  (--tap {choice.id})")
    return "\n".join(lines)


def _resolve_tap(value: str | None, conversation: list[dict[str, Any]]) -> tuple[Tap | None, str | None]:
    """The tap ``value`` names and the bot message it answers: a button or row of the bot's last interactive
    message, by id or by its number; anything else is taken as a reply button's id."""
    from integrations.meta.payloads import Tap
    from tools.replies import message_choices

    if value is None:
        return None, None
    last = next((entry for entry in reversed(conversation) if entry.get("direction") == "out"
                 and (entry.get("message") or {}).get("type") == "interactive"), None)
    if last is not None:
        message = last["message"]
        reply_type: ReplyType = ("list_reply" if (message.get("interactive") or {}).get("type") == "list"
                                 else "button_reply")
        choices = message_choices(message)
        chosen = next((choice for choice in choices if choice.id == value), None)
        if chosen is None and value.isdigit() and 1 <= int(value) <= len(choices):
            chosen = choices[int(value) - 1]
        if chosen is not None:
            return Tap(reply_type, chosen.id, chosen.title, chosen.description), last["wamid"]
    return Tap("button_reply", value, value), None


# ---- the command ---------------------------------------------------------------------------------------------


@whatsapp_app.command("send")
def send_command(
    text: Annotated[str | None, typer.Argument(help="What the customer writes (leave out with --tap).")] = None,
    sender: Annotated[str, typer.Option("--from", help="The customer's phone number.")] = "+919800000001",
    tap: Annotated[str | None, typer.Option(
        help="Tap a reply button or list row instead of writing: its id, or its number in the bot's last "
             "message (as the replies are printed).")] = None,
    to: Annotated[str | None, typer.Option(
        help="The business number's phone_number_id. Default: the demo salon's (registered by `cazo seed "
             "demo`).")] = None,
    name: Annotated[str, typer.Option(help="The customer's WhatsApp profile name.")] = "Asha",
    url: Annotated[str | None, typer.Option(
        help="The Cazo server. Default: http://HOST:PORT from the settings (a wildcard HOST is read as "
             "127.0.0.1).")] = None,
    wait: Annotated[float, typer.Option(
        min=0, max=600, help="At most this many seconds to wait for the bot's replies; the wait ends sooner "
                             "once replies stop. Replies are shown by development servers only.")] = 10.0,
) -> None:
    """Deliver a customer's WhatsApp message to a running Cazo server as a signed Meta webhook, and print the
    bot's replies.

    Give the TEXT the customer writes, or --tap ID. The webhook is signed with WHATSAPP_APP_SECRET (in
    development, when it is unset, with the development secret the server uses too).
    """
    import sys

    from cazo.cli import _fail, _settings
    from domain.errors import InvalidInput
    from domain.phone import normalise_phone
    from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID

    if (text is None) == (tap is None):
        raise _fail("Give either the text to send or --tap ID.", 2)
    settings = _settings()
    secret = settings.effective_whatsapp_app_secret
    if secret is None:
        raise _fail("WHATSAPP_APP_SECRET is not set: the server would refuse the webhook unsigned.", 2)
    try:
        customer = normalise_phone(sender)
    except InvalidInput as exc:
        raise _fail(f"--from: {exc.message}", 2) from exc
    number = to or WHATSAPP_PHONE_NUMBER_ID
    if not number.isdigit():
        raise _fail("--to is a phone_number_id: digits only.", 2)
    send = CustomerSend(server=(url or settings.local_url).rstrip("/"), customer=customer, phone_number_id=number,
                        name=name or None, text=text, tap=tap, wait=wait)
    try:
        asyncio.run(send_as_customer(send, app_secret=secret, out=sys.stdout))
    except SendFailed as exc:
        raise _fail(str(exc), 1) from exc
