from __future__ import annotations

from pathlib import Path

from tests.architecture.layers import check_tree

ROOT = Path(__file__).resolve().parents[2]


def test_no_import_points_the_wrong_way_between_layers() -> None:
    violations = check_tree(ROOT)
    assert not violations, "\n".join(map(str, violations))


def test_the_checker_catches_an_upward_import(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "bad.py").write_text("from api.app import create_app\n")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "fine.py").write_text("import domain.models\n")
    violations = check_tree(tmp_path)
    assert [(str(v.path), v.importer, v.imported) for v in violations] == [("domain/bad.py", "domain", "api.app")]


def test_the_checker_keeps_frameworks_out_of_the_domain(tmp_path: Path) -> None:
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "web.py").write_text("import httpx\nfrom fastapi import FastAPI\nimport sqlalchemy\n")
    assert [v.imported for v in check_tree(tmp_path)] == ["httpx", "fastapi"]


def test_api_may_not_import_the_composition_root(tmp_path: Path) -> None:
    (tmp_path / "api").mkdir()
    (tmp_path / "api" / "x.py").write_text("def f():\n    from cazo.settings import Settings\n")
    assert [v.imported for v in check_tree(tmp_path)] == ["cazo.settings"]
