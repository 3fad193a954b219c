"""The layers of the project: models ← matcher ← api, and no import circles.

Every import statement of matcher/, models/ and api/ counts, also those inside
functions and under ``TYPE_CHECKING``: a deferred import is still a dependency,
only a later one.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("models", "matcher", "api")
# What each layer may not import (models is the base; the engine knows nothing of the service).
FORBIDDEN = {"models": ("matcher", "api"), "matcher": ("api",), "api": ()}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path
            for layer in LAYERS for path in sorted((ROOT / layer).rglob("*.py"))}


def imported_modules(module: str, path: Path, modules: set[str]) -> list[tuple[str, int]]:
    """The project modules the import statements of ``path`` load, with their line:
    ``from a import b`` loads ``a.b`` when that is a module, else ``a``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, int]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found += [(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base,
                       node.lineno) for alias in node.names]
    return [(name, line) for name, line in found if name in modules and name != module]


def import_graph() -> nx.DiGraph:
    """Project module → the project modules it imports (the edge keeps the line)."""
    modules = project_modules()
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for module, path in modules.items():
        for name, line in imported_modules(module, path, set(modules)):
            graph.add_edge(module, name, line=line)
    return graph


GRAPH = import_graph()


def test_the_walk_sees_the_project() -> None:
    """The walk finds known imports, including one inside a function."""
    assert GRAPH.has_edge("matcher.cli.common", "matcher.io")
    assert GRAPH.has_edge("matcher.cli.generate", "matcher.io.workbook")  # inside a function
    assert GRAPH.has_edge("api.cli", "matcher.cli.common")


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_nothing_above_it(layer: str) -> None:
    breaks = [f"{module} imports {target} (line {GRAPH.edges[module, target]['line']})"
              for module, target in GRAPH.edges
              if module.split(".")[0] == layer and target.split(".")[0] in FORBIDDEN[layer]]
    assert not breaks, "\n".join(breaks)


def test_no_import_circles() -> None:
    circles = []
    for component in nx.strongly_connected_components(GRAPH):
        if len(component) > 1:
            cycle = nx.find_cycle(GRAPH.subgraph(component))
            circles.append(" → ".join(
                f"{a} (line {GRAPH.edges[a, b]['line']})" for a, b in cycle)
                + f" → {cycle[0][0]}")
    assert not circles, "import circles:\n" + "\n".join(sorted(circles))
