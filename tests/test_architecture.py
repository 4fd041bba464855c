"""The import graph keeps the layers of docs/architecture.md: arrows point down, and nothing is a cycle."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("config", "connectors", "reconciliation", "carriers", "worker")

# Most specific prefix first: a module belongs to the first layer whose prefix it starts with.
LAYER_PREFIXES = (
    ("connectors.sandbox.exchange", "exchange sandbox"),
    ("connectors.sandbox", "sandbox"),
    ("connectors.ports", "ports"),
    ("connectors.errors", "ports"),
    ("connectors", "connectors"),
    ("reconciliation.storage", "plan storage"),
    ("reconciliation", "plan core"),
    ("carriers.storage", "carrier storage"),
    ("carriers", "carrier core"),
    ("worker.service", "service"),
    ("worker.runtime", "runtime"),
    ("worker.demo", "demo"),
    ("worker.console", "operators"),
    ("worker.cli", "operators"),
    ("config", "config"),
)
CORES = {"config", "plan core", "carrier core"}
# The layers each layer may import from (its own included).
MAY_IMPORT: dict[str, set[str]] = {
    "config": {"config"},
    "plan core": {"config", "plan core"},
    "carrier core": {"config", "plan core", "carrier core"},
    "plan storage": CORES | {"plan storage"},
    "carrier storage": CORES | {"plan storage", "carrier storage"},
    "ports": CORES | {"ports"},
    "connectors": CORES | {"ports", "connectors"},
    "exchange sandbox": {"config", "sandbox", "exchange sandbox"},
    "sandbox": {"config", "plan core", "sandbox", "exchange sandbox"},
    "service": CORES | {"plan storage", "carrier storage", "ports", "service"},
    "runtime": CORES | {"plan storage", "carrier storage", "ports", "connectors", "service", "runtime"},
    "demo": CORES | {"plan storage", "carrier storage", "ports", "connectors", "sandbox", "exchange sandbox",
                     "service", "runtime", "demo"},
    "operators": CORES | {"plan storage", "carrier storage", "ports", "connectors", "sandbox",
                          "exchange sandbox", "service", "runtime", "demo", "operators"},
}


def layer_of(module: str) -> str:
    for prefix, layer in LAYER_PREFIXES:
        if module == prefix or module.startswith(prefix + "."):
            return layer
    raise AssertionError(f"{module} belongs to no layer: add its folder to LAYER_PREFIXES and to "
                         "docs/architecture.md")


def project_modules() -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            modules[name] = path
    return modules


def imported_modules(path: Path, known: dict[str, Path]) -> Iterator[str]:
    """Every project module `path` imports, wherever the import stands (functions, TYPE_CHECKING too)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            candidates = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for candidate in candidates:
            if candidate in known:
                yield candidate
                break


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: set(imported_modules(path, modules)) - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_every_import_points_down_the_layers() -> None:
    wrong = sorted(
        f"{module} ({layer_of(module)}) imports {target} ({layer_of(target)})"
        for module, targets in import_graph().items()
        for target in targets
        if layer_of(target) not in MAY_IMPORT[layer_of(module)]
    )
    assert not wrong, "imports against the layers of docs/architecture.md:\n" + "\n".join(wrong)


def test_there_is_no_import_cycle() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(component) for component in found)


def test_nothing_outside_the_operators_surfaces_imports_them() -> None:
    outside = sorted(
        f"{path.relative_to(ROOT)} imports {target}"
        for base in ("bench",)
        for path in (ROOT / base).rglob("*.py")
        for target in imported_modules(path, project_modules())
        if layer_of(target) == "operators"
    )
    assert not outside, "\n".join(outside)


@pytest.mark.parametrize(
    ("graph", "expected"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, []),
        ({"a": {"b"}, "b": {"a"}}, [["a", "b"]]),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}, [["a", "b", "c"]]),
    ],
)
def test_the_cycle_finder_finds_cycles(graph: dict[str, set[str]], expected: list[list[str]]) -> None:
    assert cycles(graph) == expected


def test_the_layer_rules_catch_an_upward_import() -> None:
    assert "operators" not in MAY_IMPORT["service"]
    assert "service" not in MAY_IMPORT["plan core"]
    assert layer_of("worker.cli.app") == "operators"
    assert layer_of("connectors.sandbox.exchange.store") == "exchange sandbox"
