"""Voice notes are transcribed through an OpenAI-compatible audio endpoint, and every failure is one clear error."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from agents.voice import MAX_AUDIO_BYTES, OpenAITranscriber, TranscriptionUnavailable, file_name
from cazo.nlu import make_transcriber
from cazo.settings import Settings
from serving.openai_compat import ChatEndpoint
from tests.serving.fake_openai import FakeOpenAI, Reply

OGG = "audio/ogg; codecs=opus"
NOTE = b"OggS" + bytes(range(256)) * 40  # ten kilobytes that stand in for a voice note
Make = Callable[..., OpenAITranscriber]


@pytest.fixture
async def transcriber(fake: FakeOpenAI) -> AsyncIterator[Make]:
    made: list[OpenAITranscriber] = []

    def make(timeout_s: float = 5.0, **options: Any) -> OpenAITranscriber:
        endpoint = ChatEndpoint(fake.base_url, "whisper-1", "sk-audio", timeout_s=timeout_s)
        made.append(OpenAITranscriber.from_endpoint(endpoint, max_retries=0, **options))
        return made[-1]

    yield make
    for one in made:
        await one.aclose()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_a_voice_note_is_sent_as_a_multipart_upload_and_its_text_comes_back(fake: FakeOpenAI,
                                                                                 transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(content="  kal 5 baje\n beard trim "))
    heard = await transcriber().transcribe(NOTE, OGG, "hi")
    assert heard.text == "kal 5 baje beard trim"
    [request] = fake.requests
    assert request.path == "/v1/audio/transcriptions" and request.headers["authorization"] == "Bearer sk-audio"
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.body["file"] == {"filename": "voice.ogg", "content_type": "audio/ogg", "size": len(NOTE)}
    assert (request.body["model"], request.body["language"], request.body["response_format"]) == (
        "whisper-1", "hi", "json")


async def test_hinglish_is_no_language_code_so_the_model_detects_it(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(content="haan confirm"))
    await transcriber().transcribe(NOTE, OGG, "hinglish")
    assert "language" not in fake.last_body


async def test_verbose_json_also_reports_the_language_and_the_length(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(content="kal aa sakta hoon?", language="hindi", duration_s=2.5))
    heard = await transcriber(response_format="verbose_json").transcribe(NOTE, OGG, None)
    assert (heard.text, heard.language, heard.duration_s) == ("kal aa sakta hoon?", "hindi", 2.5)


async def test_a_server_error_is_unavailable_and_names_the_status(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(status=500))
    with pytest.raises(TranscriptionUnavailable, match="HTTP 500"):
        await transcriber().transcribe(NOTE, OGG, None)
    assert len(fake.requests) == 1


async def test_a_slow_server_times_out(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(content="too late", delay_s=2.0))
    with pytest.raises(TranscriptionUnavailable, match="timed out"):
        await transcriber(timeout_s=0.3).transcribe(NOTE, OGG, None)


async def test_an_unreachable_server_is_unavailable() -> None:
    endpoint = ChatEndpoint(f"http://127.0.0.1:{closed_port()}/v1", "whisper-1", timeout_s=2)
    one = OpenAITranscriber.from_endpoint(endpoint, max_retries=0)
    try:
        with pytest.raises(TranscriptionUnavailable, match="could not reach"):
            await one.transcribe(NOTE, OGG, None)
    finally:
        await one.aclose()


@pytest.mark.parametrize("said", ["", "   \n "])
async def test_nothing_heard_is_unavailable_not_an_empty_message(fake: FakeOpenAI, transcriber: Make,
                                                                 said: str) -> None:
    fake.enqueue_transcription(Reply(content=said))
    with pytest.raises(TranscriptionUnavailable, match="nothing was heard"):
        await transcriber().transcribe(NOTE, OGG, None)


async def test_a_transcript_longer_than_a_typed_message_is_refused(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(content="bahut lamba " * 400))
    with pytest.raises(TranscriptionUnavailable, match="over the 4096 limit"):
        await transcriber().transcribe(NOTE, OGG, None)


async def test_a_body_that_is_not_a_transcription_is_unavailable(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(raw_body='{"result": "kal 5 baje"}'))
    with pytest.raises(TranscriptionUnavailable, match="no text"):
        await transcriber().transcribe(NOTE, OGG, None)


async def test_audio_over_16_mb_or_empty_is_refused_without_a_request(fake: FakeOpenAI, transcriber: Make) -> None:
    fake.enqueue_transcription(Reply(content="never asked"))
    with pytest.raises(TranscriptionUnavailable, match="over the 16777216 limit"):
        await transcriber().transcribe(bytes(MAX_AUDIO_BYTES + 1), OGG, None)
    with pytest.raises(TranscriptionUnavailable, match="no audio"):
        await transcriber().transcribe(b"", OGG, None)
    assert fake.requests == []


def test_the_file_name_tells_the_server_the_format() -> None:
    assert [file_name(m) for m in (OGG, "audio/mpeg", "audio/mp4", "audio/amr", "weird")] == [
        "voice.ogg", "voice.mp3", "voice.m4a", "voice.amr", "voice.bin"]


# ---- wiring from settings ----------------------------------------------------------------------------------------


@pytest.fixture
def settings_for(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Settings]:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "TRANSCRIPTION_BASE_URL",
                 "TRANSCRIPTION_API_KEY", "TRANSCRIPTION_MODEL", "TRANSCRIPTION_TIMEOUT_S"):
        monkeypatch.delenv(name, raising=False)
    return lambda **values: Settings(_env_file=None, **values)


def test_without_a_transcription_url_or_key_there_is_no_transcriber(settings_for: Callable[..., Settings]) -> None:
    assert make_transcriber(settings_for()) is None
    assert make_transcriber(settings_for(openai_api_key="sk-l3")) is None  # L3 alone does not switch it on


def test_an_empty_transcription_model_means_whisper_1(settings_for: Callable[..., Settings]) -> None:
    assert settings_for(transcription_model="").transcription_model == "whisper-1"


@pytest.mark.parametrize(("l3_url", "expected"), [("same", "Bearer sk-l3"), (None, "Bearer EMPTY")])
async def test_the_l3_key_is_used_only_for_the_l3_server(fake: FakeOpenAI, settings_for: Callable[..., Settings],
                                                         l3_url: str | None, expected: str) -> None:
    settings = settings_for(transcription_base_url=fake.base_url, openai_api_key="sk-l3",
                            openai_base_url=fake.base_url if l3_url == "same" else None)
    wired = make_transcriber(settings)
    assert isinstance(wired, OpenAITranscriber) and wired.model == "whisper-1"
    fake.enqueue_transcription(Reply(content="namaste"))
    try:
        assert (await wired.transcribe(NOTE, OGG, None)).text == "namaste"
    finally:
        await wired.aclose()
    assert fake.requests[-1].headers["authorization"] == expected


async def test_a_transcription_key_of_its_own_wins(fake: FakeOpenAI, settings_for: Callable[..., Settings]) -> None:
    wired = make_transcriber(settings_for(transcription_base_url=fake.base_url, transcription_api_key="sk-voice",
                                          openai_api_key="sk-l3", openai_base_url=fake.base_url))
    assert isinstance(wired, OpenAITranscriber)
    fake.enqueue_transcription(Reply(content="namaste"))
    try:
        await wired.transcribe(NOTE, OGG, None)
    finally:
        await wired.aclose()
    assert fake.requests[-1].headers["authorization"] == "Bearer sk-voice"
