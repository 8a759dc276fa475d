"""Voice notes to text: the :class:`Transcriber` protocol the conversation uses, and one implementation over any
OpenAI-compatible ``POST /audio/transcriptions`` (OpenAI's whisper-1 or gpt-4o-transcribe, a local Whisper server).

A transcript is used only when the server clearly gave one. Audio that is empty or too big (WhatsApp voice notes
are ogg/opus, far below 16 MB), a timeout, an unreachable server, an HTTP error, a reply without text, or a text
longer than a typed WhatsApp message all raise :class:`TranscriptionUnavailable`, and the conversation asks the
customer to type instead of guessing what was said. Error messages never carry the audio or the transcript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Protocol

import openai
from openai import AsyncOpenAI

from serving.openai_compat import ChatEndpoint, make_async_client

MAX_AUDIO_BYTES = 16 * 1024 * 1024  # WhatsApp's own limit for audio
MAX_TRANSCRIPT_CHARS = 4096  # what a customer could type in one WhatsApp message
# OpenAI tells the format by the file name's extension; ogg/opus is what WhatsApp voice notes are.
_EXTENSIONS = {"audio/ogg": "ogg", "audio/opus": "ogg", "audio/mpeg": "mp3", "audio/mp3": "mp3", "audio/mp4": "m4a",
               "audio/m4a": "m4a", "audio/x-m4a": "m4a", "audio/wav": "wav", "audio/x-wav": "wav",
               "audio/webm": "webm", "audio/flac": "flac", "audio/aac": "aac", "audio/amr": "amr"}
# Whisper takes an ISO-639-1 code; "hinglish" is not one, so it is left to the model to detect.
_ISO_LANGUAGES = frozenset({"en", "hi", "mr", "gu", "bn", "ta", "te", "kn", "ml", "pa", "ur"})


class TranscriptionUnavailable(Exception):
    """No trustworthy transcript: the caller carries on as if no transcriber were configured."""


@dataclass(frozen=True, slots=True)
class Transcript:
    text: str
    language: str | None = None  # as the server reports it ("hindi", "en"), when it does
    duration_s: float | None = None


class Transcriber(Protocol):
    async def transcribe(self, audio: bytes, mime_type: str, language_hint: str | None) -> Transcript:
        """The words in ``audio``; raises :class:`TranscriptionUnavailable` when there is no clear answer."""
        ...


def file_name(mime_type: str) -> str:
    """A file name whose extension tells the server the format (``audio/ogg; codecs=opus`` -> ``voice.ogg``)."""
    essence = mime_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = essence.partition("/")
    extension = _EXTENSIONS.get(essence) or (subtype if kind == "audio" else "") or "bin"
    return f"voice.{extension if extension.isalnum() else 'bin'}"


def _unavailable(exc: Exception, model: str) -> TranscriptionUnavailable:
    if isinstance(exc, openai.APITimeoutError):
        return TranscriptionUnavailable(f"{model}: the transcription server timed out")
    if isinstance(exc, openai.APIConnectionError):
        return TranscriptionUnavailable(f"{model}: could not reach the transcription server ({exc.__cause__ or exc})")
    if isinstance(exc, openai.APIStatusError):
        return TranscriptionUnavailable(f"{model}: the transcription server answered HTTP {exc.status_code}")
    return TranscriptionUnavailable(f"{model}: {type(exc).__name__} from the transcription server")


class OpenAITranscriber:
    """Transcribes through ``client.audio.transcriptions.create``.

    ``response_format`` ``json`` works everywhere (OpenAI's newer models accept nothing else); ``verbose_json``
    (whisper-1, most Whisper servers) also reports the language and the duration.
    """

    def __init__(self, client: AsyncOpenAI, model: str, *, max_bytes: int = MAX_AUDIO_BYTES,
                 max_chars: int = MAX_TRANSCRIPT_CHARS,
                 response_format: Literal["json", "verbose_json"] = "json") -> None:
        if max_bytes < 1 or max_chars < 1:
            raise ValueError("max_bytes and max_chars must be positive")
        self.model = model
        self.max_bytes = max_bytes
        self.max_chars = max_chars
        self.response_format = response_format
        self._client = client

    @classmethod
    def from_endpoint(cls, endpoint: ChatEndpoint, *, max_retries: int = 1, **options: Any) -> OpenAITranscriber:
        return cls(make_async_client(endpoint, max_retries=max_retries), endpoint.model, **options)

    async def aclose(self) -> None:
        await self._client.close()

    async def transcribe(self, audio: bytes, mime_type: str, language_hint: str | None) -> Transcript:
        if not audio:
            raise TranscriptionUnavailable("the voice note has no audio")
        if len(audio) > self.max_bytes:
            raise TranscriptionUnavailable(f"the voice note is {len(audio)} bytes, over the {self.max_bytes} limit")
        language = language_hint if language_hint is not None and language_hint in _ISO_LANGUAGES else openai.omit
        try:
            result: Any = await self._client.audio.transcriptions.create(
                file=(file_name(mime_type), audio, mime_type), model=self.model, language=language,
                response_format=self.response_format, temperature=0)
        except (openai.OpenAIError, ValueError) as exc:  # ValueError: a body that is not JSON
            raise _unavailable(exc, self.model) from exc
        text = getattr(result, "text", None)
        if not isinstance(text, str):  # a body that was not the JSON object asked for
            raise TranscriptionUnavailable(f"{self.model}: the transcription server's reply has no text")
        text = " ".join(text.split())
        if not text:
            raise TranscriptionUnavailable(f"{self.model}: nothing was heard in the voice note")
        if len(text) > self.max_chars:
            raise TranscriptionUnavailable(f"{self.model}: the transcript is {len(text)} characters, over the "
                                           f"{self.max_chars} limit")
        detected = getattr(result, "language", None)
        duration = getattr(result, "duration", None)
        return Transcript(text=text, language=detected if isinstance(detected, str) and detected else None,
                          duration_s=float(duration) if isinstance(duration, int | float) else None)
