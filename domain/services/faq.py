"""The salon's knowledge base, as staff edit it: entries with the ways customers ask them and an answer per language.

An entry is never deleted, only switched off (``active``), so its history stays in the audit log and it can be
switched back on. The phrasings' embeddings are not touched here: the understanding layer (``agents.faq``) redoes
them on its next search when an entry's phrasings no longer match what it embedded.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from domain.errors import Conflict, InvalidInput, NotFound
from domain.models import FaqEntry, Language
from domain.uow import UnitOfWork

TOPIC = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_PHRASINGS = 50
MAX_PHRASING_LENGTH = 200
MAX_ANSWER_LENGTH = 1000  # a WhatsApp text may hold 4096; an answer is one short message
LANGUAGES = tuple(language.value for language in Language)


@dataclass(frozen=True)
class AddFaqEntry:
    topic: str
    phrasings: Sequence[str]
    answers: Mapping[str, str]


@dataclass(frozen=True)
class ChangeFaqEntry:
    """What to change; None leaves it as it is. ``answers`` replaces the whole set (English required)."""

    entry_id: uuid.UUID
    phrasings: Sequence[str] | None = None
    answers: Mapping[str, str] | None = None
    active: bool | None = None


def normalise_phrasings(phrasings: Sequence[str]) -> list[str]:
    """Trimmed, single-spaced, without repeats (ignoring case), in the order given; at least one."""
    seen: dict[str, str] = {}
    for phrasing in phrasings:
        cleaned = " ".join(phrasing.split())
        if len(cleaned) > MAX_PHRASING_LENGTH:
            raise InvalidInput(f"A phrasing has at most {MAX_PHRASING_LENGTH} characters.", field="phrasings")
        if cleaned:
            seen.setdefault(cleaned.casefold(), cleaned)
    if not seen:
        raise InvalidInput("An entry needs at least one way customers ask it.", field="phrasings")
    if len(seen) > MAX_PHRASINGS:
        raise InvalidInput(f"An entry has at most {MAX_PHRASINGS} phrasings.", field="phrasings")
    return list(seen.values())


def normalise_answers(answers: Mapping[str, str | None]) -> dict[str, str]:
    """Known languages only, blanks dropped, English required."""
    unknown = sorted(set(answers) - set(LANGUAGES))
    if unknown:
        raise InvalidInput(f"Answers can be in {', '.join(LANGUAGES)}; not {', '.join(unknown)}.", field="answers")
    cleaned = {language: text.strip() for language, text in answers.items() if text and text.strip()}
    if "en" not in cleaned:
        raise InvalidInput("Every entry needs an English answer (en).", field="answers")
    if any(len(text) > MAX_ANSWER_LENGTH for text in cleaned.values()):
        raise InvalidInput(f"An answer has at most {MAX_ANSWER_LENGTH} characters.", field="answers")
    return cleaned


async def _refuse_phrasings_of_other_entries(uow: UnitOfWork, phrasings: list[str],
                                             entry_id: uuid.UUID | None) -> None:
    """The same question may lead to one answer only; otherwise which one a customer gets would be chance."""
    wanted = {phrasing.casefold(): phrasing for phrasing in phrasings}
    rows = await uow.session.execute(select(FaqEntry.topic, FaqEntry.phrasings).where(
        FaqEntry.tenant_id == uow.require_tenant(), FaqEntry.active,
        *([FaqEntry.id != entry_id] if entry_id is not None else [])))
    for topic, theirs in rows:
        for phrasing in theirs:
            if phrasing.casefold() in wanted:
                raise Conflict(f"\"{wanted[phrasing.casefold()]}\" is already a phrasing of the {topic} entry.",
                               field="phrasings", topic=topic)


async def list_faq_entries(uow: UnitOfWork, *, include_inactive: bool = False) -> list[FaqEntry]:
    """The salon's entries by topic; switched-off ones only when asked."""
    query = select(FaqEntry).where(FaqEntry.tenant_id == uow.require_tenant())
    if not include_inactive:
        query = query.where(FaqEntry.active)
    return list((await uow.session.execute(query.order_by(FaqEntry.topic))).scalars())


async def get_faq_entry(uow: UnitOfWork, entry_id: uuid.UUID) -> FaqEntry:
    entry = await uow.session.scalar(select(FaqEntry).where(FaqEntry.tenant_id == uow.require_tenant(),
                                                            FaqEntry.id == entry_id))
    if entry is None:
        raise NotFound("No such knowledge base entry.", id=str(entry_id))
    return entry


async def add_faq_entry(cmd: AddFaqEntry, uow: UnitOfWork) -> FaqEntry:
    """A new entry, active at once. Its topic names it (``wheelchair_access``) and is unique in the salon."""
    tenant_id = uow.require_tenant()
    topic = cmd.topic.strip().lower()
    if not TOPIC.match(topic):
        raise InvalidInput("A topic is 1 to 40 lowercase letters, digits or underscores, starting with a letter.",
                           field="topic")
    phrasings, answers = normalise_phrasings(cmd.phrasings), normalise_answers(cmd.answers)
    clash = await uow.session.scalar(select(FaqEntry).where(FaqEntry.tenant_id == tenant_id,
                                                            FaqEntry.topic == topic))
    if clash is not None:
        state = "" if clash.active else " (switched off: switch it back on and change it instead)"
        raise Conflict(f"There is already an entry for {topic}{state}.", field="topic", id=str(clash.id))
    await _refuse_phrasings_of_other_entries(uow, phrasings, None)
    entry = FaqEntry(tenant_id=tenant_id, topic=topic, phrasings=phrasings, answers=answers, active=True)
    uow.session.add(entry)
    await uow.session.flush()
    uow.record("FaqEntryAdded", entry_id=str(entry.id), topic=topic)
    return entry


async def change_faq_entry(cmd: ChangeFaqEntry, uow: UnitOfWork) -> FaqEntry:
    """Change an entry's phrasings, answers or whether it is used. Changing nothing is refused."""
    if cmd.phrasings is None and cmd.answers is None and cmd.active is None:
        raise InvalidInput("Say what to change: phrasings, answers or active.")
    entry = await get_faq_entry(uow, cmd.entry_id)
    phrasings = normalise_phrasings(cmd.phrasings) if cmd.phrasings is not None else None
    answers = normalise_answers(cmd.answers) if cmd.answers is not None else None
    active = entry.active if cmd.active is None else cmd.active
    if active:
        await _refuse_phrasings_of_other_entries(uow, phrasings or list(entry.phrasings), entry.id)
    if phrasings is not None:
        entry.phrasings = phrasings
    if answers is not None:
        entry.answers = answers
    entry.active = active
    await uow.session.flush()
    uow.record("FaqEntryChanged", entry_id=str(entry.id), topic=entry.topic)
    return entry
