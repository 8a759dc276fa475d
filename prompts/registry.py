"""The prompt registry: every file under ``prompts/`` with the version it belongs to and a hash of its content.

Prompts, exemplars, reply texts, templates and lexicons change what Cazo says as much as code does. Each group of
files declares a version in its module (``PROMPT_VERSION``, ``VERSION``); this module names the groups and hashes
every file, so an eval run records exactly which texts it measured and the eval gate (``cazo eval gate``) can tell
that a file changed since the baseline was accepted. A file under ``prompts/`` that no group claims is listed as
``unregistered`` (a test refuses it): add it to ``GROUPS`` with the version that covers it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from prompts import escalation, exemplars, replies, router, sentiment, templates

PROMPTS_DIR = Path(__file__).resolve().parent
UNREGISTERED = "unregistered"


@dataclass(frozen=True, slots=True)
class Group:
    name: str
    version: str
    files: tuple[str, ...]  # paths relative to prompts/ ("intents/exemplars.jsonl")


GROUPS: tuple[Group, ...] = (
    Group("router", router.PROMPT_VERSION, ("router.py",)),
    Group("escalation", escalation.VERSION, ("escalation.py",)),
    Group("exemplars", exemplars.VERSION, ("exemplars.py", "intents/README.md", "intents/exemplars.jsonl",
                                           "intents/exemplars_boundaries.jsonl", "intents/router-weights.npz")),
    Group("replies", replies.VERSION, ("replies.py", "replies/en.json", "replies/hinglish.json", "replies/hi.json")),
    Group("templates", templates.VERSION, ("templates.py", "templates.json")),
    Group("sentiment", sentiment.VERSION, ("sentiment.py", "sentiment.json")),
    Group("registry", "registry-v1", ("__init__.py", "registry.py")),
)


@dataclass(frozen=True, slots=True)
class PromptFile:
    path: str  # relative to prompts/, with forward slashes
    group: str
    version: str
    sha256: str


def file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prompt_files(root: Path | None = None) -> tuple[PromptFile, ...]:
    """Every file under ``root`` (caches excluded), in path order, with its group, version and content hash. A
    file a group names but that is missing is not listed (the test for the registry catches it)."""
    root = root or PROMPTS_DIR
    owner = {name: group for group in GROUPS for name in group.files}
    found = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = path.relative_to(root).as_posix()
        if "__pycache__" in relative.split("/") or relative.endswith((".pyc", ".pyo")):
            continue
        group = owner.get(relative)
        found.append(PromptFile(relative, group.name if group else UNREGISTERED,
                                group.version if group else "-", file_hash(path)))
    return tuple(found)


def prompt_hashes(root: Path | None = None) -> dict[str, str]:
    """``{"prompts/<path>": sha256}`` for every file: what an eval run records and the gate compares."""
    return {f"prompts/{f.path}": f.sha256 for f in prompt_files(root)}


def versions() -> dict[str, str]:
    return {group.name: group.version for group in GROUPS}


def group_hash(name: str, root: Path | None = None) -> str:
    """One hash over a group's files (name and content), e.g. the prompt a cassette was recorded with."""
    group = next((g for g in GROUPS if g.name == name), None)
    if group is None:
        raise ValueError(f"no prompt group {name!r}; have {', '.join(g.name for g in GROUPS)}")
    root = root or PROMPTS_DIR
    digest = hashlib.sha256(group.version.encode())
    for relative in group.files:
        path = root / relative
        digest.update(relative.encode() + b"\0" + (file_hash(path).encode() if path.exists() else b"missing"))
    return digest.hexdigest()[:16]
