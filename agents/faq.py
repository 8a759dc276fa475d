"""Answering salon questions from the salon's own knowledge base, by meaning (pgvector) or by L1 topic.

Every way of asking an entry (``FaqEntry.phrasings``) is embedded with MiniLM (romanised, as the routers see
messages) into ``faq_phrasings``; a question is embedded the same way and answered by the entry of its nearest
phrasing (cosine distance, HNSW index) when the similarity reaches ``threshold``. Below it there is no answer,
and the conversation hands over rather than guess. Entries whose phrasings changed are re-embedded on the next
search.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy import delete, select, text

from agents.routers.embedding import prepare
from domain.models import FaqEntry, FaqPhrasing
from domain.uow import UnitOfWork
from serving.embeddings import Embedder

# The L1 rules' FAQ topics, as knowledge-base topics.
RULE_TOPICS = {"hours": "hours", "location": "location", "parking": "parking", "payment": "payment_methods"}
# Measured on the demo salon's entries: paraphrases of an entry's phrasings score 0.6-0.9 against their nearest
# phrasing; unrelated questions ("wifi password kya hai") reach 0.57. A wrong answer costs more than a handover.
DEFAULT_THRESHOLD = 0.6


@dataclass(frozen=True, slots=True)
class FaqAnswer:
    topic: str
    answer: str
    similarity: float  # 1.0 for a topic the rules named


@dataclass
class FaqSearch:
    """Search by topic (no model needed) or by meaning (needs ``embedder``; without one, no answer)."""

    embedder: Embedder | None = None
    threshold: float = DEFAULT_THRESHOLD

    async def ensure_embeddings(self, uow: UnitOfWork) -> int:
        """Embed the phrasings of entries that have none, or whose phrasings changed; returns entries redone."""
        if self.embedder is None:
            return 0
        embedder = self.embedder
        entries = (await uow.session.execute(select(FaqEntry).where(FaqEntry.active))).scalars().all()
        rows = (await uow.session.execute(select(FaqPhrasing.faq_entry_id, FaqPhrasing.text))).all()
        stored: dict[object, set[str]] = {}
        for entry_id, phrase in rows:
            stored.setdefault(entry_id, set()).add(phrase)
        redone = 0
        for entry in entries:
            if stored.get(entry.id) == set(entry.phrasings):
                continue
            await uow.session.execute(delete(FaqPhrasing).where(FaqPhrasing.faq_entry_id == entry.id))
            vectors = await asyncio.to_thread(embedder.encode, [prepare(phrase) for phrase in entry.phrasings])
            for phrase, vector in zip(entry.phrasings, vectors, strict=True):
                uow.session.add(FaqPhrasing(tenant_id=entry.tenant_id, faq_entry_id=entry.id, text=phrase,
                                            embedding=vector.tolist()))
            redone += 1
        if redone:
            await uow.session.flush()
        return redone

    async def answer(self, uow: UnitOfWork, question: str, language: str, *,
                     topic: str | None = None) -> FaqAnswer | None:
        """The salon's answer to ``question`` in ``language`` (English when that language has none), or None."""
        if topic is not None:
            entry = await uow.session.scalar(select(FaqEntry).where(FaqEntry.topic == topic, FaqEntry.active))
            return None if entry is None else FaqAnswer(entry.topic, _in(entry, language), 1.0)
        if self.embedder is None:
            return None
        await self.ensure_embeddings(uow)
        [vector] = await asyncio.to_thread(self.embedder.encode, [prepare(question)])
        row = (await uow.session.execute(text(
            "SELECT p.faq_entry_id AS id, 1 - (p.embedding <=> CAST(:v AS vector)) AS similarity "
            "FROM faq_phrasings p JOIN faq_entries e ON e.id = p.faq_entry_id WHERE e.active "
            "ORDER BY p.embedding <=> CAST(:v AS vector) LIMIT 1"),
            {"v": "[" + ",".join(f"{x:.6f}" for x in vector.tolist()) + "]"})).first()
        if row is None or float(row.similarity) < self.threshold:
            return None
        entry = await uow.get(FaqEntry, row.id, "faq entry")
        return FaqAnswer(entry.topic, _in(entry, language), float(row.similarity))


def _in(entry: FaqEntry, language: str) -> str:
    return entry.answers.get(language) or entry.answers["en"]
