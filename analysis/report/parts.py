"""What every report section is made of, and how a section reads an artifact that may be missing."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

import pandas as pd

from heritage_weaver.artifacts import Artifact, ArtifactError
from heritage_weaver.stages import skipped_because
from heritage_weaver.workspace import Workspace


@dataclass
class Table:
    caption: str
    frame: pd.DataFrame
    slug: str = ""
    folded: bool = False  # shown in a closed <details> element (long tables few readers need)
    empty_because: str = ""  # why the table has no rows, said where it would be

    @property
    def empty_reason(self) -> str:
        return self.empty_because or "its input table has none"


@dataclass
class Section:
    anchor: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[str] = field(default_factory=list)  # the section's answers, shown as a list before its tables

    def table(self, caption: str, frame: pd.DataFrame, folded: bool = False, empty_because: str = "") -> None:
        """Add a table; `empty_because` says why it has no rows, should it have none."""
        slug = re.sub(r"[^a-z0-9]+", "_", f"{self.anchor} {caption}".lower()).strip("_")
        self.tables.append(Table(caption, frame, slug, folded, empty_because))

    def figure(self, caption: str, png: bytes) -> None:
        self.figures.append((caption, base64.b64encode(png).decode("ascii")))


def read_or_note(ws: Workspace, artifact: Artifact, section: Section) -> pd.DataFrame | None:
    """The artifact's table, or None with a line in `section.missing` naming the verb that makes it.
    Where that verb stands skipped, None with a note saying why: what an earlier run of it left
    behind is not this study's."""
    made_by = f"hw {artifact.verb}"
    skipped = skipped_because(ws, artifact.verb)
    if skipped:
        note = f"`{made_by}` was skipped: {skipped}"
        if note not in section.notes:
            section.notes.append(note)
        return None
    try:
        return artifact.read(ws)
    except ArtifactError:
        section.missing.append(
            f"{artifact.path} (made by `{made_by}`)"
            if not artifact.exists(ws)
            else f"{artifact.path} (unreadable; run `{made_by}` again)"
        )
        return None
