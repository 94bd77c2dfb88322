"""The first verbs of a study: init, demo-data, ingest, fetch-images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from heritage_weaver.url_safety import without_credentials
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, catalogue, console, execute, fail, open_study, stdout
from hw_cli.ingest_tables import ingest_tables
from hw_cli.verbs import Verb
from ingest import IngestResult
from ingest.artifacts import DROPPED, FETCHED, REJECTS
from ingest.fetch import FetchSummary
from ingest.stage import FETCH_IMAGES, INGEST, FetchOptions


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new study workspace.")],
    name: Annotated[str | None, typer.Option(help="Study name (default: the folder name).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Also write the synthetic demo collections.")] = False,
    base_model: Annotated[
        str | None,
        typer.Option(
            help="The base model: a hub id, or a checkpoint folder (for a machine without the hub). "
            "Default: google/siglip-base-patch16-224."
        ),
    ] = None,
) -> None:
    """Create a study workspace with a commented study.toml."""
    from demo import create_demo_study
    from heritage_weaver.scaffold import init_workspace

    if demo and base_model is not None:
        fail("--base-model is for a study of your own: the demo builds its base model (`hw model tiny`)")
    try:
        if demo:
            create_demo_study(directory)
            config = directory / "study.toml"
        else:
            config = init_workspace(directory, name, base_model=base_model)
    except (FileExistsError, ValueError) as error:
        fail(str(error))
    console.print(
        Text.assemble(
            "Created ", (str(config), "bold"), ". Edit it, then run ", (f"hw ingest -s {directory}", "bold"), "."
        )
    )


def demo_data(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo collections into.")],
    smg: Annotated[int, typer.Option(help="Records in the SMG-like JSON-lines dump.")] = 800,
    nms: Annotated[int, typer.Option(help="Records in the NMS-like CSV export.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
    image_size: Annotated[
        str, typer.Option(help="JPEG side in pixels, or a range LOW-HIGH that each picture's side is drawn from.")
    ] = "128",
    smg_images: Annotated[
        int | None, typer.Option(help="About how many SMG images in all (default: ~1.13 per record).")
    ] = None,
    nms_images: Annotated[
        int | None, typer.Option(help="About how many NMS images in all (default: ~1.04 per record).")
    ] = None,
    workers: Annotated[int, typer.Option(help="Processes drawing pictures (0: this one); same files either way.")] = 0,
) -> None:
    """Write two synthetic collections in the real source formats, with a hidden ground truth.

    The study's scale: --smg 20889 --smg-images 31000 --nms 982 --nms-images 1500 --image-size 224-800."""
    from demo import write_demo_data

    try:
        files = write_demo_data(
            directory,
            smg,
            nms,
            seed,
            image_size=parse_image_size(image_size),
            smg_images=smg_images,
            nms_images=nms_images,
            workers=workers,
        )
    except ValueError as error:
        fail(str(error))
    console.print(
        f"Wrote {smg} SMG records to {files.smg}, {nms} NMS records to {files.nms}, "
        f"ground truth (for evaluation only) to {files.ground_truth}."
    )


def parse_image_size(text: str) -> int | tuple[int, int]:
    """`"224"` → 224; `"224-800"` → (224, 800); ValueError with the accepted forms otherwise."""
    parts = text.split("-")
    if len(parts) in (1, 2) and all(part.strip().isdigit() and int(part) > 0 for part in parts):
        sides = [int(part) for part in parts]
        return sides[0] if len(sides) == 1 else (sides[0], sides[1])
    raise ValueError(f"--image-size {text!r}: expected a side in pixels (224) or a range (224-800)")


def ingest(study: StudyOption = Path(".")) -> None:
    """Read every collection export into the records table; rejected rows and the values a record
    does not keep into tables of their own."""
    workspace = open_study(study)
    show_ingest(workspace, execute(INGEST, workspace))


def show_ingest(workspace: Workspace, result: IngestResult) -> None:
    for table in ingest_tables(result.counts):
        stdout.print(table)
    total = sum(c.rows for c in result.counts)
    accepted = sum(c.accepted for c in result.counts)
    rejected = sum(c.rejected for c in result.counts)
    read, kept, dropped = (
        sum(getattr(c, name) for c in result.counts) for name in ("values_read", "values_kept", "values_dropped")
    )
    stdout.print(f"{total} rows = {accepted} accepted + {rejected} rejected; details in {REJECTS.location(workspace)}")
    stdout.print(
        f"{read} values read from accepted rows = {kept} kept + {dropped} dropped; details in "
        f"{DROPPED.location(workspace)}"
    )
    changed = sum(c.values_changed for c in result.counts)
    if changed:
        stdout.print(f"{changed} values kept changed; details in {DROPPED.location(workspace)}")
    tables = [t for c in result.counts for t in c.tables.values()]
    if tables:
        rows, merged, rejected, dropped = (
            sum(t.rows for t in tables),
            sum(t.merged for t in tables),
            sum(t.rejected for t in tables),
            sum(sum(t.dropped.values()) for t in tables),
        )
        stdout.print(
            f"{rows} joined rows = {merged} merged + {rejected} of rejected rows + {dropped} dropped; "
            f"details in {DROPPED.location(workspace)}"
        )


def fetch_images(
    study: StudyOption = Path("."),
    workers: Annotated[int | None, typer.Option(help="Parallel downloads (default: fetch.workers).")] = None,
    retry_failed: Annotated[bool, typer.Option(help="Also try again URLs that failed in an earlier run.")] = False,
) -> None:
    """Download URL images into the workspace cache (resumable; failures recorded per image; a host that
    cannot be reached is given up for the run and its URLs left for the next one)."""
    workspace = open_study(study)
    show_fetch(workspace, execute(FETCH_IMAGES, workspace, FetchOptions(workers=workers, retry_failed=retry_failed)))


def show_fetch(workspace: Workspace, summary: FetchSummary) -> None:
    # "skipped" URLs are those of a host given up in this run: it could not be reached
    table = Table("host", "fetched", "failed", "host unreachable", title="Images per host")
    for host, counts in summary.per_host().items():
        table.add_row(catalogue(host), str(counts["ok"]), str(counts["failed"]), str(counts["skipped"]))
    stdout.print(table)
    statuses = list(summary.statuses.values())
    cached, failed, unreachable = (statuses.count(name) for name in ("ok", "failed", "skipped"))
    stdout.print(
        f"{len(statuses)} image URLs: {cached} cached, {failed} failed ({summary.tried - unreachable} of them in this run)"
        + (
            f", {unreachable} could not be fetched: host unreachable, given up for this run "
            "(the next `hw fetch-images` tries them again)"
            if unreachable
            else ""
        )
        + f"; see {FETCHED.location(workspace)}"
        + ("; `--retry-failed` tries the failed ones again" if failed and not summary.retried_failed else "")
    )
    stdout.print(f"{summary.bytes_fetched:,} bytes fetched in this run ({summary.bytes_fetched / 1e6:.1f} MB)")
    if summary.iiif_images:
        side = summary.iiif_side
        stdout.print(f"{summary.iiif_images} IIIF images requested at most {side}×{side} pixels (fetch.iiif_size)")
    if summary.refused:
        stdout.print(
            f"{summary.refused} image URLs refused: not public addresses, or not URLs that can be requested "
            "(a study's own image server: [fetch] allow_hosts)"
        )
    if summary.credentials:
        stdout.print(f"{summary.credentials} image URLs held a user name or password: taken out, never sent")
    for url in [u for u, s in summary.statuses.items() if s == "failed"][:10]:
        error = summary.outcomes[url]["error"] or ""
        stdout.print(Text.assemble("  failed: ", catalogue(without_credentials(url)), ": ", catalogue(error)))


INGEST_VERB = Verb(INGEST, show_ingest, ingest)
FETCH_IMAGES_VERB = Verb(FETCH_IMAGES, show_fetch, fetch_images)
