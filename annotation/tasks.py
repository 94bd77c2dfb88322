"""Blind task data for one batch: both objects' image, name and description, and nothing else.

Batches and records are read as documented in docs/artifacts.md. Everything that says why a pair
was chosen (link types, scores, flags, overlap/control) goes to the ledger, never into a task.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pandas as pd
import pyarrow as pa

from annotation.interface import ADJUDICATION_FIELDS, TASK_FIELDS
from annotation.ledger import PairRow
from annotation.ledger_schema import ADJUDICATION, LABELLING
from heritage_weaver.url_safety import AddressRule
from sampler.artifacts import BATCH_IDENTITY

INLINE_SIDE = 800  # pixels: enough to judge an object, small enough to keep tasks light


def placeholder(text: str) -> str:
    """A grey SVG data URI that says `text` (plain words: it is written into the SVG as it is)."""
    return "data:image/svg+xml;utf8," + quote(
        '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="120"><rect width="240" height="120" '
        f'fill="#eee"/><text x="120" y="65" font-size="16" text-anchor="middle" fill="#666">{text}</text></svg>'
    )


NO_IMAGE = placeholder("no image")
NOT_PUBLIC = placeholder("image URL not public")


class BatchError(ValueError):
    """A batch file cannot be pushed; the message names the file, row and field."""


@dataclass(frozen=True)
class Batch:
    batch_id: str
    annotator: str
    source_file: Path
    pairs: list[PairRow]
    round: int = 1  # the labelling round; 0 for an adjudication batch
    kind: str = LABELLING

    @property
    def title_part(self) -> str:
        """What a project title says besides the annotator: the round (from 2 on) or adjudication."""
        return "adjudication · " if self.kind == ADJUDICATION else f"round {self.round} · " if self.round > 1 else ""


def _provenance(row: dict) -> dict:
    """Every batch column that is not the pair's identity: why it was sampled, kept out of tasks."""
    return {key: value for key, value in row.items() if key not in BATCH_IDENTITY}


def read_batch(path: Path, round: int = 1) -> Batch:
    """Read one batch file of a labelling round, checking the documented columns."""
    frame = pd.read_parquet(path)
    missing = [column for column in BATCH_IDENTITY if column not in frame.columns]
    if missing:
        raise BatchError(f"{path}: missing column(s) {missing}")
    annotators = frame["annotator"].dropna().unique().tolist()
    if len(annotators) != 1:
        raise BatchError(f"{path}: field annotator: expected one annotator per batch, found {annotators}")
    for column in BATCH_IDENTITY:
        blank = frame.index[frame[column].isna()].tolist()
        if blank:
            raise BatchError(f"{path}: row {blank[0]}: field {column} is empty")
    duplicated = frame.index[frame["pair_id"].duplicated()].tolist()
    if duplicated:
        raise BatchError(f"{path}: row {duplicated[0]}: field pair_id repeats pair {frame['pair_id'][duplicated[0]]!r}")
    frame = frame.sort_values("position", kind="stable")
    pairs = [
        PairRow(
            pair_id=str(row["pair_id"]),
            position=int(row["position"]),
            record_a=str(row["record_a"]),
            collection_a=str(row["collection_a"]),
            record_b=str(row["record_b"]),
            collection_b=str(row["collection_b"]),
            provenance=_provenance(row),
        )
        for row in pa.Table.from_pandas(frame, preserve_index=False).to_pylist()
    ]
    digest = hashlib.sha256("\n".join(p.pair_id for p in pairs).encode()).hexdigest()[:8]
    return Batch(f"{annotators[0]}-{digest}", str(annotators[0]), path, pairs, round=round)


@dataclass(frozen=True)
class RecordView:
    name: str
    description: str
    image: str | None


def record_views(records: pd.DataFrame, wanted: set[tuple[str, str]]) -> dict[tuple[str, str], RecordView]:
    """(collection, record_id) → what a curator sees of that record."""
    frame = records[[key in wanted for key in zip(records["collection"], records["record_id"])]]
    views = {}
    for row in frame.itertuples(index=False):
        images = list(row.images) if row.images is not None else []
        views[(row.collection, row.record_id)] = RecordView(
            name=row.name or "", description=row.description or "", image=images[0] if images else None
        )
    return views


def inline_image(path: Path, longest_side: int = INLINE_SIDE) -> str:
    """A local image as a JPEG data URI, downscaled: how a remote server, which cannot read our disk, gets it."""
    from PIL import Image

    try:
        with Image.open(path) as image:
            image.thumbnail((longest_side, longest_side))
            buffer = io.BytesIO()
            image.convert("RGB").save(buffer, format="JPEG", quality=85)
    except OSError as error:
        raise BatchError(f"image {path}: cannot be read ({error})") from None
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


class ImageLinks:
    """How a desk's server reaches an image: a URL passes through where `rule` passes it (a public
    address or an allowed host, as for fetching), else a curator's browser would request a local
    service: `NOT_PUBLIC` instead; a local file is linked into the desk's document root (`media`,
    which holds nothing else) under a name that says nothing of the record; for a server outside the
    study (no `media`: import files), it is embedded in the task."""

    FOLDER = "images"

    def __init__(self, media: Path | None, rule: AddressRule | None = None) -> None:
        self.media = media.resolve() if media else None
        self.rule = rule or AddressRule()
        self._links: dict[str, str] = {}  # records share images across pairs: resolve each file once

    def __call__(self, location: str | None) -> str:
        if location is None:
            return NO_IMAGE
        if location.startswith(("http://", "https://")):
            return NOT_PUBLIC if self.rule.refusal(location) else location
        link = self._links.get(location)
        if link is None:
            link = self._links[location] = self._local_link(location)
        return link

    def _local_link(self, location: str) -> str:
        path = Path(location).resolve()
        if not path.is_file():
            raise BatchError(f"image {location}: no such file")
        if self.media is None:
            return inline_image(path)
        name = hashlib.sha256(str(path).encode()).hexdigest()[:32] + path.suffix.lower()
        target = self.media / self.FOLDER / name
        if not target.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".partial")
            try:
                os.link(path, partial)  # no copy where the study and the desk share a file system
            except OSError:
                shutil.copyfile(path, partial)
            os.replace(partial, target)
        return f"/data/local-files/?d={quote(f'{self.FOLDER}/{name}')}"

    def storage_folder(self, locations: list[str]) -> Path | None:
        """The folder a local-files storage must cover for these images (None when none is local)."""
        local = [location for location in locations if not location.startswith(("http://", "https://"))]
        return self.media / self.FOLDER if local and self.media is not None else None


def task_data(pair: PairRow, views: dict[tuple[str, str], RecordView], links: ImageLinks) -> dict:
    """The blind data of one task; raises BatchError naming the record when it is unknown."""
    data = {"pair_id": pair.pair_id}
    for side, collection, record in (("a", pair.collection_a, pair.record_a), ("b", pair.collection_b, pair.record_b)):
        view = views.get((collection, record))
        if view is None:
            raise BatchError(f"pair {pair.pair_id}: record_{side} {collection}/{record} is not in records.parquet")
        data[f"image_{side}"] = links(view.image)
        data[f"name_{side}"] = view.name
        data[f"description_{side}"] = view.description
    assert set(data) == set(TASK_FIELDS)
    return data


def adjudication_data(pair: PairRow, views: dict[tuple[str, str], RecordView], links: ImageLinks) -> dict:
    """An adjudication task: the blind pair plus the earlier labels and who gave them (and nothing else)."""
    earlier = pair.provenance["earlier_labels"]
    data = task_data(pair, views, links) | {
        "earlier_labels": " · ".join(f"{item['annotator']}: {item['label']}" for item in earlier)
    }
    assert set(data) == set(ADJUDICATION_FIELDS)
    return data
