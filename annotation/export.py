"""Label Studio import files instead of a live push (for a server this machine cannot reach).

Each batch becomes `annotation/import/<annotator>.json` (a task list Label Studio's import dialog
takes); `label_config.xml` and `instructions.html` are the project settings to paste. Local images
are linked as the study's own server serves them (LOCAL_FILES_DOCUMENT_ROOT = the study folder), so
they must lie inside the study folder; URL images pass through.
"""

from __future__ import annotations

from pathlib import Path

from annotation.interface import instructions, label_config
from annotation.push import batch_files, prepare
from annotation.tasks import ImageLinks
from heritage_weaver import atomic
from heritage_weaver.workspace import Workspace

EXPORT_FOLDER = Path("annotation", "import")


def export_import_files(workspace: Workspace, annotators: list[str] | None = None) -> list[Path]:
    """Write one import file per batch plus the label config; returns the task files."""
    folder = workspace.path(str(EXPORT_FOLDER))
    written = []
    for prepared in prepare(workspace, batch_files(workspace, annotators), ImageLinks(workspace.root)):
        target = folder / f"{prepared.batch.annotator}.json"
        atomic.write_json(target, [{"data": data} for data in prepared.tasks.values()])
        workspace.record(target, "export", inputs=[workspace.path("sampler", "batches", f"{prepared.batch.annotator}.parquet")],
                         config_sections=["study", "labelstudio"], tasks=len(prepared.tasks))
        written.append(target)
    atomic.write_text(folder / "label_config.xml", label_config())
    atomic.write_text(folder / "instructions.html", instructions())
    return written
