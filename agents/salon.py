"""One salon as the understanding layer sees it: its catalog index, its main branch's time zone and opening hours.

Built from the database (``salon_context_from_snapshot``) or, with no database, from the built-in demo salon.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from agents.slots.catalog import CatalogIndex
from agents.understand import DEFAULT_ZONE, TurnContext
from domain.hours import Interval, weekday_number

DEMO_SLUG = "glow-studio"


@dataclass(frozen=True)
class SalonContext:
    """What understanding needs to know about one salon: its catalog index, its main branch's zone and hours."""

    slug: str
    catalog: CatalogIndex
    zone: ZoneInfo
    hours: Mapping[int, tuple[time, time]] = field(default_factory=dict)

    def turn(self, now: datetime, **pending: Any) -> TurnContext:
        return TurnContext(now=now, zone=self.zone, hours=self.hours, catalog=self.catalog, **pending)


def _demo_id(name: str) -> str:
    return "demo:" + re.sub(r"[^a-z0-9]+", "-", name.lower().replace("'", "")).strip("-")


def demo_salon_context() -> SalonContext:
    """The built-in demo salon (Glow Studio, Bandra), with no database: ids are ``demo:<name>``, not row ids."""
    from domain.seeding.demo_data import BRANCHES, SERVICES, STAFF

    branch = BRANCHES[0]
    catalog = CatalogIndex(tuple((_demo_id(s.name), s.name, s.aliases) for s in SERVICES),
                           tuple((_demo_id(s.name), s.name) for s in STAFF))
    spans = {weekday_number(day): Interval.parse(text) for day, text in branch.hours.items()}
    hours = {day: (span.starts, span.ends) for day, span in spans.items()}
    return SalonContext(DEMO_SLUG + " (built-in, no database)", catalog, ZoneInfo(branch.timezone), hours)


def salon_context_from_snapshot(snapshot: Any, branch_slug: str | None = None) -> SalonContext:
    """A salon context from ``domain.services.snapshot.SalonSnapshot`` (its first branch unless one is named)."""
    branches = snapshot.branches
    branch = next((b for b in branches if b.slug == branch_slug), branches[0] if branches else None)
    catalog = CatalogIndex(snapshot.services, snapshot.staff)
    if branch is None:
        return SalonContext(snapshot.slug, catalog, DEFAULT_ZONE, {})
    return SalonContext(snapshot.slug, catalog, ZoneInfo(branch.timezone), dict(branch.hours))
