"""The apps' dependencies point one way, read from the source (every import, function-local ones
included), so the rule is kept by a test rather than remembered.

Layers, lowest first: ``quaysite`` (settings, config, shared web and API plumbing) <- ``orgs``
(identity) <- ``registry`` (the core) <- the feature apps <- ``notifications``, which listens to
the core and every feature through their hooks and which nothing imports. A module imports from
its own app or from a lower layer only; ``registry/storage/`` knows bytes and paths and imports
nothing else of ``registry``. One exception: under ``if TYPE_CHECKING:`` a module may name a higher layer's
``models`` for its annotations, as its string foreign keys ("registry.Repository") already do;
nothing of that layer runs.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAYERS = [
    "quaysite",
    "orgs",
    "registry",
    "quota",
    "pruning",
    "mirroring",
    "builds",
    "secscan",
    "notifications",
]
FEATURES = set(LAYERS[3:-1])


def _type_only_model_imports(tree: ast.Module) -> set[int]:
    """Lines of ``from <app>.models import ...`` inside ``if TYPE_CHECKING:`` blocks."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for inner in node.body:
                if isinstance(inner, ast.ImportFrom) and (inner.module or "").endswith(".models"):
                    lines.add(inner.lineno)
    return lines


def _imports(path: Path) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(), filename=str(path))
    type_only = _type_only_model_imports(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in type_only:
            continue
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
    return found


def _sources() -> list[tuple[str, Path]]:
    return [
        (app, path)
        for app in LAYERS
        if (ROOT / app).is_dir()
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def _allowed(app: str, path: Path, module: str) -> bool:
    target = module.split(".")[0]
    if target not in LAYERS or target == app and "storage" not in path.relative_to(ROOT).parts[1:2]:
        return True
    if target == app:
        # Inside registry/storage/: only the storage package itself.
        return module == "registry.storage" or module.startswith("registry.storage.")
    if app in FEATURES and target in FEATURES:
        return False
    return LAYERS.index(target) < LAYERS.index(app)


def test_every_import_points_to_the_same_app_or_a_lower_layer():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for app, path in _sources()
        for line, module in _imports(path)
        if not _allowed(app, path, module)
    ]
    assert wrong == [], "\n".join(wrong)


def test_the_rule_sees_an_edge_against_it(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from registry.models import Repository\n    from registry.v2 import http\n"
        "def f():\n    from registry.models import Repository\n"
    )
    assert _imports(module) == [(1, "typing"), (4, "registry.v2"), (6, "registry.models")]
    assert not _allowed("orgs", ROOT / "orgs" / "selectors.py", "registry.models")
    assert not _allowed("registry", ROOT / "registry" / "storage" / "s3.py", "registry.digests")
    assert _allowed("registry", ROOT / "registry" / "storage" / "s3.py", "registry.storage.paths")
    assert _allowed("registry", ROOT / "registry" / "services" / "gc.py", "orgs.models")
    assert not _allowed("quaysite", ROOT / "quaysite" / "views.py", "registry.v2.http")
    assert _allowed("notifications", ROOT / "notifications" / "listeners.py", "quota.hooks")
    assert not _allowed("quota", ROOT / "quota" / "enforcement.py", "notifications.events")
