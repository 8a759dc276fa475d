"""Catalog tools: find a service the way customers name it ("baal katwana", "dadhi", "बाल कटवाना"), and read one.

Search runs in PostgreSQL with pg_trgm over ``cazo_service_search_text(name, aliases)`` (lower-cased name and
aliases, with a GIN trigram index). Trigrams forgive Hinglish spellings ("dadi" for "dadhi"); a substring match
backs them up for scripts the trigram tokenizer may skip (Devanagari), and an exact alias or name ranks first so
"dadhi" means the beard trim, not "dadhi banana" (a shave).
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field
from sqlalchemy import Text, bindparam, or_, select, text

from domain.errors import NotFound
from domain.models import Service, Staff, StaffShift, StaffSkill
from domain.services.catalog import companion_service
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.context import EVERYONE, ToolContext
from tools.views import StaffRef, rupees

# Lower than pg_trgm's default 0.6, so a one-letter slip in a short Hinglish word still matches.
WORD_SIMILARITY_THRESHOLD = 0.45

SEARCH_SQL = text("""
    SELECT s.id, s.name, c.name AS category, s.duration_min, s.price_paise,
           (lower(s.name) = :q OR :q = ANY(s.aliases)) AS exact,
           word_similarity(:q, cazo_service_search_text(s.name, s.aliases)) AS word_score,
           similarity(:q, cazo_service_search_text(s.name, s.aliases)) AS score
    FROM services s JOIN service_categories c ON c.id = s.category_id
    WHERE s.active
      AND (:q <% cazo_service_search_text(s.name, s.aliases)
           OR cazo_service_search_text(s.name, s.aliases) LIKE :pattern ESCAPE '\\')
    ORDER BY exact DESC, word_score DESC, score DESC, s.sort_order, s.name
    LIMIT :limit
""").bindparams(bindparam("q", type_=Text()), bindparam("pattern", type_=Text()))


class SearchServicesInput(BaseModel):
    query: str = Field(min_length=1, max_length=100, description=(
        "What the customer asked for, in their own words: English, Hinglish or Hindi (e.g. 'haircut', "
        "'baal katwana', 'dadhi', 'बाल कटवाना'). Pass it as written; spelling slips are tolerated."))
    limit: int = Field(default=5, ge=1, le=20, description="How many matches to return, best first.")


class ServiceHit(BaseModel):
    id: uuid.UUID
    name: str
    category: str
    duration_min: int
    price_paise: int
    price: str = Field(description="The price for showing, in rupees (e.g. '₹500').")
    score: float = Field(description="How well it matched, 0 to 1 (1: an exact name or alias).")


class ServiceSearchResult(BaseModel):
    services: list[ServiceHit]


def _like_pattern(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def _search(ctx: ToolContext, data: SearchServicesInput, uow: UnitOfWork) -> ServiceSearchResult:
    query = " ".join(data.query.lower().split())  # the same normalisation the aliases got when stored
    if not query:
        return ServiceSearchResult(services=[])
    await uow.session.execute(text("SELECT set_config('pg_trgm.word_similarity_threshold', :t, true)"),
                              {"t": str(WORD_SIMILARITY_THRESHOLD)})
    rows = (await uow.session.execute(SEARCH_SQL, {"q": query, "pattern": _like_pattern(query),
                                                   "limit": data.limit})).all()
    return ServiceSearchResult(services=[
        ServiceHit(id=row.id, name=row.name, category=row.category, duration_min=row.duration_min,
                   price_paise=row.price_paise, price=rupees(row.price_paise),
                   score=1.0 if row.exact else round(max(float(row.word_score), float(row.score)), 3))
        for row in rows])


search_services = Tool(
    name="search_services",
    description=("Find salon services by what the customer called them (English, Hinglish or Hindi). Returns "
                 "the best matches with id, duration and price. Use the returned id in other tools; never guess "
                 "an id."),
    input_model=SearchServicesInput, output_model=ServiceSearchResult, handler=_search, mutates=False,
    roles=EVERYONE)


class ServiceDetailsInput(BaseModel):
    service_id: uuid.UUID = Field(description="The service's id, from search_services.")
    branch_id: uuid.UUID | None = Field(default=None, description=(
        "The branch whose staff to list. Leave empty for the conversation's branch."))


class ServiceDetails(BaseModel):
    id: uuid.UUID
    name: str
    category: str
    description: str | None
    aliases: list[str]
    duration_min: int
    processing_gap_min: int = Field(description="Minutes inside the service when the stylist is free "
                                                "(e.g. colour developing); 0 for none.")
    processing_offset_min: int | None = Field(description="When that gap starts, in minutes from the start.")
    buffer_after_min: int = Field(description="Clean-up minutes after the service in which nobody is booked.")
    price_paise: int
    price: str
    staff: list[StaffRef] = Field(description="Who can do this service (at the branch, when one is known).")


async def _details(ctx: ToolContext, data: ServiceDetailsInput, uow: UnitOfWork) -> ServiceDetails:
    service = await uow.get(Service, data.service_id, "service")
    if not service.active:
        raise NotFound("That service is not offered any more.", service_id=str(service.id))
    await uow.session.refresh(service, ["category"])
    query = (select(Staff.id, Staff.name).join(StaffSkill, StaffSkill.staff_id == Staff.id)
             .where(StaffSkill.service_id == service.id, Staff.active.is_(True)).order_by(Staff.name))
    branch_id = data.branch_id or ctx.branch_id
    if branch_id is not None:
        # Someone may work at a branch that is not their home branch: a shift there counts.
        works_there = select(StaffShift.staff_id).where(StaffShift.branch_id == branch_id)
        query = query.where(or_(Staff.branch_id == branch_id, Staff.id.in_(works_there)))
    staff = [StaffRef(id=row.id, name=row.name) for row in (await uow.session.execute(query)).all()]
    return ServiceDetails(
        id=service.id, name=service.name, category=service.category.name, description=service.description,
        aliases=list(service.aliases), duration_min=service.duration_min, processing_gap_min=service.processing_min,
        processing_offset_min=service.processing_offset_min, buffer_after_min=service.buffer_after_min,
        price_paise=service.price_paise, price=rupees(service.price_paise), staff=staff)


service_details = Tool(
    name="service_details",
    description=("Everything about one service: what it is, how long it takes, its price and which staff can do "
                 "it. Use after search_services when the customer asks about a service."),
    input_model=ServiceDetailsInput, output_model=ServiceDetails, handler=_details, mutates=False, roles=EVERYONE)


class SuggestAddonInput(BaseModel):
    service_ids: list[uuid.UUID] = Field(min_length=1, max_length=5, description="The services being booked.")


class AddonSuggestion(BaseModel):
    service_id: uuid.UUID | None = Field(description="The suggested add-on; null when there is none to suggest.")
    name: str | None = None
    duration_min: int | None = None
    price_paise: int | None = None
    price: str | None = None
    booked_together: int = Field(default=0, description="How often customers booked it with these services.")


async def _suggest(ctx: ToolContext, data: SuggestAddonInput, uow: UnitOfWork) -> AddonSuggestion:
    best: tuple[uuid.UUID, int] | None = None
    for service_id in data.service_ids:
        found = await companion_service(service_id, uow)
        if found and found[0] not in data.service_ids and (best is None or found[1] > best[1]):
            best = found
    if best is None:
        return AddonSuggestion(service_id=None)
    service = await uow.get(Service, best[0], "service")
    return AddonSuggestion(service_id=service.id, name=service.name, duration_min=service.duration_min,
                           price_paise=service.price_paise, price=rupees(service.price_paise),
                           booked_together=best[1])


suggest_addon = Tool(
    name="suggest_addon",
    description=("A short extra service that this salon's customers often book together with the given services "
                 "(from past bookings), with its price and length; none when nothing fits. Offer it at most once."),
    input_model=SuggestAddonInput, output_model=AddonSuggestion, handler=_suggest, mutates=False, roles=EVERYONE)
