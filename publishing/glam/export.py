"""The GLAM files of `hw export-links`, written a record at a time and swapped in whole.

For every record with a published link (verified, and with `--precision` calibrated) it writes the
record's AnnotationPage (publishing.glam.iiif) as `publishing/iiif/<key>.json` and its Linked Art
document (publishing.glam.linked_art) as `publishing/linked_art/<key>.json`, and returns the rows of
the index that says whose files they are. Both folders are filled beside the old ones and swapped
in when the export succeeds, so a reader sees the old export or the new one, never a mix; with a
`check`, the documents are checked `CHECK_EVERY` records at a time as they are written, and a check
that raises leaves the old folders as they were.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from heritage_weaver.workspace import Workspace
from publishing.artifacts import GLAM_INDEX_COLUMNS
from publishing.calibrated.links import calibrated_label
from publishing.glam.iiif import annotation_page, page_key
from publishing.glam.linked_art import linked_art_document
from publishing.glam.links import GlamLink, by_record, calibrated_glam_links, verified_links
from publishing.glam.records import Record, read_records, record_uris
from publishing.rdf import Ids

CHECK_EVERY = 500  # records whose documents are checked together


@dataclass(frozen=True)
class GlamExport:
    index: pd.DataFrame  # one row per record with links (publishing.artifacts GLAM_INDEX_COLUMNS)

    def total(self, column: str) -> int:
        """The sum of an index count (`annotations`, `equivalents`, `related`) over the records."""
        return int(self.index[column].sum())

    @property
    def iiif_targets(self) -> int:
        """Records whose annotations target a IIIF manifest or canvas (not their URI)."""
        return int((self.index["iiif_target_type"] != "").sum())


@dataclass(frozen=True)
class GlamFolders:
    iiif: Path
    linked_art: Path


@dataclass(frozen=True)
class GlamLinks:
    """What the GLAM files publish: each record's links, and the records they name."""

    by_record: dict[str, list[GlamLink]]
    records: dict[str, Record]


def glam_links(
    ws: Workspace,
    verified: pd.DataFrame,
    judged: pd.DataFrame,
    calibrated: pd.DataFrame | None,
    calibrated_at: datetime | None,
    ids: Ids,
) -> GlamLinks:
    """The verified links (publishing.links columns, with their `judged` judgements) and, when given,
    the calibrated ones (publishing.calibrated.links columns), by record, with the records they name."""
    config = ws.config
    found = verified_links(verified, judged, ids)
    if calibrated is not None:
        label = calibrated_label(config.analysis.positive_labels)
        found += calibrated_glam_links(calibrated, label, config.publishing.same_object_precision, calibrated_at, ids)
    frames = [verified] if calibrated is None else [verified, calibrated]
    return GlamLinks(by_record(found), read_records(ws, record_uris(frames)))


@contextmanager
def staged_glam(
    folders: GlamFolders,
    links: GlamLinks,
    models: dict[str, str],
    ids: Ids,
    check: Callable[[list[dict]], None] | None = None,
    advance: Callable[[int], None] | None = None,
) -> Iterator[GlamExport]:
    """Write each record's page and document beside `folders`, and swap them in when the `with` block
    ends without an error; `models`: name → checkpoint."""
    records = links.records
    staged = GlamFolders(*(_staging(folder) for folder in (folders.iiif, folders.linked_art)))
    try:
        rows, pending = [], []
        for record_id, own in links.by_record.items():
            page = annotation_page(record_id, own, records, ids)
            document = linked_art_document(record_id, own, records, models, ids)
            name = f"{page_key(record_id)}.json"
            for folder, content in ((staged.iiif, page), (staged.linked_art, document)):
                (folder / name).write_text(
                    json.dumps(content, ensure_ascii=False, indent=2, allow_nan=False) + "\n", encoding="utf-8"
                )
            rows.append(_index_row(record_id, records[record_id], name, page, document))
            pending += [page, document]
            if check is not None and len(pending) >= 2 * CHECK_EVERY:
                check(pending)
                pending = []
            if advance is not None:
                advance(1)
        if check is not None and pending:
            check(pending)
        yield GlamExport(pd.DataFrame(rows, columns=list(GLAM_INDEX_COLUMNS)))
        _swap(staged.iiif, folders.iiif)
        _swap(staged.linked_art, folders.linked_art)
    finally:
        for folder in (staged.iiif, staged.linked_art):
            shutil.rmtree(folder, ignore_errors=True)


def _index_row(record_id: str, record: Record, name: str, page: dict, document: dict) -> dict:
    return {
        "record_id": record_id,
        "uri": record.uri,
        "name": record.name,
        "file": name,
        "iiif_page": page["id"],
        "iiif_target": record.iiif["id"] if record.iiif else record.uri,
        "iiif_target_type": record.iiif["type"] if record.iiif else "",
        "annotations": len(page["items"]),
        "equivalents": len(document.get("equivalent", [])),
        "related": len(document.get("attributed_by", [])),
    }


def _staging(folder: Path) -> Path:
    staging = folder.with_name(f".{folder.name}.new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def _swap(staging: Path, target: Path) -> None:
    """Put `staging` where `target` is: the old folder is moved aside first, then removed."""
    retired = target.with_name(f".{target.name}.old")
    shutil.rmtree(retired, ignore_errors=True)
    if target.exists():
        os.replace(target, retired)
    os.replace(staging, target)
    shutil.rmtree(retired, ignore_errors=True)
