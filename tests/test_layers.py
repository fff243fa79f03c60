"""Imports between the apps run one way: common ← members ← community ← chats ← archive ←
demo, with config on top. An app may import its own modules and any app below it, never
one above: that is what keeps each app readable, testable and movable on its own.

Every import counts, including those inside functions and under TYPE_CHECKING: a lazy
import is still a dependency, only a hidden one.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["common", "members", "community", "chats", "archive", "demo", "config"]


def _imported_modules(tree: ast.Module, package: str) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: inside the importing app by construction
                found.append((node.lineno, package))
            elif node.module:
                found.append((node.lineno, node.module))
    return found


def layer_violations(root: Path, layers: list[str]) -> list[str]:
    """Every import, in every module of every layer, of a layer above the importer's."""
    rank = {app: index for index, app in enumerate(layers)}
    violations = []
    for app in layers:
        for path in sorted((root / app).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for line, module in _imported_modules(tree, app):
                target = module.split(".")[0]
                if rank.get(target, -1) > rank[app]:
                    where = path.relative_to(root)
                    violations.append(f"{where}:{line} imports {module} ({app} → {target})")
    return violations


def test_it_finds_no_import_against_the_layer_order() -> None:
    assert layer_violations(ROOT, LAYERS) == []


def test_it_places_every_app_of_the_project_in_a_layer() -> None:
    # A new app must say where it stands, or the check above would never look at it.
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} | {"config"}
    assert apps == set(LAYERS)


@pytest.mark.parametrize(
    ("source", "reported"),
    [
        ("from archive.models import Post\n", True),
        ("def f():\n    from archive import tasks\n", True),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import archive.models\n", True),
        ("from community.models import Community\n", False),
        ("from . import models\n", False),
        ("import django\n", False),
    ],
)
def test_it_reports_an_upward_import_wherever_it_hides(
    tmp_path: Path, source: str, reported: bool
) -> None:
    for app in ("community", "chats", "archive"):
        (tmp_path / app).mkdir()
    (tmp_path / "chats" / "views.py").write_text(source)

    violations = layer_violations(tmp_path, ["community", "chats", "archive"])

    assert bool(violations) is reported, violations
