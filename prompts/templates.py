"""WhatsApp message templates: what Cazo may send outside the 24-hour customer service window.

Meta delivers a business-initiated message outside the window only as a template approved in advance. The
templates Cazo uses are declared in ``templates.json``: the name to register them under, their category
(UTILITY or MARKETING), the body per language ("en", "hi"; Hinglish customers get the English one) with Meta's
numbered ``{{n}}`` parameters, and which value fills each parameter. Register them in WhatsApp Manager with exactly
these names, languages and bodies; a test keeps every body's parameters and its ``params`` list in step.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

VERSION = "templates-v1"
TEMPLATES_FILE = Path(__file__).parent / "templates.json"
META_LANGUAGES = ("en", "hi")
_PARAM = re.compile(r"\{\{(\d+)\}\}")


@cache
def declared() -> dict[str, dict[str, Any]]:
    data = json.loads(TEMPLATES_FILE.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("templates.json must map a message kind to its template")
    return data


def body_params(body: str) -> list[int]:
    return sorted({int(n) for n in _PARAM.findall(body)})


def template_call(kind: str, language: str, values: dict[str, str]) -> dict[str, Any]:
    """The template to send for ``kind`` to a customer who reads ``language`` (en, hinglish or hi), filled from
    ``values``: {"name", "language", "params": [...]} (the Cloud API's components are built by the channel)."""
    spec = declared().get(kind)
    if spec is None:
        raise ValueError(f"no WhatsApp template is declared for {kind!r}")
    code = "hi" if language == "hi" else "en"
    missing = [name for name in spec["params"] if name not in values]
    if missing:
        raise ValueError(f"template {spec['name']} needs {', '.join(missing)}")
    return {"name": spec["name"], "language": code, "params": [str(values[name]) for name in spec["params"]]}
