"""The image side a checkpoint's processor resizes to, read from its files without loading the model."""

from __future__ import annotations

import json
from pathlib import Path

from heritage_weaver.workspace import Workspace

PROCESSOR_FILE = "preprocessor_config.json"


def _processor_file(location: str) -> Path | None:
    """The processor config of a local checkpoint folder, or of a hub id's snapshot when one is cached."""
    folder = Path(location)
    if folder.is_dir():
        return folder / PROCESSOR_FILE if (folder / PROCESSOR_FILE).is_file() else None
    if folder.is_absolute():
        return None
    from huggingface_hub import try_to_load_from_cache

    cached = try_to_load_from_cache(location, PROCESSOR_FILE)
    return Path(cached) if isinstance(cached, str) else None


def input_side(location: str) -> int | None:
    """The larger side of the images the checkpoint at `location` (a folder or a hub id) takes; None
    when no processor config is at hand or it states no fixed size."""
    path = _processor_file(location)
    if path is None:
        return None
    try:
        size = json.loads(path.read_text(encoding="utf-8")).get("size")
    except (OSError, ValueError, AttributeError):
        return None
    sides = [size] if isinstance(size, int) else list(size.values()) if isinstance(size, dict) else []
    sides = [side for side in sides if isinstance(side, int) and not isinstance(side, bool) and side > 0]
    return max(sides, default=None)


def largest_input_side(workspace: Workspace) -> int | None:
    """The largest input side of the study's models whose processor config is at hand."""
    sides = [input_side(workspace.model_location(name)) for name in workspace.config.models]
    return max((side for side in sides if side), default=None)
