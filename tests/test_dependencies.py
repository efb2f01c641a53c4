"""What app/ imports is declared, bounded above, and pinned by the lock files."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# A requirement's name, then optional [extras], then its specifiers (PEP 508, no markers here).
REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)")


def normalized(name: str) -> str:
    """PEP 503's form of a distribution name: "PyJWT" and "pyjwt", "a_b" and "a-b" agree."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared() -> tuple[dict[str, str], dict[str, str]]:
    """pyproject's requirements, name to specifiers: the runtime ones, and the dev extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]

    def parse(requirements: list[str]) -> dict[str, str]:
        parsed = {}
        for requirement in requirements:
            match = REQUIREMENT.match(requirement)
            assert match, requirement
            parsed[normalized(match[1])] = match[2]
        return parsed

    return parse(project["dependencies"]), parse(project["optional-dependencies"]["dev"])


def pins(lock: str) -> dict[str, str]:
    found = {}
    for line in (ROOT / lock).read_text().splitlines():
        match = PIN.match(line)
        if match:
            found[normalized(match[1])] = match[2]
    return found


def imported_modules() -> dict[str, set[str]]:
    """Top-level modules that app/ imports from outside itself and the standard library."""
    modules: dict[str, set[str]] = {}
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.partition(".")[0]
                if top != "app" and top not in sys.stdlib_module_names:
                    modules.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return modules


def test_every_package_app_imports_is_a_declared_dependency() -> None:
    runtime, _ = declared()
    distributions = packages_distributions()
    undeclared = {}
    for module, paths in imported_modules().items():
        names = {normalized(name) for name in distributions.get(module, [])}
        if not names & runtime.keys():
            undeclared[module] = (sorted(names) or "no installed distribution", sorted(paths))
    assert not undeclared, f"imported by app/ but not in [project.dependencies]: {undeclared}"


def test_every_dependency_has_an_upper_bound() -> None:
    runtime, dev = declared()
    unbounded = [
        f"{name} {specifiers}".strip()
        for name, specifiers in {**runtime, **dev}.items()
        if not re.search(r"(<|==|~=)", specifiers)
    ]
    assert not unbounded, f"no upper bound: {unbounded}"


def test_the_lock_files_pin_every_declared_dependency_alike() -> None:
    runtime, dev = declared()
    served, developed = pins("requirements.lock"), pins("requirements-dev.lock")
    # A dependency added to pyproject.toml without regenerating the locks fails here.
    assert runtime.keys() <= served.keys(), runtime.keys() - served.keys()
    assert (runtime.keys() | dev.keys()) <= developed.keys()
    # The server runs what the suite tested: every runtime pin the same in both files.
    differ = {name: (version, developed.get(name)) for name, version in served.items()}
    assert {k: v for k, v in differ.items() if v[0] != v[1]} == {}


def setup_commands() -> list[str]:
    """The shell commands of the README's "Set up" section, in order."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.DOTALL)


def test_the_readme_installs_from_the_locks_and_ci_runs_its_test_command_word_for_word() -> None:
    serve, suite = setup_commands()[:2]
    assert "-r requirements.lock " in serve and serve.endswith("debt-api serve")
    assert "-r requirements-dev.lock " in suite and suite.endswith("-m pytest")
    assert suite in (ROOT / ".ci" / "run").read_text().splitlines()
