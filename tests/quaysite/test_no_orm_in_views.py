"""No view runs a query of its own: reads live in the apps' ``selectors``, writes in their
``services``, and a view parses, checks access, calls them and renders. Read from the source
(AST), so the rule is kept by a test rather than remembered.

The views, by path:
- every module of ``registry/v2/``: the OCI distribution HTTP layer, handlers and the helpers
  they share (scopes, tokens, token checks) alike, so none of them hides a query;
- every module of ``registry/api/``, ``orgs/api/`` and ``quota/api/``: the REST views, and their serializers,
  which count as views (a serializer that queries runs a query per row it renders);
- every module of ``registry/web/`` and ``orgs/web/``: the pages, their forms and helpers;
- ``quaysite/views.py``.

Outside it: the Django admin (``registry/admin.py``, ``orgs/admin.py``). A ModelAdmin is built on
querysets (``get_queryset``, list filters, the selection an action is handed), and those stay;
what it reads beyond them comes from selectors (a mirror robot's choices, the new-user name
check) and its actions go through services with ``request_actor(request)``.

What counts as a query:
- a model's manager: any ``.objects`` attribute;
- a call of a method only querysets and managers have (``filter``, ``select_related``,
  ``order_by``, ``values_list``, ``exists``, ``first``, ``aggregate``...);
- the names plain Python shares, only in the shape a query gives them: ``.all()``,
  ``.count()``, ``.delete()`` without arguments (a list's ``count`` takes one), ``.get(...)``
  and ``.create(...)`` with keyword arguments only (a dict's ``get`` takes its key
  positionally), ``.values(...)`` with arguments, ``.save(update_fields=...)``;
- Django's ``get_object_or_404`` and ``get_list_or_404``;
- any import from ``django.db`` (``Q``, ``F``, ``Sum``, ``connection``, ``transaction``), except
  under ``if TYPE_CHECKING:``, where it only names a type for the annotations.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIEW_PACKAGES = [
    "registry/v2",
    "registry/api",
    "orgs/api",
    "registry/web",
    "orgs/web",
    "quota/api",
    "builds/api",
    "builds/web",
]
VIEW_MODULES = ["quaysite/views.py"]

QUERYSET_METHODS = {
    "aggregate",
    "annotate",
    "bulk_create",
    "bulk_update",
    "defer",
    "distinct",
    "earliest",
    "exclude",
    "exists",
    "extra",
    "filter",
    "first",
    "get_or_create",
    "in_bulk",
    "iterator",
    "last",
    "latest",
    "only",
    "order_by",
    "prefetch_related",
    "raw",
    "refresh_from_db",
    "select_for_update",
    "select_related",
    "union",
    "update_or_create",
    "values_list",
}
NO_ARGUMENT_QUERIES = {"all", "count", "delete"}
KEYWORD_ONLY_QUERIES = {"get", "create"}
SHORTCUT_QUERIES = {"get_object_or_404", "get_list_or_404"}


def view_modules() -> list[Path]:
    modules = [path for package in VIEW_PACKAGES for path in sorted((ROOT / package).glob("*.py"))]
    return modules + [ROOT / module for module in VIEW_MODULES]


def _call_query(call: ast.Call) -> str | None:
    function = call.func
    if isinstance(function, ast.Name) and function.id in SHORTCUT_QUERIES:
        return function.id
    if not isinstance(function, ast.Attribute):
        return None
    name, positional, keywords = function.attr, call.args, call.keywords
    if name in QUERYSET_METHODS:
        return name
    if name in NO_ARGUMENT_QUERIES and not positional and not keywords:
        return name
    if name in KEYWORD_ONLY_QUERIES and keywords and not positional:
        return name
    if name == "values" and (positional or keywords):
        return name
    if name == "save" and any(keyword.arg == "update_fields" for keyword in keywords):
        return name
    return None


def _type_only_imports(tree: ast.Module) -> set[ast.AST]:
    return {
        node
        for block in tree.body
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for node in block.body
        if isinstance(node, ast.Import | ast.ImportFrom)
    }


def queries_in(source: str) -> list[tuple[int, str]]:
    """(line, what) for each query the source runs itself."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(source)
    type_only = _type_only_imports(tree)
    for node in ast.walk(tree):
        if node in type_only:
            continue
        if isinstance(node, ast.Attribute) and node.attr == "objects":
            found.append((node.lineno, ".objects"))
        elif isinstance(node, ast.Call) and (query := _call_query(node)) is not None:
            found.append((node.lineno, f"{query}()"))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[:2] == ["django", "db"]:
            found.append((node.lineno, f"import from {node.module}"))
        elif isinstance(node, ast.Import) and any(alias.name.startswith("django.db") for alias in node.names):
            found.append((node.lineno, "import of django.db"))
    return sorted(found)


def test_no_view_queries_the_database_itself():
    wrong = [
        f"{path.relative_to(ROOT)}:{line} {what}"
        for path in view_modules()
        for line, what in queries_in(path.read_text())
    ]
    assert wrong == [], "move these into a selector (reads) or a service (writes):\n" + "\n".join(wrong)


def test_the_view_set_holds_every_kind_of_view_and_not_the_admin():
    names = {str(path.relative_to(ROOT)) for path in view_modules()}
    expected = {
        "registry/v2/manifests.py",
        "registry/v2/scopes.py",
        "registry/api/permissions.py",
        "registry/api/serializers.py",
        "registry/web/repositories.py",
        "orgs/api/teams.py",
        "orgs/web/accounts.py",
        "quaysite/views.py",
    }
    assert expected <= names
    assert not {"registry/admin.py", "orgs/admin.py"} & names
    assert all(path.is_file() for path in view_modules())


def test_the_checker_finds_a_model_query_written_in_a_view():
    source = (
        "from django.db.models import Q\n"
        "def view(request, name):\n"
        "    repository = Repository.objects.get(name=name)\n"
        "    members = team.members.order_by('username')\n"
        "    grants = repository.permissions.all()\n"
        "    total = grants.count()\n"
        "    token = get_object_or_404(tokens, code=name)\n"
        "    row = rows.get(pk=1)\n"
        "    repository.save(update_fields=['state'])\n"
    )
    assert queries_in(source) == [
        (1, "import from django.db.models"),
        (3, ".objects"),
        (3, "get()"),
        (4, "order_by()"),
        (5, "all()"),
        (6, "count()"),
        (7, "get_object_or_404()"),
        (8, "get()"),
        (9, "save()"),
    ]


def test_the_checker_lets_plain_python_through():
    source = (
        "def view(request):\n"
        "    name = request.GET.get('tag', '')\n"
        "    context.update(tags=rows, search=name)\n"
        "    busiest = max(per_day.values(), default=0)\n"
        "    dashes = name.count('-')\n"
        "    form.save()\n"
    )
    assert queries_in(source) == []


def test_the_checker_lets_type_only_imports_through():
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from django.db.models import QuerySet\n"
        "from django.db import transaction\n"
    )
    assert queries_in(source) == [(4, "import from django.db")]
