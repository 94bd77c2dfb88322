"""`hw export-links` on a workspace: read labels, batches, thresholds and records; write the exports:
tables and RDF (SKOS with PROV-O), IIIF Web Annotations and Linked Art (publishing.glam)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path

import pandas as pd
from rdflib import Graph

from analysis.artifacts import LINK_PROBABILITIES
from annotation.artifacts import LABEL_VALUES, LABELS
from heritage_weaver import atomic
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.spreadsheets import write_csv
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from publishing.artifacts import (
    PUBLISHED_CALIBRATED,
    PUBLISHED_CALIBRATED_CSV,
    PUBLISHED_CALIBRATED_NT,
    PUBLISHED_CSV,
    PUBLISHED_GLAM_INDEX,
    PUBLISHED_IIIF,
    PUBLISHED_JSONLD,
    PUBLISHED_LINKED_ART,
    PUBLISHED_LINKS,
    PUBLISHED_TURTLE,
)
from publishing.calibrated import LEADING as CALIBRATED_LEADING
from publishing.calibrated import CalibratedExport, calibrated_export, write_ntriples
from publishing.glam.export import GlamExport, GlamFolders, GlamLinks, glam_links, staged_glam
from publishing.glam.validate import documents_graph, problems
from publishing.links import LinkTable, link_table
from publishing.rdf import Ids, Provenance, build_graph, serialise
from publishing.uris import record_templates, study_base
from publishing.verdicts import judgements, verdicts
from sampler.artifacts import BATCH, THRESHOLDS, round_batches
from sampler.artifacts.design import study_comparisons, study_models


class ExportError(ValueError):
    """The export cannot run; the message names the missing or faulty input and the verb that makes it."""


@dataclass(frozen=True)
class Export:
    table: LinkTable
    paths: dict[str, Path]  # format → file written
    triples: int  # in links.ttl and calibrated_links.nt together
    validated: bool  # checked against the SHACL shapes (and conforming)
    glam: GlamExport  # the IIIF pages and Linked Art documents, one of each per record with links
    calibrated: CalibratedExport | None = None  # with `precision`: the links published by calibration


def export_links(
    ws: Workspace, validate: bool = False, precision: float | None = None, progress: Progress = SILENT
) -> Export:
    """Write publishing/links.{csv,parquet,ttl,jsonld}, calibrated_links.{csv,parquet,nt}, the IIIF pages
    (publishing/iiif/), the Linked Art documents (publishing/linked_art/) and their index
    (glam_records.csv); note them in the manifest.

    With `validate`, the RDF is first checked against the SHACL shapes; if it does not conform,
    nothing is written and the error carries pyshacl's report. The IIIF and Linked Art documents
    are then checked, offline, for what their specifications require and against the shapes
    (publishing.glam.validate); a failure leaves every file as it was. With `precision` (which must be
    `[publishing] target_precision`, the target `hw calibrate` chose at), the unjudged links above each
    comparison's publishable threshold fill calibrated_links, whose RDF (publishing.calibrated.rdf) is
    written and checked a part at a time, each part beside the verified graph it refers to; without
    it those files are empty. links.ttl and links.jsonld hold the verified links either way.
    """
    config = ws.config
    unknown = sorted(set(config.publishing.relations) - set(LABEL_VALUES))
    if unknown:
        raise ExportError(f"publishing.relations names unknown label(s) {unknown}; the labels are {list(LABEL_VALUES)}")
    labels = LABELS.read(ws)
    judged = judgements(labels)
    decided = verdicts(labels, judged)
    if decided.empty:
        raise ExportError(
            f"{LABELS.path} holds no labelled annotation yet (curators label in Label Studio; then run `hw pull`)"
        )
    batches = [batch.artifact for batch in round_batches(ws)]
    if not batches:
        raise ExportError(BATCH.missing_message())
    pairs = pd.concat([batch.read(ws) for batch in batches], ignore_index=True)
    pairs = pairs.drop(columns=["annotator", "position"], errors="ignore").drop_duplicates("pair_id")
    thresholds = THRESHOLDS.read(
        ws, columns=["model", "comparison", "rule", "threshold", "percentile", "mode", "top_k", "direction"]
    )
    table = link_table(
        config.study.name,
        decided,
        judged,
        pairs,
        thresholds,
        record_templates(config),
        dict(config.publishing.relations),
    )
    provenance = Provenance(
        study=config.study.name,
        base=study_base(config),
        models={name: config.models[name] for name in study_models(ws)},
        comparisons={c.name: (c.modality_a, c.modality_b, c.aggregation) for c in study_comparisons(ws)},
        thresholds=thresholds,
        sampled_at=_written_at(ws, THRESHOLDS.path),
    )
    graph = build_graph(table.links, judged, provenance)
    calibrated = None
    if precision is not None:
        try:
            calibrated = calibrated_export(
                ws,
                precision,
                set(decided["pair_id"]),
                thresholds,
                _written_at(ws, LINK_PROBABILITIES.path),
            )
        except ValueError as error:
            raise ExportError(str(error)) from error
    if validate:
        conforms, report = validate_graph(graph)
        if not conforms:
            raise ExportError(f"the RDF does not conform to {shapes_path().name}; nothing was written:\n{report}")
    # the calibrated parts are checked beside the study's own nodes only: the verified links were checked above
    check = _conforms_beside(build_graph(table.links.iloc[:0], judged.iloc[:0], provenance)) if validate else None
    glam = _glam_links(ws, table, judged, calibrated, provenance)
    folders = GlamFolders(PUBLISHED_IIIF.location(ws), PUBLISHED_LINKED_ART.location(ws))
    advance = progress.task("IIIF and Linked Art documents", len(glam.by_record), "records")
    with staged_glam(
        folders, glam, provenance.models, Ids(provenance.base), _check_glam if validate else None, advance
    ) as written:
        calibrated_triples = _write_calibrated_rdf(ws, calibrated, provenance, check, progress)
    inputs = [LABELS, THRESHOLDS, RECORDS, *batches, *(calibrated.inputs if calibrated else ())]
    triples = len(graph) + calibrated_triples
    details = {"links": len(table.links), "triples": triples, "precision": precision}
    write_csv(table.links, PUBLISHED_CSV.location(ws))
    for artifact, name in ((PUBLISHED_TURTLE, "turtle"), (PUBLISHED_JSONLD, "json-ld")):
        atomic.write_text(artifact.location(ws), serialise(graph, name))
    for artifact in (PUBLISHED_CSV, PUBLISHED_TURTLE, PUBLISHED_JSONLD):
        artifact.record(ws, inputs, **details)
    PUBLISHED_LINKS.write(ws, table.links, inputs, **details)
    rows = calibrated.links if calibrated else pd.DataFrame(columns=list(CALIBRATED_LEADING))
    write_csv(rows, PUBLISHED_CALIBRATED_CSV.location(ws))
    PUBLISHED_CALIBRATED_CSV.record(ws, inputs, **details)
    PUBLISHED_CALIBRATED_NT.record(ws, inputs, **details)
    PUBLISHED_CALIBRATED.write(ws, rows, inputs, **details)
    write_csv(written.index, PUBLISHED_GLAM_INDEX.location(ws))
    for artifact in (PUBLISHED_IIIF, PUBLISHED_LINKED_ART, PUBLISHED_GLAM_INDEX):
        artifact.record(ws, inputs, **details)
    paths = {
        name: a.location(ws)
        for name, a in (
            ("csv", PUBLISHED_CSV),
            ("parquet", PUBLISHED_LINKS),
            ("turtle", PUBLISHED_TURTLE),
            ("json-ld", PUBLISHED_JSONLD),
            ("calibrated csv", PUBLISHED_CALIBRATED_CSV),
            ("calibrated parquet", PUBLISHED_CALIBRATED),
            ("calibrated n-triples", PUBLISHED_CALIBRATED_NT),
            ("iiif annotation pages", PUBLISHED_IIIF),
            ("linked art documents", PUBLISHED_LINKED_ART),
            ("iiif and linked art index", PUBLISHED_GLAM_INDEX),
        )
    }
    return Export(table, paths, triples, validate, written, calibrated)


def _glam_links(
    ws: Workspace, table: LinkTable, judged: pd.DataFrame, calibrated: CalibratedExport | None, provenance: Provenance
) -> GlamLinks:
    calibrated_links = calibrated.links if calibrated else None
    calibrated_at = calibrated.calibration.calibrated_at if calibrated else None
    return glam_links(ws, table.links, judged, calibrated_links, calibrated_at, Ids(provenance.base))


def _check_glam(documents: list[dict]) -> None:
    """ExportError naming what IIIF or Linked Art documents lack, or with pyshacl's report on their RDF."""
    lacking = [f"{document.get('id')}: {problem}" for document in documents for problem in problems(document)]
    if lacking:
        raise ExportError(
            "the IIIF or Linked Art documents are incomplete; nothing was written:\n" + "\n".join(lacking)
        )
    conforms, report = validate_graph(documents_graph(documents))
    if not conforms:
        raise ExportError(
            f"the IIIF or Linked Art RDF does not conform to {shapes_path().name}; nothing was written:\n{report}"
        )


def _write_calibrated_rdf(
    ws: Workspace,
    calibrated: CalibratedExport | None,
    provenance: Provenance,
    check: Callable[[Graph], None] | None,
    progress: Progress,
) -> int:
    """Write calibrated_links.nt (empty without `calibrated`), each part `check`ed first, and return its
    triples; when a check raises, the file is left as it was."""
    with atomic.atomic_path(PUBLISHED_CALIBRATED_NT.location(ws)) as temporary, temporary.open("w") as out:
        if calibrated is None:
            return 0
        advance = progress.task("calibrated links as RDF", len(calibrated.links), "links")
        return write_ntriples(out, calibrated.calibration, calibrated.links, provenance, check, advance)


def _conforms_beside(study: Graph) -> Callable[[Graph], None]:
    """A check of a calibrated part against the shapes beside `study` (the study, sampling, models and
    comparisons its links refer to); ExportError with pyshacl's report when it does not conform."""

    def check(part: Graph) -> None:
        conforms, report = validate_graph(study + part)
        if not conforms:
            raise ExportError(f"the calibrated links' RDF does not conform to {shapes_path().name}:\n{report}")

    return check


def shapes_path() -> Path:
    return Path(str(files("publishing") / "shapes.ttl"))


def validate_graph(graph: Graph) -> tuple[bool, str]:
    """(conforms, report text) of `graph` against the package's SHACL shapes."""
    from pyshacl import validate

    shapes = Graph().parse(shapes_path(), format="turtle")
    conforms, _, text = validate(graph, shacl_graph=shapes, inference="none")
    return bool(conforms), str(text)


def _written_at(ws: Workspace, relative: str) -> datetime | None:
    entry = ws.manifest().get(relative)
    return datetime.fromisoformat(entry["time"]) if entry and entry.get("time") else None
