"""The files the annotation package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from heritage_weaver.artifacts import Artifact, file, folder, table

LABEL_VALUES = ("same object", "similar object", "same category", "unrelated")
LABEL_STATUSES = ("labelled", "skipped", "draft", "withdrawn")  # withdrawn: deleted on the server

LEDGER = file(
    "annotation/ledger.sqlite",
    "push",
    "batches, pairs, Label Studio ids and every annotation",
    sections=("labelstudio",),
    private=True,
)
IMPORT_FILE = file(
    "annotation/import/{annotator}.json",
    "export",
    "a Label Studio import file of one batch",
    sections=("study", "labelstudio"),
    private=True,
)
IMPORT_SETTINGS = file(
    "annotation/import/{name}",
    "export",
    "label_config.xml and instructions.html to paste",
    sections=("study", "labelstudio"),
    private=True,
)
IMPORT_MEDIA = folder(
    "annotation/import/media",
    "export",
    "the images of the import files: the document root for the server they are imported into",
    sections=("study", "labelstudio"),
    private=True,
)
LABELSTUDIO_DATA = folder(
    "annotation/labelstudio",
    "labelstudio up",
    "one folder per desk: its server's sqlite database, log and credentials, and the document root",
    private=True,
)
LABELSTUDIO_BACKUPS = folder(
    "annotation/backups",
    "pull",
    "snapshots of every desk server's database (SQLite online backup), rotated",
    private=True,
)
LABELS = table(
    "annotation/labels.parquet",
    "pull",
    "one row per annotation",
    (
        "annotation_id",
        "pair_id",
        "annotator",
        "label",
        "status",
        "comment",
        "created_at",
        "updated_at",
        "lead_time",
        "is_latest",
    ),
    ("labelstudio",),
    private=True,
    status=LABEL_STATUSES,  # `label` is as the curator's server wrote it: `hw pull` warns about one outside
    # LABEL_VALUES and `hw analyze` leaves it out with its reason, so it is no closed vocabulary
)

QUARANTINE = table(
    "annotation/quarantine.parquet",
    "pull",
    "annotations written by an account other than their desk's curator: kept, never analysed",
    ("annotation_id", "pair_id", "annotator", "author", "written_at", "label", "status", "reason"),
    ("labelstudio",),
    private=True,
)

# Optional columns of the labels table: a pair's adjudicated label, and who decided it, override the vote.
ADJUDICATION_COLUMNS = ("adjudicated_label", "adjudicator")
ADJUDICATED_AT = "adjudicated_at"  # optional too: when the adjudicator decided (else the row's `updated_at`)
# Optional column of the labels table: the labelling round of the annotation's batch (absent: round 1).
LABEL_ROUND = "round"

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    LEDGER,
    IMPORT_FILE,
    IMPORT_SETTINGS,
    IMPORT_MEDIA,
    LABELSTUDIO_DATA,
    LABELSTUDIO_BACKUPS,
    LABELS,
    QUARANTINE,
)
