"""The dependency rules of ../shared/STYLE.md, as data, and a checker that walks every import in the tree."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ("domain", "tools", "serving", "prompts", "agents", "graphs", "integrations", "evals", "migrations",
            "api", "cazo")

# Which of our packages each package may import (itself always allowed). Dependencies point down the picture.
ALLOWED: dict[str, frozenset[str]] = {
    "domain": frozenset(),
    "prompts": frozenset(),
    "serving": frozenset({"prompts"}),
    "tools": frozenset({"domain"}),
    "agents": frozenset({"tools", "prompts", "serving", "domain"}),
    "graphs": frozenset({"agents", "tools", "prompts", "serving", "domain"}),
    "integrations": frozenset({"domain", "tools", "serving"}),
    "evals": frozenset({"graphs", "agents", "tools", "prompts", "serving", "domain", "integrations"}),
    "migrations": frozenset({"domain"}),
    "api": frozenset({"graphs", "agents", "tools", "prompts", "serving", "domain", "integrations"}),
    "cazo": frozenset(PACKAGES),
}

# Frameworks the core must never see.
FORBIDDEN_THIRD_PARTY: dict[str, frozenset[str]] = {
    "domain": frozenset({"fastapi", "starlette", "langgraph", "langchain", "langchain_core", "openai", "httpx",
                         "uvicorn", "typer", "rich", "redis", "fakeredis", "razorpay"}),
    "tools": frozenset({"fastapi", "starlette", "uvicorn", "typer"}),
}


@dataclass(frozen=True)
class Violation:
    path: Path
    line: int
    importer: str
    imported: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.importer} must not import {self.imported}"


def _imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def check_tree(root: Path) -> list[Violation]:
    """Every import in every package under ``root`` that breaks a rule above."""
    violations: list[Violation] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")) if (root / package).is_dir() else []:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for line, module in _imported_modules(tree):
                top = module.split(".")[0]
                if top in PACKAGES and top != package and top not in ALLOWED[package]:
                    violations.append(Violation(path.relative_to(root), line, package, module))
                elif top in FORBIDDEN_THIRD_PARTY.get(package, frozenset()):
                    violations.append(Violation(path.relative_to(root), line, package, module))
    return violations
