"""Digest a study's deterministic artifacts, to show a refactor changed no result.

    python scripts/artifact_digest.py STUDY > before.json
    ... change the code, run the study again ...
    python scripts/artifact_digest.py STUDY --compare before.json

Tables are hashed by content (schema and rows in order) without the columns that hold wall-clock
times, speeds or server-assigned ids, and with the study folder's own path written as `<study>`
(records hold absolute image paths), so two runs in different folders compare; vectors, indexes
and model weights by their bytes. The manifest, logs and Label Studio's own database are left
out: they record times by design.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from pyarrow import csv

# Columns whose values are times or ids handed out by a server, not results of the study.
VOLATILE_COLUMNS = {
    "created_at",
    "updated_at",
    "lead_time",
    "time",
    "seconds",
    "wall_time",
    "pairs_per_s",
    "task_id",
    "project_id",
    "annotation_id",
}
TABLE_FOLDERS = ("records", "embeddings", "indexes", "training", "sampler", "annotation", "analysis", "report/tables")
BYTE_SUFFIXES = (".npy", ".faiss", ".safetensors")
SKIPPED_PARTS = {"labelstudio", "cache", ".git"}


def _without_root(column: pa.ChunkedArray, root: str) -> pa.ChunkedArray:
    """The column with the study folder's path in its strings (or lists of strings) written as <study>."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return pc.replace_substring(column, root, "<study>")
    if pa.types.is_list(column.type) and pa.types.is_string(column.type.value_type):
        lists = column.combine_chunks()
        values = pc.replace_substring(lists.values, root, "<study>")
        return pa.chunked_array([pa.ListArray.from_arrays(lists.offsets, values, mask=lists.is_null())])
    return column


def table_digest(path: Path, root: str) -> str:
    table = pq.read_table(path)
    table = table.drop_columns([c for c in table.column_names if c in VOLATILE_COLUMNS])
    table = pa.table({name: _without_root(table[name], root) for name in table.column_names})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return hashlib.sha256(sink.getvalue().to_pybytes()).hexdigest()[:16]


def csv_digest(path: Path, root: str) -> str:
    """A CSV table's hash without its volatile columns (read back through pyarrow)."""
    table = csv.read_csv(path)
    table = table.drop_columns([c for c in table.column_names if c in VOLATILE_COLUMNS])
    table = pa.table({name: _without_root(table[name], root) for name in table.column_names})
    return hashlib.sha256(str(table.to_pylist()).encode()).hexdigest()[:16]


def digest(study: Path) -> dict[str, str]:
    result: dict[str, str] = {}
    for folder in TABLE_FOLDERS + ("models",):
        for path in sorted((study / folder).rglob("*")):
            if not path.is_file() or SKIPPED_PARTS & set(path.relative_to(study).parts):
                continue
            name = str(path.relative_to(study))
            if path.suffix == ".parquet":
                result[name] = table_digest(path, str(study.resolve()))
            elif path.suffix == ".csv":
                result[name] = csv_digest(path, str(study.resolve()))
            elif path.suffix in BYTE_SUFFIXES:
                result[name] = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("study", type=Path)
    parser.add_argument("--compare", type=Path, help="a digest written earlier; exit 1 when anything differs")
    arguments = parser.parse_args()
    current = digest(arguments.study)
    if not arguments.compare:
        json.dump(current, sys.stdout, indent=1, sort_keys=True)
        print()
        return 0
    before = json.loads(arguments.compare.read_text())
    differences = sorted(name for name in before.keys() | current.keys() if before.get(name) != current.get(name))
    for name in differences:
        print(f"differs: {name}  (before {before.get(name, 'absent')}, now {current.get(name, 'absent')})")
    print(f"{len(current)} artifacts compared, {len(differences)} differ")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
