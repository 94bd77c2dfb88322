"""`hw export-links` on a workspace: read labels, batches and thresholds; write the four exports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pyarrow as pa
from rdflib import Graph

from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace
from publishing.artifacts import (
    BATCH_COLUMNS,
    BATCHES,
    CONFIG_SECTIONS,
    LABEL_COLUMNS,
    LABEL_VALUES,
    LABELS,
    OUTPUTS,
    THRESHOLD_COLUMNS,
    THRESHOLDS,
)
from publishing.links import LinkTable, link_table
from publishing.rdf import Provenance, build_graph, serialise
from publishing.uris import record_templates, study_base
from publishing.verdicts import judgements, verdicts


class ExportError(ValueError):
    """The export cannot run; the message names the missing or faulty input and the verb that makes it."""


@dataclass(frozen=True)
class Export:
    table: LinkTable
    paths: dict[str, Path]  # format → file written
    triples: int
    validated: bool  # checked against the SHACL shapes (and conforming)


def export_links(ws: Workspace, validate: bool = False) -> Export:
    """Write publishing/links.{csv,parquet,ttl,jsonld} and note them in the manifest.

    With `validate`, the graph is first checked against the SHACL shapes; if it does not conform,
    nothing is written and the error carries pyshacl's report.
    """
    config = ws.config
    unknown = sorted(set(config.publishing.relations) - set(LABEL_VALUES))
    if unknown:
        raise ExportError(f"publishing.relations names unknown label(s) {unknown}; the labels are {list(LABEL_VALUES)}")
    labels = _read(ws, LABELS, LABEL_COLUMNS, "hw pull")
    judged = judgements(labels)
    decided = verdicts(labels, judged)
    if decided.empty:
        raise ExportError(f"{LABELS} holds no labelled annotation yet (curators label in Label Studio; then run `hw pull`)")
    batch_files = sorted(ws.path(BATCHES).glob("*.parquet"))
    if not batch_files:
        raise ExportError(f"{BATCHES}/*.parquet is missing (run `hw sample` first)")
    pairs = pd.concat([_read(ws, ws.relative(p), BATCH_COLUMNS, "hw sample") for p in batch_files], ignore_index=True)
    pairs = pairs.drop(columns=["annotator", "position"], errors="ignore").drop_duplicates("pair_id")
    thresholds = _read(ws, THRESHOLDS, THRESHOLD_COLUMNS, "hw sample")
    table = link_table(config.study.name, decided, judged, pairs, thresholds, record_templates(config),
                       dict(config.publishing.relations))
    provenance = Provenance(
        study=config.study.name, base=study_base(config), models=dict(config.models),
        comparisons={c.name: (c.modality_a, c.modality_b, c.aggregation) for c in config.comparisons},
        thresholds=thresholds, sampled_at=_written_at(ws, THRESHOLDS),
    )
    graph = build_graph(table.links, judged, provenance)
    if validate:
        conforms, report = validate_graph(graph)
        if not conforms:
            raise ExportError(f"the RDF does not conform to {shapes_path().name}; nothing was written:\n{report}")
    paths = {name: ws.path(relative) for name, relative in OUTPUTS.items()}
    atomic.write_table(paths["parquet"], table.links)
    with atomic.atomic_path(paths["csv"]) as temporary:
        table.links.to_csv(temporary, index=False)
    for name in ("turtle", "json-ld"):
        atomic.write_text(paths[name], serialise(graph, name))
    inputs = [LABELS, THRESHOLDS, *batch_files]
    for path in paths.values():
        ws.record(path, "export-links", inputs=inputs, config_sections=CONFIG_SECTIONS, links=len(table.links),
                  triples=len(graph))
    return Export(table, paths, len(graph), validate)


def shapes_path() -> Path:
    return Path(str(files("publishing") / "shapes.ttl"))


def validate_graph(graph: Graph) -> tuple[bool, str]:
    """(conforms, report text) of `graph` against the package's SHACL shapes."""
    from pyshacl import validate

    shapes = Graph().parse(shapes_path(), format="turtle")
    conforms, _, text = validate(graph, shacl_graph=shapes, inference="none")
    return bool(conforms), str(text)


def _read(ws: Workspace, relative: str, required: Iterable[str], made_by: str) -> pd.DataFrame:
    path = ws.path(relative)
    if not path.is_file():
        raise ExportError(f"{relative} is missing (run `{made_by}` first)")
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as error:
        raise ExportError(f"{relative} cannot be read as Parquet: {error}") from None
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise ExportError(f"{relative} lacks the column(s) {missing}")
    return frame


def _written_at(ws: Workspace, relative: str) -> datetime | None:
    entry = ws.manifest().get(relative)
    return datetime.fromisoformat(entry["time"]) if entry and entry.get("time") else None
