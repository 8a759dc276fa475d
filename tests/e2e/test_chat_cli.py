"""`cazo chat --script`: a scripted conversation as a customer, printed as a transcript."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from domain.clock import FixedClock
from domain.seeding import seed_demo_salon
from tests.e2e.test_nlu_cli import environment_for


def chat(*args: str, data_dir: Path, script: str, database_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cazo", "chat", "--script", "-", *args],
                          env=environment_for(data_dir, DATABASE_URL=database_url), input=script,
                          capture_output=True, text=True, timeout=300, cwd=data_dir)


async def test_a_scripted_conversation_books_and_shows_the_booking(
        trained_router: Any, nlu_data_dir: Path, database_url: str, db: async_sessionmaker[AsyncSession],
        clock: FixedClock, uow_for: Callable[..., Any]) -> None:
    await seed_demo_salon(db, clock)
    script = "# a customer books a beard trim by tapping\nnamaste\nbeard trim karwana hai\n1\n1\n1\nmeri booking\n"
    result = chat("--phone", "+919800000077", data_dir=nlu_data_dir, script=script, database_url=database_url)
    assert result.returncode == 0, result.stderr
    transcript = result.stdout
    assert "you> namaste" in transcript and "[1] Book karo" in transcript
    assert "(taps date:" in transcript and "(taps slot:" in transcript and "(taps confirm:yes)" in transcript
    assert "Beard trim" in transcript and "₹300" in transcript
    assert "-> confirm" in transcript and "-> my_bookings" in transcript
    assert transcript.count("you> ") == 6  # the comment line is skipped


def test_chat_with_an_unknown_salon_says_how_to_get_one(nlu_data_dir: Path, database_url: str) -> None:
    result = chat("--tenant", "no-such-salon", data_dir=nlu_data_dir, script="hi\n", database_url=database_url)
    assert result.returncode == 1 and "no-such-salon" in result.stderr and "cazo seed demo" in result.stderr
