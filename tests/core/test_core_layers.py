"""Dependencies point one way. The floors, bottom up: the museum formats (a library that knows
nothing of studies), the core, the stages' artifact declarations (each stage package's `artifacts`
module or package: the files it writes and how to read them, the one part of a stage others may
import), the stage packages, the web page (which serves what the stages made), and the demo and
the CLI on top. No stage reaches into another but through its artifacts, no stage imports the
demo, and no module imports itself back through a cycle.

Every import counts, including those inside functions (they are still dependencies)."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]
FORMATS = "museum_formats"
CORE = "heritage_weaver"
STAGES = ("ingest", "embeddings", "training", "sampler", "annotation", "analysis", "prediction", "publishing")
APPS = ("web",)  # no stage of its own: it serves the stages' artifacts through their public functions
DEMO = "demo"
CLI = "hw_cli"
PACKAGES = (FORMATS, CORE, *STAGES, *APPS, DEMO, CLI)


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


def _is_artifacts(module: str) -> bool:
    """A stage's artifact declarations: `<stage>.artifacts` and the modules of that package."""
    parts = module.split(".")
    return parts[0] in STAGES + (DEMO,) and len(parts) > 1 and parts[1] == "artifacts"


def test_the_museum_formats_import_nothing_of_the_platform():
    assert not [(a, b) for a, b in import_graph().edges if _package(a) == FORMATS and _package(b) != FORMATS]


def test_the_core_imports_only_itself_and_the_museum_formats():
    upward = [(a, b) for a, b in import_graph().edges if _package(a) == CORE and _package(b) not in (CORE, FORMATS)]
    assert not upward


def test_artifact_declarations_import_only_the_floors_below_and_other_declarations():
    reaching = [
        (a, b)
        for a, b in import_graph().edges
        if _is_artifacts(a) and _package(b) not in (CORE, FORMATS) and not _is_artifacts(b)
    ]
    assert not reaching


def test_stages_import_the_floors_below_themselves_and_other_stages_artifacts_only():
    crossing = [
        (a, b)
        for a, b in import_graph().edges
        if _package(a) in STAGES and _package(b) not in (FORMATS, CORE, _package(a)) and not _is_artifacts(b)
    ]
    assert not crossing


def test_apps_import_no_demo_and_no_cli():
    assert not [(a, b) for a, b in import_graph().edges if _package(a) in APPS and _package(b) in (DEMO, CLI)]


def test_only_the_cli_imports_the_demo():
    importing = [(a, b) for a, b in import_graph().edges if _package(b) == DEMO and _package(a) not in (DEMO, CLI)]
    assert not importing


def test_no_import_cycles():
    graph = import_graph()
    graph.remove_edges_from([(a, b) for a, b in graph.edges if b == _package(a)])  # a package's __init__
    assert list(nx.simple_cycles(graph)) == []


def test_only_the_cli_prints():
    printing = [(a, b) for a, b in import_graph().edges if _package(a) != CLI and b == f"{CLI}.console"]
    assert not printing
    for package in (FORMATS, CORE, *STAGES, *APPS, DEMO):
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


def test_no_package_imports_one_that_imports_it_back():
    """Read package by package (a stage's artifacts counted with its stage), the imports still form no
    circle: a stage that reads a later stage's results has them handed in from above (the sampler's
    later rounds get the analysis tables from the CLI), so every package sits on one floor."""
    packages = nx.DiGraph()
    packages.add_edges_from((_package(a), _package(b)) for a, b in import_graph().edges if _package(a) != _package(b))
    assert list(nx.simple_cycles(packages)) == []
