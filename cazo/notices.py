"""`cazo notices`: run the notices job for a salon and show the messages it has queued for customers."""

from __future__ import annotations

import json
from typing import Any, TextIO

from sqlalchemy import select

from cazo.settings import Settings
from cazo.wiring import open_runtime
from domain.models import Customer, MessageStatus
from domain.phone import mask_phone
from domain.services.notices import customer_messages
from domain.services.snapshot import tenant_id_for_slug
from domain.uow import Actor, UnitOfWork
from graphs.notices import run_notices
from tools.replies import message_body


async def notices(settings: Settings, *, tenant: str, run: bool, status: str | None, limit: int, as_json: bool,
                  output: TextIO) -> int:
    async with open_runtime(settings) as runtime:
        async with UnitOfWork(runtime.sessions, tenant_id=None, actor=Actor.system("cazo notices"),
                              clock=runtime.clock, platform=True) as uow:
            tenant_id = await tenant_id_for_slug(tenant, uow)
        result: dict[str, Any] = {"tenant": tenant}
        if run:
            done = await run_notices(runtime.sessions, runtime.clock, tenant_id)
            result["run"] = {"events": done.events, "scheduled": done.scheduled, "withdrawn": done.withdrawn,
                             "follow_ups": done.follow_ups}
        async with UnitOfWork(runtime.sessions, tenant_id=tenant_id, actor=Actor.system("cazo notices"),
                              clock=runtime.clock) as uow:
            rows = await customer_messages(uow, status=MessageStatus(status) if status else None, limit=limit)
            phones = dict((await uow.session.execute(select(Customer.id, Customer.phone_e164).where(
                Customer.id.in_({row.customer_id for row in rows})))).tuples().all())
        result["messages"] = [{
            "id": str(row.id), "kind": row.kind, "status": row.status, "due_at": row.due_at.isoformat(),
            "customer": mask_phone(str(phones.get(row.customer_id, ""))), "language": row.language,
            "text": message_body(row.body), "template": (row.template or {}).get("name"),
            "promotional": row.promotional} for row in rows]
    if as_json:
        print(json.dumps(result, ensure_ascii=False), file=output)
        return 0
    if run:
        r = result["run"]
        print(f"Handled {r['events']} events: {r['scheduled']} messages queued ({r['follow_ups']} follow-ups), "
              f"{r['withdrawn']} withdrawn.", file=output)
    if not result["messages"]:
        print("No messages.", file=output)
    for message in result["messages"]:
        print(f"{message['due_at'][:16]}  {message['status']:<9} {message['kind']:<20} {message['customer']}  "
              f"{message['text'][:90]}", file=output)
    return 0
