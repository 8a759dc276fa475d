"""Reply texts in English, Hinglish and Hindi, versioned, with the values each one needs.

The texts live in ``prompts/replies/{en,hinglish,hi}.json`` (one key -> one template with ``{name}`` placeholders).
Every key exists in every language with the same placeholders; tests keep it so. Bump ``VERSION`` when a text's
meaning changes, so transcripts and evals can say which texts they saw.
"""

from __future__ import annotations

import json
import string
from functools import cache
from pathlib import Path

VERSION = "replies-v3"
LANGUAGES = ("en", "hinglish", "hi")
REPLIES_DIR = Path(__file__).parent / "replies"


@cache
def templates(language: str) -> dict[str, str]:
    if language not in LANGUAGES:
        raise ValueError(f"no reply texts for language {language!r}; have {', '.join(LANGUAGES)}")
    data = json.loads((REPLIES_DIR / f"{language}.json").read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise ValueError(f"{language}.json must map keys to strings")
    return data


def placeholders(template: str) -> frozenset[str]:
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def render(key: str, language: str, /, **values: object) -> str:
    """The text for ``key`` in ``language`` with ``values`` filled in. An unknown key, or a value missing or not
    used by the template, is a ValueError: a reply must never go out with a hole or a stray brace in it."""
    table = templates(language)
    if key not in table:
        raise ValueError(f"no reply text {key!r}")
    template = table[key]
    needed = placeholders(template)
    if needed != set(values):
        missing, extra = sorted(needed - set(values)), sorted(set(values) - needed)
        raise ValueError(f"reply {key!r} needs {sorted(needed)}; missing {missing}, unexpected {extra}")
    return template.format(**values)
