"""The artifact mechanism: how a stage declares the files it writes, and reads and writes them.

Each stage package declares its own artifacts in its `artifacts` module, with `table` (a Parquet
table), `file` (any other file: a model card, an index, a plot) or `folder` (a checkpoint, a
server's data). An `Artifact` names a path in the workspace (a template such as `embeddings/{model}/units.parquet`
is filled with `at(model=...)`), the verb that writes it, the config sections it depends on and,
for tables, the columns every reader may rely on. Stages read and write through it: `read` checks
the columns and says which verb makes a missing artifact; `write` checks the columns and the declared
vocabularies, writes atomically and records provenance in the manifest (under the workspace's lock).
docs/artifacts.md lists every stage's artifacts, and a test keeps the two in step.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

VOCABULARY_SHOWN = 5  # unexpected values an ArtifactError names before "and N more"
Kind = Literal["table", "file", "folder"]


class ArtifactError(RuntimeError):
    """An artifact is missing, unreadable or lacks columns; the message says which verb makes it."""


@dataclass(frozen=True)
class Artifact:
    """One file or folder of the workspace that a stage writes and later stages read."""

    path: str
    verb: str
    description: str
    columns: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    vocabularies: Mapping[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    types: Mapping[str, pa.DataType] = field(default_factory=dict, hash=False)  # Arrow type; others are strings
    kind: Kind = "table"
    # Unblinding data (scores, strata, flags, other curators' labels) or secrets: its top folder is
    # made readable by the study's owner only on every write.
    private: bool = False

    def schema(self) -> pa.Schema:
        """The Arrow schema of the declared columns, for writers that build the table column by column."""
        return pa.schema([(name, self.types.get(name, pa.string())) for name in self.columns])

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(name for _, name, _, _ in string.Formatter().parse(self.path) if name)

    def at(self, **parts: object) -> Artifact:
        """This artifact with some or all placeholders filled, e.g. `BATCH.at(annotator="A01")`."""
        filled = _Partial({name: str(value) for name, value in parts.items()})
        return replace(self, path=self.path.format_map(filled))

    def location(self, ws: Workspace) -> Path:
        self._require_concrete()
        return ws.path(self.path)

    def exists(self, ws: Workspace) -> bool:
        return self.location(ws).exists()

    def instances(self, ws: Workspace) -> list[Path]:
        """The existing files of a template (every annotator's batch, say), sorted by path."""
        pattern = self.path.format(**{name: "*" for name in self.placeholders})
        return sorted(path for path in ws.root.glob(pattern) if not path.name.startswith("."))

    def missing_message(self) -> str:
        return f"{self.path} is missing (run `hw {self.verb}` first)"

    def read(self, ws: Workspace, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """The table as a DataFrame, checked to hold the declared columns; only `columns` when given."""
        return self.read_table(ws, columns).to_pandas()

    def read_table(self, ws: Workspace, columns: Iterable[str] | None = None) -> pa.Table:
        """The table as Arrow, checked like `read`."""
        self._require_table()
        path = self.location(ws)
        if not path.is_file():
            raise ArtifactError(self.missing_message())
        wanted = list(columns) if columns is not None else None
        try:
            schema = pq.read_schema(path)
        except (OSError, ValueError, pa.ArrowException) as error:
            raise ArtifactError(
                f"{self.path} cannot be read as Parquet ({error}); run `hw {self.verb}` again"
            ) from None
        required = wanted if wanted is not None else self.columns
        missing = [c for c in required if c not in schema.names]
        if missing:
            raise ArtifactError(f"{self.path} lacks the column(s) {missing}; run `hw {self.verb}` again")
        return pq.read_table(path, columns=wanted)

    def write(
        self, ws: Workspace, data: pd.DataFrame | pa.Table, inputs: Iterable[Input] = (), **details: object
    ) -> Path:
        """Write the table atomically as Parquet and record its provenance."""
        self._require_table()
        names = data.column_names if isinstance(data, pa.Table) else list(data.columns)
        missing = [c for c in self.columns if c not in names]
        if missing:
            raise ArtifactError(f"{self.path}: `hw {self.verb}` produced a table without the column(s) {missing}")
        self._check_vocabularies(data)
        atomic.write_table(self.location(ws), data)  # 0600, as every atomic write
        if self.private:
            ws.path(self.path.split("/", 1)[0]).chmod(0o700)
        self.record(ws, inputs, **details)
        return self.location(ws)

    def _check_vocabularies(self, data: pd.DataFrame | pa.Table) -> None:
        """Refuse a vocabulary column holding a value outside the declared vocabulary (nulls pass)."""
        for column, allowed in self.vocabularies.items():
            if isinstance(data, pa.Table):
                values = pc.unique(data.column(column).drop_null()).to_pylist()
            else:
                values = list(pd.unique(data[column].dropna()))
            unexpected = sorted({str(v) for v in values if v not in allowed})
            if unexpected:
                shown = ", ".join(repr(v) for v in unexpected[:VOCABULARY_SHOWN])
                more = f" and {len(unexpected) - VOCABULARY_SHOWN} more" if len(unexpected) > VOCABULARY_SHOWN else ""
                raise ArtifactError(
                    f"{self.path}: `hw {self.verb}` produced a `{column}` outside its vocabulary: {shown}{more} "
                    f"(allowed: {', '.join(allowed)})"
                )

    def record(self, ws: Workspace, inputs: Iterable[Input] = (), **details: object) -> None:
        """Record the provenance of an artifact the stage wrote itself (a model folder, an index)."""
        self._require_concrete()
        ws.record(
            self.path, self.verb, inputs=[_input_path(i) for i in inputs], config_sections=self.sections, **details
        )

    def _require_table(self) -> None:
        if self.kind != "table":
            raise TypeError(f"{self.path} is a {self.kind}, not a table: its stage reads and writes it itself")

    def _require_concrete(self) -> None:
        if self.placeholders:
            raise ValueError(f"{self.path}: fill {list(self.placeholders)} with .at(...) first")


Input = Artifact | Path | str


class _Partial(dict):
    """Format values that leave an unfilled placeholder as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _input_path(item: Input) -> Path | str:
    return item.path if isinstance(item, Artifact) else item


def table(
    path: str,
    verb: str,
    description: str,
    columns: Iterable[str] = (),
    sections: Iterable[str] = (),
    types: Mapping[str, pa.DataType] | None = None,
    private: bool = False,
    **vocabularies: tuple[str, ...],
) -> Artifact:
    """A Parquet table with the columns every reader may rely on."""
    if not path.endswith(".parquet"):
        raise ValueError(f"{path}: a table is a Parquet file; declare other files with `file`")
    return Artifact(
        path, verb, description, tuple(columns), tuple(sections), vocabularies, dict(types or {}), private=private
    )


def file(
    path: str,
    verb: str,
    description: str,
    sections: Iterable[str] = (),
    private: bool = False,
    columns: Iterable[str] = (),
) -> Artifact:
    """Any other file the stage writes itself (a model card, an index, a CSV); `columns` documents a CSV's."""
    return Artifact(path, verb, description, tuple(columns), tuple(sections), kind="file", private=private)


def folder(path: str, verb: str, description: str, sections: Iterable[str] = (), private: bool = False) -> Artifact:
    """A folder the stage fills itself (a checkpoint, a server's data)."""
    return Artifact(path, verb, description, sections=tuple(sections), kind="folder", private=private)
