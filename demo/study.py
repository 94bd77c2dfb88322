"""A ready-to-run demo study: the synthetic collections and a config that points at them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from demo.generate import write_demo_data
from heritage_weaver.scaffold import init_workspace
from heritage_weaver.workspace import CONFIG_NAME, Workspace


def create_demo_study(
    root: Path, smg_records: int = 800, nms_records: int = 200, seed: int = 0, **data_options: Any
) -> Workspace:
    """Write the demo collections into `root/data` and, unless one exists, a demo study.toml.

    `data_options` go to `write_demo_data` (image_size, smg_images, nms_images, workers)."""
    root = Path(root)
    write_demo_data(root / "data", smg_records, nms_records, seed, **data_options)
    if not (root / CONFIG_NAME).exists():
        init_workspace(root, name="demo", demo=True, seed=seed)
    return Workspace.open(root)
