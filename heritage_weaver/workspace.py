"""The study workspace: where artifacts live and the manifest that says what produced them."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from filelock import FileLock

from heritage_weaver import atomic
from heritage_weaver.config import StudyConfig, load_config

CONFIG_NAME = "study.toml"
MANIFEST_NAME = "manifest.json"
MANIFEST_LOCK = ".manifest.lock"
MANIFEST_BACKUP = "manifest.json.bak"  # the last good manifest, kept beside it
MANIFEST_BROKEN = "manifest.json.broken"  # where `hw status --repair` moves an unreadable one
STAGE_RUNS = "@stages"  # the manifest's one key that is no artifact: each verb's last outcome
_HASHED_PACKAGES = ("heritage-weaver", "torch", "transformers", "faiss-cpu", "spacy", "statsmodels", "label-studio-sdk")
_FULL_HASH_LIMIT = 64 * 1024 * 1024


def fingerprint(path: Path) -> str | None:
    """Content hash of a file (size and mtime for very large ones); a folder hashes its files."""
    path = Path(path)
    if path.is_dir():
        digest = hashlib.sha256()
        for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
            digest.update(str(child.relative_to(path)).encode())
            digest.update((fingerprint(child) or "").encode())
        return digest.hexdigest()[:16]
    if not path.is_file():
        return None
    stat = path.stat()
    if stat.st_size > _FULL_HASH_LIMIT:
        return f"size{stat.st_size}-mtime{stat.st_mtime_ns}"
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()[:16]


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _HASHED_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


class ManifestError(ValueError):
    """`manifest.json` cannot be read; the message names it and the way back."""


def _read_json(path: Path) -> dict | None:
    """A JSON object file's content; None when it is not one."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return value if isinstance(value, dict) else None


@dataclass(frozen=True)
class StageOutcome:
    """How a verb last ended: `done`, `failed` (an error or an interrupt; `why` says which) or
    `skipped` (the study lacks what the stage needs; `why` says what). A skip holds while the study
    config (`config_hash`) and the files it rested on (`inputs`, path -> fingerprint) are unchanged."""

    outcome: str
    why: str = ""
    config_hash: str = ""
    inputs: dict[str, str | None] = field(default_factory=dict)
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


@dataclass(frozen=True)
class Workspace:
    """A study folder: `study.toml`, `manifest.json` and the artifacts of every stage."""

    root: Path

    @classmethod
    def open(cls, root: Path | str = ".") -> Workspace:
        return cls(Path(root).resolve())

    @cached_property
    def config(self) -> StudyConfig:
        return load_config(self.root / CONFIG_NAME)

    def path(self, *parts: str) -> Path:
        return self.root.joinpath(*parts)

    def relative(self, path: Path) -> str:
        path = Path(path).resolve()
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    def model_location(self, name: str) -> str:
        """A model's checkpoint: an absolute folder for a local one, else the hub id as written.

        A checkpoint is local when its folder exists or when it is written as a path (`models/…`,
        `./…`, `/…`): `hw train` and `hw model tiny` create such folders later.
        """
        checkpoint = self.config.models[name]
        local = self._absolute(checkpoint)
        if local.exists() or checkpoint.startswith((".", "/", "models/")):
            return str(local)
        return checkpoint

    def model_available(self, name: str) -> bool:
        """True for a hub id, or a local checkpoint whose folder exists."""
        location = self.model_location(name)
        return not Path(location).is_absolute() or Path(location).is_dir()

    def _absolute(self, path: Path | str) -> Path:
        return Path(path) if Path(path).is_absolute() else self.root / path

    # -- manifest -----------------------------------------------------------------
    def manifest(self) -> dict[str, dict]:
        """Every recorded artifact's entry, by its path relative to the study."""
        return {key: entry for key, entry in self._manifest_file().items() if key != STAGE_RUNS}

    def _manifest_file(self) -> dict[str, dict]:
        path = self.path(MANIFEST_NAME)
        if not path.is_file():
            return {}
        manifest = _read_json(path)
        if manifest is None:
            raise ManifestError(
                f"{path} is not a readable manifest (cut short, or the disk was full?); "
                f"`hw status --repair -s {self.root}` restores the last good copy ({MANIFEST_BACKUP})"
            )
        return manifest

    def repair_manifest(self) -> str:
        """Replace an unreadable manifest with its last good copy, or else an empty one; says what it did."""
        path = self.path(MANIFEST_NAME)
        if not path.is_file() or _read_json(path) is not None:
            return f"{path} is readable; nothing to repair"
        os.replace(path, self.path(MANIFEST_BROKEN))
        backup = _read_json(self.path(MANIFEST_BACKUP)) if self.path(MANIFEST_BACKUP).is_file() else None
        atomic.write_json(path, backup or {})
        kept = f"the unreadable file is kept as {MANIFEST_BROKEN}"
        if backup is None:
            return (
                f"no good copy of the manifest was found: started an empty one ({kept}); every stage shows as "
                "missing until its verb runs again"
            )
        return (
            f"restored the manifest from {MANIFEST_BACKUP} ({len(backup)} artifacts; {kept}); an artifact "
            "written after that copy shows as missing until its verb runs again"
        )

    def record(
        self,
        artifact: Path | str,
        verb: str,
        inputs: Iterable[Path | str] = (),
        config_sections: Iterable[str] = (),
        **details: object,
    ) -> None:
        """Note in the manifest what produced `artifact` (call after writing it)."""
        artifact_path = self._absolute(artifact)
        entry: dict[str, object] = {
            "verb": verb,
            "config_hash": self.config.section_hash(*config_sections),
            "config_sections": list(config_sections),
            "fingerprint": fingerprint(artifact_path),
            "inputs": {self.relative(self._absolute(p)): fingerprint(self._absolute(p)) for p in inputs},
            "versions": package_versions(),
            "time": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        entry.update(details)
        key = self.relative(artifact_path)
        self._update_manifest(lambda manifest: manifest.update({key: entry}))

    def _update_manifest(self, change: Callable[[dict], None]) -> None:
        # Read, update and replace under one lock: a `hw pull` beside a long `hw embed` loses no entry.
        with FileLock(self.path(MANIFEST_LOCK)):
            manifest = self._manifest_file()
            if manifest:  # it was just read whole, so it is a good copy
                atomic.keep_copy(self.path(MANIFEST_NAME), self.path(MANIFEST_BACKUP))
            change(manifest)
            atomic.write_json(self.path(MANIFEST_NAME), manifest)

    def record_outcome(self, verb: str, outcome: StageOutcome) -> None:
        """Note how `verb` last ended, beside the artifacts in the manifest."""
        self._update_manifest(lambda manifest: manifest.setdefault(STAGE_RUNS, {}).update({verb: asdict(outcome)}))

    def outcomes(self) -> dict[str, StageOutcome]:
        """How each verb last ended, by verb (verbs run before outcomes were recorded have none)."""
        return {verb: StageOutcome(**entry) for verb, entry in self._manifest_file().get(STAGE_RUNS, {}).items()}

    def outcome(self, verb: str) -> StageOutcome | None:
        """How `verb` last ended (None: never run since outcomes were recorded)."""
        return self.outcomes().get(verb)

    def inputs_unchanged(self, fingerprints: dict[str, str | None]) -> bool:
        """True while every file of `fingerprints` (paths relative to the study) still has its fingerprint."""
        return all(fingerprint(self._absolute(name)) == recorded for name, recorded in fingerprints.items())

    def artifact_states(self, artifacts: Iterable[str]) -> dict[str, str]:
        """Each artifact's state: `missing`, `stale` (config or an input changed since it was
        written) or `done`. Reads the manifest once and fingerprints each input once."""
        manifest = self.manifest()
        current: dict[str, str | None] = {}

        def changed(name: str, recorded: str | None) -> bool:
            if name not in current:
                current[name] = fingerprint(self._absolute(name))
            return current[name] != recorded

        states = {}
        for artifact in artifacts:
            entry = manifest.get(artifact)
            if entry is None or not self.path(artifact).exists():
                states[artifact] = "missing"
            elif entry["config_hash"] != self.config.section_hash(*entry.get("config_sections", [])):
                states[artifact] = "stale"
            else:
                stale = any(changed(name, recorded) for name, recorded in entry["inputs"].items())
                states[artifact] = "stale" if stale else "done"
        return states

    def artifact_state(self, artifact: str) -> str:
        return self.artifact_states([artifact])[artifact]

    def verb_states(self, verb: str) -> dict[str, str]:
        """The state of every artifact the manifest says `verb` wrote."""
        return self.artifact_states(a for a, entry in self.manifest().items() if entry["verb"] == verb)
