"""Fixtures the end-to-end WhatsApp tests share."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest

from domain.seeding.demo_data import WHATSAPP_PHONE_NUMBER_ID
from domain.services.whatsapp import RegisterNumber, register_number
from domain.uow import UnitOfWork
from tests.factories import Salon, make_salon


@pytest.fixture
async def glow(uow_for: Callable[..., UnitOfWork]) -> Salon:
    """A salon whose branch answers the WhatsApp number 100000000000001 (the demo's, here for a test salon)."""
    async with uow_for(uuid.uuid4()) as uow:
        salon = await make_salon(uow, "glow")
        await register_number(RegisterNumber(WHATSAPP_PHONE_NUMBER_ID, salon.branch_id, "+912226401188"), uow)
        await uow.commit()
    return salon
