"""Feedback on a visit: a rating of 1 to 5 and a comment, one per booking, given by the booking's own customer.

Rating again replaces the rating (a customer who tapped 2 by mistake can tap 4); a comment is added to the
rating it follows. Only a finished visit, of this customer, within FEEDBACK_DAYS of its end, can be rated.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from domain.errors import InvalidInput, NotFound, PolicyViolation
from domain.models import Booking, BookingItem, BookingStatus, Feedback
from domain.uow import UnitOfWork

MAX_COMMENT = 1000
FEEDBACK_DAYS = 30  # a visit can be rated up to this many days after it


async def _visit(uow: UnitOfWork, booking_id: uuid.UUID, customer_id: uuid.UUID) -> Booking:
    booking = await uow.session.get(Booking, booking_id)
    if booking is None or booking.customer_id != customer_id:
        raise NotFound("No such visit.", booking_id=str(booking_id))
    if booking.status != BookingStatus.COMPLETED.value:
        raise PolicyViolation("Only a finished visit can be rated.", booking_id=str(booking_id))
    ended = await uow.session.scalar(select(func.max(BookingItem.ends_at)).where(BookingItem.booking_id == booking_id))
    if ended is not None and uow.clock.now() - ended > timedelta(days=FEEDBACK_DAYS):
        raise PolicyViolation(f"Visits can be rated up to {FEEDBACK_DAYS} days after them.",
                              booking_id=str(booking_id))
    return booking


async def rate_visit(uow: UnitOfWork, booking_id: uuid.UUID, customer_id: uuid.UUID, rating: int,
                     source: str) -> Feedback:
    """Record (or change) the rating of a visit."""
    if not 1 <= rating <= 5:
        raise InvalidInput("A rating is a whole number from 1 to 5.", rating=rating)
    await _visit(uow, booking_id, customer_id)
    now = uow.clock.now()
    await uow.session.execute(insert(Feedback).values(
        id=uuid.uuid4(), tenant_id=uow.require_tenant(), booking_id=booking_id, customer_id=customer_id,
        rating=rating, source=source, created_at=now, updated_at=now,
    ).on_conflict_do_update(index_elements=["tenant_id", "booking_id"], set_={"rating": rating, "updated_at": now}))
    feedback = await uow.session.scalar(select(Feedback).where(Feedback.booking_id == booking_id)
                                        .execution_options(populate_existing=True))
    assert feedback is not None
    uow.record("FeedbackGiven", booking_id=str(booking_id), customer_id=str(customer_id), rating=rating)
    return feedback


async def comment_on_visit(uow: UnitOfWork, booking_id: uuid.UUID, customer_id: uuid.UUID, comment: str) -> Feedback:
    """Add what the customer said to their rating of the visit (the rating comes first)."""
    comment = comment.strip()
    if not comment:
        raise InvalidInput("The comment is empty.")
    await _visit(uow, booking_id, customer_id)
    feedback = await uow.session.scalar(select(Feedback).where(Feedback.booking_id == booking_id).with_for_update())
    if feedback is None:
        raise PolicyViolation("Rate the visit first.", booking_id=str(booking_id))
    feedback.comment = (f"{feedback.comment}\n{comment}" if feedback.comment else comment)[:MAX_COMMENT]
    feedback.updated_at = uow.clock.now()
    await uow.session.flush()
    return feedback


async def latest_visit(uow: UnitOfWork, customer_id: uuid.UUID) -> uuid.UUID | None:
    """The customer's most recent finished visit that can still be rated, if any."""
    since = uow.clock.now() - timedelta(days=FEEDBACK_DAYS)
    return await uow.session.scalar(
        select(Booking.id).join(BookingItem, BookingItem.booking_id == Booking.id)
        .where(Booking.customer_id == customer_id, Booking.status == BookingStatus.COMPLETED.value,
               BookingItem.ends_at >= since)
        .group_by(Booking.id).order_by(func.max(BookingItem.ends_at).desc()).limit(1))
