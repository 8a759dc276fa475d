"""Staff tools for the salon's knowledge base (FAQ): read it (any staff), add and change entries (owner, manager).

Not in ``tools.registry``: that list is what a customer's chat model may be offered. "Deleting" an entry switches
it off; the bot stops using it at once and it can be switched back on.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from domain.models import FaqEntry
from domain.services import faq as service
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.context import MANAGERS, STAFF_ROLES, ToolContext

Phrasing = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                            max_length=service.MAX_PHRASING_LENGTH)]
Answer = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=service.MAX_ANSWER_LENGTH)]
Topic = Annotated[str, StringConstraints(strip_whitespace=True, pattern=service.TOPIC.pattern)]
Phrasings = Annotated[list[Phrasing], Field(min_length=1, max_length=service.MAX_PHRASINGS, description=(
    "The ways customers ask it, in any language or script (e.g. 'is there parking', 'parking hai kya')."))]


class FaqAnswers(BaseModel):
    """The reply in each language; English is required, and used where a language has none."""

    model_config = ConfigDict(extra="forbid")

    en: Answer
    hinglish: Answer | None = None
    hi: Answer | None = None


class FaqEntryView(BaseModel):
    id: uuid.UUID
    topic: str
    phrasings: list[str]
    answers: dict[str, str] = Field(description="Language (en, hinglish, hi) to the reply.")
    active: bool = Field(description="Whether the bot answers from this entry.")


class FaqList(BaseModel):
    entries: list[FaqEntryView]


class ListFaqInput(BaseModel):
    include_inactive: bool = Field(False, description="Also list entries that were switched off.")


class AddFaqEntryInput(BaseModel):
    topic: Topic = Field(description="A short name, unique in the salon: lowercase letters, digits and "
                                     "underscores, e.g. 'wheelchair_access'.")
    phrasings: Phrasings
    answers: FaqAnswers


class FaqChange(BaseModel):
    """Only what is sent changes. ``answers`` replaces every language's answer at once."""

    phrasings: Phrasings | None = None
    answers: FaqAnswers | None = None
    active: bool | None = Field(None, description="false switches the entry off, true back on.")

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.phrasings is None and self.answers is None and self.active is None:
            raise ValueError("Say what to change: phrasings, answers or active.")
        return self


class ChangeFaqEntryInput(FaqChange):
    entry_id: uuid.UUID


class FaqEntryIdInput(BaseModel):
    entry_id: uuid.UUID


def faq_view(entry: FaqEntry) -> FaqEntryView:
    return FaqEntryView(id=entry.id, topic=entry.topic, phrasings=list(entry.phrasings), answers=dict(entry.answers),
                        active=entry.active)


def _answers(answers: FaqAnswers) -> dict[str, str]:
    return answers.model_dump(exclude_none=True)


async def _list(ctx: ToolContext, data: ListFaqInput, uow: UnitOfWork) -> FaqList:
    entries = await service.list_faq_entries(uow, include_inactive=data.include_inactive)
    return FaqList(entries=[faq_view(entry) for entry in entries])


async def _add(ctx: ToolContext, data: AddFaqEntryInput, uow: UnitOfWork) -> FaqEntryView:
    return faq_view(await service.add_faq_entry(
        service.AddFaqEntry(topic=data.topic, phrasings=data.phrasings, answers=_answers(data.answers)), uow))


async def _change(ctx: ToolContext, data: ChangeFaqEntryInput, uow: UnitOfWork) -> FaqEntryView:
    return faq_view(await service.change_faq_entry(service.ChangeFaqEntry(
        entry_id=data.entry_id, phrasings=data.phrasings, active=data.active,
        answers=_answers(data.answers) if data.answers is not None else None), uow))


async def _switch_off(ctx: ToolContext, data: FaqEntryIdInput, uow: UnitOfWork) -> FaqEntryView:
    return faq_view(await service.change_faq_entry(service.ChangeFaqEntry(entry_id=data.entry_id, active=False),
                                                   uow))


list_faq_entries = Tool(
    name="list_faq_entries", description="The salon's knowledge base: each entry's phrasings and answers.",
    input_model=ListFaqInput, output_model=FaqList, handler=_list, mutates=False, roles=STAFF_ROLES)
add_faq_entry = Tool(
    name="add_faq_entry", description="Add a knowledge base entry: how customers ask it and the answer.",
    input_model=AddFaqEntryInput, output_model=FaqEntryView, handler=_add, mutates=True, roles=MANAGERS)
change_faq_entry = Tool(
    name="change_faq_entry", description="Change a knowledge base entry's phrasings or answers, or switch it on "
                                         "or off.",
    input_model=ChangeFaqEntryInput, output_model=FaqEntryView, handler=_change, mutates=True, roles=MANAGERS)
switch_off_faq_entry = Tool(
    name="switch_off_faq_entry", description="Stop answering from a knowledge base entry (it can be switched back "
                                             "on).",
    input_model=FaqEntryIdInput, output_model=FaqEntryView, handler=_switch_off, mutates=True, roles=MANAGERS)
