"""Where a collection's export lies: one file, or for formats that come in many files a folder or a glob."""

from __future__ import annotations

import functools
import glob
from pathlib import Path

GLOB_CHARACTERS = frozenset("*?[")


def is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def is_glob(path: Path) -> bool:
    return bool(GLOB_CHARACTERS & set(str(path)))


def input_files(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """The files `path` names, sorted: itself, a folder's files with one of `suffixes` (at any depth,
    hidden ones left out), or a glob's matches (`**` crosses folders)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith(".")
        )
    if is_glob(path):
        return sorted(Path(match) for match in glob.glob(str(path), recursive=True) if Path(match).is_file())
    return []


@functools.lru_cache(maxsize=256)  # asked once per record
def export_folder(path: Path) -> Path:
    """`path` itself when it is a folder, the part of a glob before its first wildcard, else the file's folder."""
    if path.is_dir():
        return path
    wild = next((i for i, part in enumerate(path.parts) if GLOB_CHARACTERS & set(part)), None)
    return Path(*path.parts[:wild]) if wild else path.parent
