"""The layout's rules, read from the code's own imports (AST only, nothing imported or run).

contracts  <- rules  <- backbone  <- services (+ services/kernel)  <- workflows' activities and worker
Each arrow is "may be imported by". Workflow code is deterministic and stays apart; a service reaches Temporal
only through its `processes.py`; the local process supervisor (devstack) is for `make run` and the tests.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from backbone.registry import SERVICES

ROOT = Path(__file__).resolve().parents[2]
PROJECT = (
    "backbone",
    "console",
    "contracts",
    "devstack",
    "rules",
    "services",
    "workflows",
    "tests",
    "benchmarks",
    "chaos",
    "deploy",
)
STDLIB = frozenset(sys.stdlib_module_names) | {"__future__"}
MAX_LINES = 500
SERVICE_SKELETON = ("__init__.py", "app.py", "policy.py", "processes.py", "models.py", "migrations/env.py")


@dataclass(frozen=True)
class Import:
    file: Path
    line: int
    module: str
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line} imports {self.module}"


def python_files(*tops: str) -> list[Path]:
    return sorted(
        p
        for top in tops
        for p in (ROOT / top).rglob("*.py")
        if not ({".venv", ".state", "__pycache__"} & set(p.relative_to(ROOT).parts))
    )


def module_of(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> Iterator[Import]:
    """Every import in the file, at any depth (a function's lazy import counts like a top-level one)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = module_of(path).split(".")
                package = base[: len(base) - node.level + (1 if path.name == "__init__.py" else 0)]
                module = ".".join([*package, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names = tuple(a.name for a in node.names)
            yield Import(path, node.lineno, module, names)
            for name in names:  # `from services import training` imports the module services.training
                yield Import(path, node.lineno, f"{module}.{name}", ())


def top(module: str) -> str:
    return module.split(".", 1)[0]


def service_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "services" and parts[1] in SERVICES else None


def test_a_service_never_imports_another_service() -> None:
    wrong = [
        str(i)
        for svc in SERVICES
        for path in python_files(f"services/{svc}")
        for i in imports(path)
        if service_of(i.module) not in (None, svc)
    ]
    assert not wrong, "\n".join(wrong)


def test_the_shared_kernel_of_services_imports_no_service() -> None:
    wrong = [
        str(i) for path in python_files("services/kernel") for i in imports(path) if service_of(i.module)
    ]
    assert not wrong, "\n".join(wrong)


def test_backbone_knows_no_service_and_no_workflow() -> None:
    wrong = [
        str(i)
        for path in python_files("backbone")
        for i in imports(path)
        if top(i.module) in ("services", "workflows")
    ]
    assert not wrong, "\n".join(wrong)


def test_the_console_reaches_services_only_through_their_apis() -> None:
    """The console holds no privilege: it calls the APIs with the person's token, never a service's code, a
    workflow or the local stack."""
    wrong = [
        str(i)
        for path in python_files("console")
        for i in imports(path)
        if top(i.module) in ("services", "workflows", "devstack")
    ]
    assert not wrong, "\n".join(wrong)


def test_contracts_import_nothing_of_the_project() -> None:
    wrong = [
        str(i)
        for path in python_files("contracts")
        for i in imports(path)
        if top(i.module) in PROJECT and top(i.module) != "contracts"
    ]
    assert not wrong, "\n".join(wrong)


def test_rules_are_pure() -> None:
    """No I/O and no framework: the standard library, pydantic types, the contract and other rules."""
    allowed = STDLIB | {"pydantic", "contracts", "rules"}
    wrong = [str(i) for path in python_files("rules") for i in imports(path) if top(i.module) not in allowed]
    assert not wrong, "\n".join(wrong)


def test_production_code_never_imports_the_local_stack() -> None:
    """Only command-line entry points (`__main__.py`) may talk to the local stack the developer runs."""
    wrong = [
        str(i)
        for path in python_files("backbone", "console", "contracts", "rules", "services", "workflows")
        if path.name != "__main__.py"
        for i in imports(path)
        if top(i.module) == "devstack"
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", python_files("workflows"), ids=lambda p: str(p.relative_to(ROOT)))
def test_workflow_code_imports_only_the_deterministic(path: Path) -> None:
    if path.name != "workflow.py":
        return
    allowed = (module_of(path.parent), "rules", "workflows.policies")
    wrong = [
        str(i)
        for i in imports(path)
        if top(i.module) not in STDLIB | {"temporalio"}
        and not any(i.module == a or i.module.startswith(f"{a}.") for a in allowed)
    ]
    assert not wrong, "\n".join(wrong)


def test_only_a_service_door_and_the_worker_import_workflow_classes() -> None:
    doors = {ROOT / "services" / s / "processes.py" for s in SERVICES} | {ROOT / "workflows" / "worker.py"}
    wrong = [
        str(i)
        for path in python_files(
            "backbone", "contracts", "rules", "services", "workflows", "benchmarks", "chaos", "deploy"
        )
        if path not in doors and path.name != "workflow.py"
        for i in imports(path)
        if i.module.startswith("workflows.") and i.module.endswith(".workflow")
    ]
    assert not wrong, "\n".join(wrong)


def test_no_file_outside_the_tests_is_longer_than_500_lines() -> None:
    tops = (
        "backbone",
        "console",
        "contracts",
        "devstack",
        "rules",
        "services",
        "workflows",
        "benchmarks",
        "chaos",
        "deploy",
    )
    long = {
        str(p.relative_to(ROOT)): n
        for p in python_files(*tops)
        if (n := len(p.read_text().splitlines())) > MAX_LINES
    }
    assert not long, long


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_the_same_skeleton(service: str) -> None:
    folder = ROOT / "services" / service
    missing = [f for f in SERVICE_SKELETON if not (folder / f).is_file()]
    assert not missing, f"services/{service} lacks {missing} (see services/README.md)"
    for sub in (p for p in folder.iterdir() if p.is_dir() and p.name not in ("migrations", "__pycache__")):
        files = {p.name for p in sub.glob("*.py")}
        assert "__init__.py" in files, f"{sub.relative_to(ROOT)} is not a package"
        assert files & {"api.py", "service.py", "queries.py"}, (
            f"{sub.relative_to(ROOT)}: no routes, use cases or reads"
        )
