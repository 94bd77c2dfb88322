"""Dependencies point one way: the CLI on top, then the web page (which serves what the stages
made), the stage packages, and the core at the bottom; no stage reaches into another, and no
module imports itself back through a cycle.

Every import counts, including those inside functions (they are still dependencies)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]
CORE = "heritage_weaver"
STAGES = ("embeddings", "training", "sampler", "annotation", "analysis", "prediction", "publishing")
APPS = ("web",)  # no stage of its own: it serves the stages' artifacts through their public functions
CLI = "hw_cli"
PACKAGES = (CORE, *STAGES, *APPS, CLI)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """Module → module edges between the project's own packages."""
    modules = {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0
                else []
            )
            for target in targets:
                if target.split(".")[0] not in PACKAGES:
                    continue
                imported = [f"{target}.{alias.name}" for alias in getattr(node, "names", [])]
                found = next((m for m in imported if m in modules), target)
                while found not in modules and "." in found:
                    found = found.rsplit(".", 1)[0]
                graph.add_edge(name, found)
    return graph


def _package(module: str) -> str:
    return module.split(".")[0]


def test_the_core_imports_no_stage_and_not_the_cli():
    upward = [(a, b) for a, b in import_graph().edges if _package(a) == CORE and _package(b) != CORE]
    assert not upward


def test_stages_import_only_the_core_and_themselves():
    crossing = [
        (a, b) for a, b in import_graph().edges if _package(a) in STAGES and _package(b) not in (CORE, _package(a))
    ]
    assert not crossing


def test_apps_import_no_cli():
    assert not [(a, b) for a, b in import_graph().edges if _package(a) in APPS and _package(b) == CLI]


def test_no_import_cycles():
    graph = import_graph()
    graph.remove_edges_from([(a, b) for a, b in graph.edges if b == _package(a)])  # a package's __init__
    assert list(nx.simple_cycles(graph)) == []


def test_only_the_cli_prints():
    printing = [(a, b) for a, b in import_graph().edges if _package(a) != CLI and b == f"{CLI}.console"]
    assert not printing
    for package in (CORE, *STAGES, *APPS):
        for path in (ROOT / package).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            imported = {
                alias.name.split(".")[0]
                for node in ast.walk(tree)
                if isinstance(node, ast.Import)
                for alias in node.names
            }
            imported |= {
                node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
            }
            assert not imported & {"rich", "typer"}, f"{path.relative_to(ROOT)} imports terminal output"
