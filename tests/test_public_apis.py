"""app/ uses the libraries of its stack through their public APIs only.

Read with `ast`, every import of app/ from these libraries must name a module of the list
below (the modules their documentation imports from) and a name that module exports: in its
`__all__` when it has one, never a name starting with an underscore; and no attribute with a
leading underscore is read on anything but `self` or `cls`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[1] / "app"
MIGRATIONS = APP / "storage" / "migrations" / "versions"

WATCHED = {
    "strawberry",
    "graphql",
    "sqlalchemy",
    "sqlmodel",
    "starlette",
    "uvicorn",
    "asyncpg",
    "cross_web",
    "alembic",
}

DOCUMENTED_MODULES = {
    # Strawberry: the package, its integrations, extensions and types, the schema config, and
    # the input-building hook (`from_input` with `InputContext` and the type definitions).
    "strawberry",
    "strawberry.asgi",
    "strawberry.exceptions",
    "strawberry.extensions",
    "strawberry.http",
    "strawberry.permission",
    "strawberry.scalars",
    "strawberry.schema",
    "strawberry.schema.config",
    "strawberry.types",
    "strawberry.types.arguments",
    "strawberry.types.base",
    "strawberry.types.enum",
    "strawberry.types.graphql",
    "strawberry.types.scalar",
    # graphql-core: the package and its documented subpackages.
    "graphql",
    "graphql.language",
    "graphql.validation",
    "graphql.error",
    # SQLAlchemy, SQLModel, Alembic.
    "sqlalchemy",
    "sqlalchemy.exc",
    "sqlalchemy.ext.asyncio",
    "sqlalchemy.types",
    "sqlalchemy.dialects",
    "sqlalchemy.dialects.postgresql",
    "sqlalchemy.dialects.sqlite",
    "sqlmodel",
    "sqlmodel.ext.asyncio.session",
    "alembic",
    "alembic.config",
    # Starlette, uvicorn, asyncpg and Strawberry's HTTP layer.
    "starlette.applications",
    "starlette.datastructures",
    "starlette.middleware",
    "starlette.middleware.cors",
    "starlette.requests",
    "starlette.responses",
    "starlette.routing",
    "starlette.staticfiles",
    "starlette.types",
    "starlette.websockets",
    "uvicorn",
    "asyncpg",
    "asyncpg.exceptions",
    "cross_web",
}


def _sources() -> list[Path]:
    return sorted(path for path in APP.rglob("*.py") if MIGRATIONS not in path.parents)


def _problems(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(root)
    problems = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                problems += _module_problems(alias.name, f"{where}:{node.lineno}")
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            located = f"{where}:{node.lineno}"
            refused = _module_problems(node.module, located)
            if not refused and node.module.split(".")[0] in WATCHED:
                refused = _name_problems(node.module, [a.name for a in node.names], located)
            problems += refused
        elif isinstance(node, ast.Attribute) and _private(node.attr) and not _own(node.value):
            problems.append(f"{where}:{node.lineno}: reads {ast.unparse(node)}")
    return problems


def _own(value: ast.expr) -> bool:
    return isinstance(value, ast.Name) and value.id in ("self", "cls")


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _module_problems(module: str, located: str) -> list[str]:
    if module.split(".")[0] not in WATCHED:
        return []
    if any(_private(part) for part in module.split(".")):
        return [f"{located}: imports the private module {module}"]
    if module not in DOCUMENTED_MODULES:
        return [f"{located}: imports {module}, not a documented module"]
    return []


def _name_problems(module: str, names: list[str], located: str) -> list[str]:
    exported = getattr(importlib.import_module(module), "__all__", None)
    problems = []
    for name in names:
        if _private(name):
            problems.append(f"{located}: imports the private name {module}.{name}")
        elif exported is not None and name not in exported and not _is_submodule(module, name):
            problems.append(f"{located}: imports {module}.{name}, which {module} does not export")
    return problems


def _is_submodule(module: str, name: str) -> bool:
    return f"{module}.{name}" in DOCUMENTED_MODULES


def test_app_uses_only_public_names_of_its_libraries() -> None:
    problems = [problem for path in _sources() for problem in _problems(path, APP.parent)]
    assert problems == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from strawberry.schema.schema import validate_document", "not a documented module"),
        ("from graphql.execution.values import get_argument_values", "not a documented module"),
        ("from strawberry.extensions import _private", "private name"),
        ("from sqlalchemy._internal import x", "private module"),
        ("from strawberry.extensions import not_exported", "does not export"),
        ("schema._schema", "reads schema._schema"),
    ],
)
def test_the_scan_finds_each_kind_of_private_use(
    tmp_path: Path, source: str, expected: str
) -> None:
    module = tmp_path / "module.py"
    module.write_text(source + "\n")
    problems = _problems(module, tmp_path)
    assert len(problems) == 1 and expected in problems[0], problems
