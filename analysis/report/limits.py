"""The report's "What this study could not do": what the collections lacked and what was left out.

It opens the report whenever the study ran without part of its design: images that could not be
fetched or read, stages skipped (and why), models and comparisons left out; it then lists every
empty table of the report with the reason it gives. A study that did everything has no such section.
"""

from __future__ import annotations

from itertools import groupby

import pandas as pd

from analysis.report.parts import Section
from embeddings.artifacts.vectors import ModelStore, embedded_units
from heritage_weaver.artifacts import ArtifactError
from heritage_weaver.stages import skipped_because
from heritage_weaver.workspace import Workspace
from ingest.artifacts import FETCHED, RECORDS
from museum_formats.sources import is_url
from sampler.artifacts.design import left_out


def image_counts(ws: Workspace) -> pd.DataFrame:
    """Per collection: records, records with an image reference, and records with an image the base
    model embedded (an image it could fetch or find, and read)."""
    records = RECORDS.read(ws, columns=["record_id", "collection", "images"])
    with_reference = records[records["images"].map(len) > 0]
    store = ModelStore.of(ws, ws.config.sampling.base_model)
    embedded = pd.DataFrame(columns=["collection", "record_id"])
    if store.units_path.is_file():
        units = store.read_units()
        embedded = embedded_units(store, units[units["modality"] == "image"])
    names = [c.name for c in ws.config.collections]
    return pd.DataFrame(
        {
            "collection": names,
            "records": records.groupby("collection").size().reindex(names, fill_value=0).to_numpy(),
            "with an image reference": with_reference.groupby("collection").size().reindex(names, fill_value=0),
            "with an image the models read": embedded.groupby("collection")["record_id"]
            .nunique()
            .reindex(names, fill_value=0),
        }
    ).reset_index(drop=True)


def fetch_line(ws: Workspace) -> str | None:
    """How many of the records' image URLs were fetched, and what became of the rest (None: there are
    no URLs, or every one was fetched)."""
    records = RECORDS.read(ws, columns=["images"])
    urls = {location for locations in records["images"] for location in locations if is_url(location)}
    if not urls:
        return None
    fetched = FETCHED.read(ws, columns=["location", "status"]) if FETCHED.exists(ws) else None
    statuses = fetched.set_index("location")["status"] if fetched is not None else pd.Series(dtype=str)
    ok = int((statuses.reindex(list(urls)) == "ok").sum())
    failed = int((statuses.reindex(list(urls)) == "failed").sum())
    rest = len(urls) - ok - failed
    if ok == len(urls):
        return None
    parts = [f"{failed} failed (images/fetched.parquet says why)"] * bool(failed)
    parts += [f"{rest} not fetched (their host could not be reached, or `hw fetch-images` has not run)"] * bool(rest)
    return f"Image URLs fetched: {ok} of {len(urls)}" + (f"; {'; '.join(parts)}" if parts else "") + "."


def limits_section(ws: Workspace, sections: list[Section]) -> Section | None:
    """The section, or None when the study lacked nothing: every image URL was fetched, no stage was
    skipped and nothing was left out. Where it is shown, it holds the images per collection and every
    empty table of `sections`, each with its reason."""
    section = Section(
        "limits",
        "What this study could not do",
        "What the collections lacked, and what the study therefore ran without. Each stage below was skipped "
        "by the study's design, not by an error; `hw status` shows the same.",
    )
    try:
        images = image_counts(ws)
        line = fetch_line(ws)
    except ArtifactError:  # no readable records: the manifest section names what is missing
        images, line = None, None
    if line:
        section.findings.append(line)
    for verb in sorted(ws.outcomes()):
        if why := skipped_because(ws, verb):
            section.findings.append(f"`hw {verb}` was skipped: {why}.")
    for (kind, why), items in groupby(left_out(ws), key=lambda item: (item.kind, item.why)):
        names = ", ".join(repr(item.name) for item in items)
        section.findings.append(f"Left out, {kind} {names}: {why}.")
    if not section.findings:
        return None
    if images is not None:
        section.table("Images per collection", images)
    for other in sections:
        for table in other.tables:
            if table.frame.empty:
                section.findings.append(f"{other.title} · {table.caption}: no rows, because {table.empty_reason}.")
    return section
