"""Label Studio import files instead of a live push (for a server this machine cannot reach).

Each batch becomes `annotation/import/<annotator>.json` (a task list Label Studio's import dialog
takes); `label_config.xml` and `instructions.html` are the project settings to paste. Local images
are linked into `annotation/import/media/images/` under names that say nothing of the record: that
server's LOCAL_FILES_DOCUMENT_ROOT is `annotation/import/media` (never the study folder, which holds
the ledger and the batches); URL images pass through.
"""

from __future__ import annotations

from pathlib import Path

from annotation.artifacts import IMPORT_FILE, IMPORT_MEDIA, IMPORT_SETTINGS
from annotation.interface import instructions, label_config
from annotation.sync import batch_files, prepare
from annotation.tasks import ImageLinks
from heritage_weaver import atomic
from heritage_weaver.url_safety import AddressRule
from heritage_weaver.workspace import Workspace


def export_import_files(
    workspace: Workspace, annotators: list[str] | None = None, rounds: list[int] | None = None
) -> list[Path]:
    """Write one import file per batch (`<annotator>.json`; `<annotator>-round-<N>.json` from round 2 on)
    plus the label config; returns the task files."""
    written = []
    files = batch_files(workspace, annotators, rounds)
    rule = AddressRule(workspace.config.fetch.allow_hosts)
    for source, prepared in zip(
        files, prepare(workspace, files, lambda desk: ImageLinks(IMPORT_MEDIA.location(workspace), rule))
    ):
        name = source.annotator if source.round == 1 else f"{source.annotator}-round-{source.round}"
        target = IMPORT_FILE.at(annotator=name)
        atomic.write_json(target.location(workspace), [{"data": data} for data in prepared.tasks.values()])
        target.record(workspace, inputs=[source.artifact], tasks=len(prepared.tasks), round=source.round)
        written.append(target.location(workspace))
    atomic.write_text(IMPORT_SETTINGS.at(name="label_config.xml").location(workspace), label_config())
    atomic.write_text(IMPORT_SETTINGS.at(name="instructions.html").location(workspace), instructions())
    return written
