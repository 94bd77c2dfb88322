"""Core verbs: init, demo-data, ingest, fetch-images, status."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from heritage_weaver.console import StudyOption, console, fail, open_study, progress_bar, stdout

STAGE_ORDER = ("ingest", "fetch-images", "model", "train", "embed", "index", "sample", "push", "pull",
               "analyze", "evaluate", "report")


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new study workspace.")],
    name: Annotated[str | None, typer.Option(help="Study name (default: the folder name).")] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Also write the synthetic demo collections.")] = False,
) -> None:
    """Create a study workspace with a commented study.toml."""
    from heritage_weaver.demo import create_demo_study
    from heritage_weaver.scaffold import init_workspace

    try:
        if demo:
            create_demo_study(directory)
            config = directory / "study.toml"
        else:
            config = init_workspace(directory, name)
    except FileExistsError as error:
        fail(str(error))
    console.print(f"Created [bold]{config}[/]. Edit it, then run [bold]hw ingest -s {directory}[/].")


def demo_data(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo collections into.")],
    smg: Annotated[int, typer.Option(help="Records in the SMG-like JSON-lines dump.")] = 800,
    nms: Annotated[int, typer.Option(help="Records in the NMS-like CSV export.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 0,
) -> None:
    """Write two synthetic collections in the real source formats, with a hidden ground truth."""
    from heritage_weaver.demo import write_demo_data

    files = write_demo_data(directory, smg, nms, seed)
    console.print(f"Wrote {smg} SMG records to {files.smg}, {nms} NMS records to {files.nms}, "
                  f"ground truth (for evaluation only) to {files.ground_truth}.")


def ingest(study: StudyOption = Path(".")) -> None:
    """Read every collection export into records/records.parquet; rejected rows into records/rejects.parquet,
    values a record does not keep into records/dropped.parquet."""
    from heritage_weaver.ingest import ingest_collections
    from heritage_weaver.ingest.adapters import IngestError
    from heritage_weaver.ingest.report import ingest_tables

    workspace = open_study(study)
    try:
        result = ingest_collections(workspace)
    except (IngestError, OSError) as error:
        fail(str(error))
    for table in ingest_tables(result.counts):
        stdout.print(table)
    total = sum(c.rows for c in result.counts)
    accepted = sum(c.accepted for c in result.counts)
    rejected = sum(c.rejected for c in result.counts)
    read, kept, dropped = (sum(getattr(c, name) for c in result.counts) for name in ("values_read", "values_kept", "values_dropped"))
    stdout.print(f"{total} rows = {accepted} accepted + {rejected} rejected; details in "
                 f"{workspace.path('records', 'rejects.parquet')}")
    stdout.print(f"{read} values read from accepted rows = {kept} kept + {dropped} dropped; details in "
                 f"{workspace.path('records', 'dropped.parquet')}")


def fetch_images(
    study: StudyOption = Path("."),
    workers: Annotated[int | None, typer.Option(help="Parallel downloads (default: fetch.workers).")] = None,
    retry_failed: Annotated[bool, typer.Option(help="Also try again URLs that failed in an earlier run.")] = False,
) -> None:
    """Download URL images into the workspace cache (resumable; failures recorded per image; a host that
    cannot be reached is given up for the run and its URLs left for the next one)."""
    from urllib.parse import urlsplit

    from heritage_weaver.fetch import fetch_images as run_fetch, image_urls

    workspace = open_study(study)
    settings = workspace.config.fetch
    if workers:
        settings = settings.model_copy(update={"workers": workers})
    urls = image_urls(workspace)
    attempted = []
    with progress_bar("images") as progress:
        task = progress.add_task("fetching", total=len(urls))

        def advance(outcome) -> None:
            attempted.append(outcome)
            progress.advance(task)

        def host_down(host: str, reason: str) -> None:
            console.print(f"[yellow]Giving up on {host} for this run:[/] {settings.host_failures} attempts in a row "
                          f"could not resolve or connect to it ({reason}). Its remaining images are skipped and "
                          "stay to do; run `hw fetch-images` again once the host can be reached.")

        outcomes = run_fetch(workspace, urls, settings, retry_failed, on_done=advance, on_host_down=host_down)
    statuses = {url: outcomes.get(url, {}).get("status", "skipped") for url in urls}
    table = Table("host", "fetched", "failed", "skipped", title="Images per host")
    per_host: dict[str, list[int]] = {}
    for url, status in statuses.items():
        per_host.setdefault(urlsplit(url).netloc, [0, 0, 0])[("ok", "failed", "skipped").index(status)] += 1
    for host, numbers in sorted(per_host.items()):
        table.add_row(host, *map(str, numbers))
    stdout.print(table)
    cached, failed, skipped = (sum(s == name for s in statuses.values()) for name in ("ok", "failed", "skipped"))
    stdout.print(f"{len(urls)} image URLs: {cached} cached, {failed} failed, {skipped} skipped "
                 f"({len(attempted)} taken up in this run); see {workspace.path('images', 'fetched.parquet')}"
                 + ("; `--retry-failed` tries the failed ones again" if failed and not retry_failed else ""))
    for url in [u for u, s in statuses.items() if s == "failed"][:10]:
        stdout.print(f"  failed: {url}: {outcomes[url]['error']}")


def status(
    study: StudyOption = Path("."),
    repair: Annotated[bool, typer.Option("--repair", help="Replace an unreadable manifest.json with its last good copy.")] = False,
) -> None:
    """Show which stages are done, stale (inputs or config changed) or missing."""
    workspace = open_study(study, read_manifest=not repair)
    if repair:
        console.print(workspace.repair_manifest())
    recorded_verbs = {entry["verb"] for entry in workspace.manifest().values()}
    table = Table("stage", "state", "artifacts", title=f"Study {workspace.config.study.name}")
    colours = {"done": "green", "stale": "yellow", "missing": "red"}
    for verb in STAGE_ORDER + tuple(sorted(recorded_verbs - set(STAGE_ORDER))):
        states = workspace.verb_states(verb)
        state = "missing" if not states else "done" if set(states.values()) == {"done"} else "stale"
        not_done = [f"{artifact} ({s})" for artifact, s in states.items() if s != "done"]
        listed = ", ".join(not_done) or (f"{len(states)} artifact(s) up to date" if states else "–")
        table.add_row(verb, f"[{colours[state]}]{state}[/]", listed)
    stdout.print(table)


def run(
    study: StudyOption = Path("."),
    labelstudio: Annotated[bool, typer.Option(help="Push to and pull from Label Studio (else write import files).")] = True,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would run.")] = False,
) -> None:
    """Run the study from where it stands to the furthest stage its inputs allow."""
    from heritage_weaver.cli import app
    from heritage_weaver.pipeline import plan, step_state

    workspace = open_study(study)
    command = typer.main.get_command(app)
    for step in plan(workspace, labelstudio):
        workspace = open_study(study)  # earlier steps may have written what this one needs
        state = step_state(workspace, step)
        if state != "ready" or dry_run:
            console.print(f"[dim]{step.verb:>16}: {state}[/]")
            continue
        console.rule(f"hw {' '.join(a for a in step.arguments if a != str(workspace.root) and a != '--study')}")
        code = command.main(list(step.arguments), prog_name="hw", standalone_mode=False)
        if code:
            fail(f"`hw {step.arguments[0]}` failed; fix the problem above and run `hw run` again", code)
    console.print("[green]The study is as far as its inputs allow.[/] `hw status` shows every stage.")


def register(app: typer.Typer) -> None:
    app.command("run")(run)
    app.command("init")(init)
    app.command("demo-data")(demo_data)
    app.command("ingest")(ingest)
    app.command("fetch-images")(fetch_images)
    app.command("status")(status)
