"""Wiring for message understanding: the pipeline from settings, and each salon's context (catalog, hours, zone).

Used by ``cazo nlu`` and, later, by the conversation graph. Which L2 router runs is ``ROUTER_BACKEND``
(``embedding`` on a CPU, ``llm`` for a vLLM server), its threshold ``ROUTER_THRESHOLD``; L3 exists only when
``OPENAI_API_KEY`` is set. Voice notes are transcribed when ``TRANSCRIPTION_BASE_URL`` or ``TRANSCRIPTION_API_KEY``
is set.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from agents.escalation import ToolAgent
from agents.intents import Understanding
from agents.routers.base import Router
from agents.salon import DEMO_SLUG, SalonContext, demo_salon_context, salon_context_from_snapshot
from agents.understand import Guard, Understander
from agents.voice import OpenAITranscriber, Transcriber
from cazo.settings import Settings

if TYPE_CHECKING:
    from serving.openai_compat import ChatEndpoint

RouterChoice = Literal["embedding", "llm", "rules"]
__all__ = ["DEMO_SLUG", "SalonContext", "demo_salon_context", "make_transcriber", "make_understander",
           "result_object", "salon_context_from_snapshot"]


def make_guard() -> Guard:
    from agents.guards import InputGuard

    return InputGuard()


def make_router(settings: Settings, choice: RouterChoice | None = None) -> Router | None:
    """The L2 router the settings (or ``choice``) ask for; None for rules only."""
    backend = choice or settings.router_backend
    if backend == "rules":
        return None
    if backend == "llm":
        if not settings.vllm_base_url:
            raise ValueError("ROUTER_BACKEND=llm needs VLLM_BASE_URL (the vLLM server's /v1 URL)")
        from agents.routers.llm import ChatModelRouter
        from serving.openai_compat import ChatEndpoint, make_async_client

        key = settings.vllm_api_key.get_secret_value() if settings.vllm_api_key else None
        endpoint = ChatEndpoint(settings.vllm_base_url, settings.vllm_model, key, timeout_s=settings.vllm_timeout_s)
        return ChatModelRouter(make_async_client(endpoint), settings.vllm_model, name="llm")
    from agents.routers.embedding import EmbeddingRouter
    from prompts.exemplars import ROUTER_WEIGHTS, load_exemplars
    from serving.embeddings import Embedder

    return EmbeddingRouter(Embedder(settings.embedding_model, threads=settings.embedding_threads or None),
                           load_exemplars(),
                           cache_dir=settings.data_dir / "cache", shipped=ROUTER_WEIGHTS)


def _l3_endpoint(settings: Settings) -> ChatEndpoint:
    """The large model's endpoint (OpenAI, or any OpenAI-compatible base URL); needs OPENAI_API_KEY."""
    from serving.openai_compat import ChatEndpoint

    assert settings.openai_api_key is not None  # the callers return None first when it is unset
    return ChatEndpoint(settings.openai_base_url, settings.openai_model, settings.openai_api_key.get_secret_value(),
                        timeout_s=settings.openai_timeout_s, organization=settings.openai_org_id)


def make_escalation(settings: Settings) -> Router | None:
    """L3: the large model, when an OpenAI key is configured (any OpenAI-compatible base URL); otherwise None."""
    if settings.openai_api_key is None:
        return None
    from agents.routers.llm import ChatModelRouter
    from serving.openai_compat import make_async_client

    return ChatModelRouter(make_async_client(_l3_endpoint(settings)), settings.openai_model, name="l3")


def make_agent(settings: Settings) -> ToolAgent | None:
    """The L3 tool-calling agent for conversations, when an OpenAI key is configured."""
    if settings.openai_api_key is None:
        return None
    from serving.openai_compat import make_async_client

    return ToolAgent(make_async_client(_l3_endpoint(settings)), settings.openai_model)


def make_transcriber(settings: Settings) -> Transcriber | None:
    """Voice notes to text, when ``TRANSCRIPTION_BASE_URL`` or ``TRANSCRIPTION_API_KEY`` is set; otherwise None.

    Without ``TRANSCRIPTION_API_KEY`` the L3 key (``OPENAI_API_KEY``) is used, but only for the server L3 talks to
    (``OPENAI_BASE_URL``, or OpenAI): it is never sent to another server.
    """
    if settings.transcription_base_url is None and settings.transcription_api_key is None:
        return None
    from serving.openai_compat import OPENAI_BASE_URL, ChatEndpoint

    url = (settings.transcription_base_url or OPENAI_BASE_URL).rstrip("/")
    key = settings.transcription_api_key
    organization = None
    if key is None and url == (settings.openai_base_url or OPENAI_BASE_URL).rstrip("/"):
        key, organization = settings.openai_api_key, settings.openai_org_id
    endpoint = ChatEndpoint(url, settings.transcription_model, key.get_secret_value() if key else None,
                            timeout_s=settings.transcription_timeout_s, organization=organization)
    return OpenAITranscriber.from_endpoint(endpoint)


def make_understander(settings: Settings, *, router: RouterChoice | None = None,
                      threshold: float | None = None) -> Understander:
    return Understander(router=make_router(settings, router), escalation=make_escalation(settings),
                        guard=make_guard(),
                        threshold=settings.router_threshold if threshold is None else threshold)


def result_object(found: Understanding, latency_ms: float) -> dict[str, Any]:
    """The stable JSON shape of one understood message (``cazo nlu --json`` and ``--batch``)."""
    slots = dict(found.slots)
    core = {key: slots.pop(key, None) for key in ("date", "time", "services", "staff", "coupon")}
    core["services"] = core["services"] or []
    core.update(slots)
    return {
        "intent": found.intent.value,
        "confidence": round(found.confidence, 4),
        "tier": found.tier,
        "language": found.language,
        "settled": found.settled,
        "slots": core,
        "flags": list(found.flags),
        "reason": found.reason,
        "latency_ms": round(latency_ms, 3),
    }
