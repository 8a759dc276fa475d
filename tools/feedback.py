"""Feedback tools: a customer rates a finished visit (1 to 5) and says why. Their own visits only."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from domain.errors import NotFound
from domain.services import feedback as service
from domain.uow import UnitOfWork
from tools.base import Tool
from tools.context import EVERYONE, ToolContext


class RateVisitInput(BaseModel):
    booking_id: uuid.UUID | None = Field(default=None, description=(
        "The visit to rate; leave out for the customer's most recent finished visit."))
    rating: int = Field(ge=1, le=5, description="1 (bad) to 5 (loved it).")
    customer_id: uuid.UUID | None = Field(default=None, description="Staff only: whose visit.")


class CommentOnVisitInput(BaseModel):
    booking_id: uuid.UUID
    comment: str = Field(min_length=1, max_length=service.MAX_COMMENT)
    customer_id: uuid.UUID | None = Field(default=None, description="Staff only: whose visit.")


class FeedbackView(BaseModel):
    id: uuid.UUID
    booking_id: uuid.UUID
    rating: int
    comment: str | None
    updated_at: datetime


async def _rate(ctx: ToolContext, data: RateVisitInput, uow: UnitOfWork) -> FeedbackView:
    customer_id = ctx.customer_for(data.customer_id)
    booking_id = data.booking_id or await service.latest_visit(uow, customer_id)
    if booking_id is None:
        raise NotFound("There is no recent finished visit to rate.")
    saved = await service.rate_visit(uow, booking_id, customer_id, data.rating, ctx.booking_source)
    return FeedbackView(id=saved.id, booking_id=saved.booking_id, rating=saved.rating, comment=saved.comment,
                        updated_at=saved.updated_at)


async def _comment(ctx: ToolContext, data: CommentOnVisitInput, uow: UnitOfWork) -> FeedbackView:
    saved = await service.comment_on_visit(uow, data.booking_id, ctx.customer_for(data.customer_id), data.comment)
    return FeedbackView(id=saved.id, booking_id=saved.booking_id, rating=saved.rating, comment=saved.comment,
                        updated_at=saved.updated_at)


rate_visit = Tool(
    name="rate_visit",
    description="Record the customer's rating (1-5) of a finished visit. Rating again replaces the rating.",
    input_model=RateVisitInput, output_model=FeedbackView, handler=_rate, mutates=True, roles=EVERYONE)

comment_on_visit = Tool(
    name="comment_on_visit",
    description="Add what the customer said about a visit they rated.",
    input_model=CommentOnVisitInput, output_model=FeedbackView, handler=_comment, mutates=True, roles=EVERYONE)
