"""`hw sample` on a workspace: load vectors, run the pipeline, write artifacts and the manifest."""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter

from rich.table import Table

from heritage_weaver.atomic import write_table
from heritage_weaver.console import console, fail, progress_bar, stdout
from heritage_weaver.workspace import Workspace
from sampler.pipeline import SampleError, SampleResult, SampleSettings, run_sample

CONFIG_SECTIONS = ("study", "models", "comparisons", "sampling")
THRESHOLDS = "sampler/thresholds.parquet"
LINKS = "sampler/links.parquet"


def batch_artifact(annotator: str) -> str:
    return f"sampler/batches/{annotator}.parquet"


def artifacts(ws: Workspace) -> list[str]:
    return [THRESHOLDS, LINKS] + [batch_artifact(a) for a in ws.config.sampling.annotators]


def sample_study(ws: Workspace, force: bool = False) -> SampleResult | None:
    """Compute thresholds, links and batches unless they are up to date (or `force`)."""
    if not force and all(state == "done" for state in ws.artifact_states(artifacts(ws)).values()):
        console.print("sampler artifacts are up to date (use --force to compute them again)")
        return None
    try:
        from embeddings.store import load_vectors
    except ImportError as error:
        fail(f"the embeddings stage is not available ({error}); run `hw embed` first")
    settings = SampleSettings.from_config(ws.config)
    ws.path("sampler").mkdir(parents=True, exist_ok=True)
    for leftover in ws.path("sampler").glob(".scores-*"):  # spills of a run that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=ws.path("sampler"), prefix=".scores-") as workdir, progress_bar("pairs") as bar:
        tasks: dict[str, int] = {}

        def advance(comparison: str, pairs: int, total: int) -> None:
            if comparison not in tasks:
                tasks[comparison] = bar.add_task(f"scoring {comparison}", total=total)
            bar.advance(tasks[comparison], pairs)

        try:
            result = run_sample(settings, lambda m, modality, c: load_vectors(ws, m, modality, c), workdir, advance)
        except SampleError as error:
            fail(str(error))
    _write(ws, settings, result)
    print_summary(result)
    stale = sorted(p.name for p in ws.path("sampler", "batches").glob("*.parquet") if p.stem not in result.batches)
    if stale:
        console.print(f"[yellow]note:[/] batches of annotators no longer configured remain in sampler/batches: {stale}")
    return result


def _write(ws: Workspace, settings: SampleSettings, result: SampleResult) -> None:
    inputs = [f"embeddings/{model}" for model in settings.models]
    provenance = {
        "seed": settings.seed, "percentile": settings.percentile, "percentile_mode": settings.percentile_mode,
        "strata": [s.name for s in result.strata], "link_types": result.link_types,
    }
    write_table(ws.path(THRESHOLDS), result.thresholds)
    ws.record(THRESHOLDS, "sample", inputs=inputs, config_sections=CONFIG_SECTIONS, **provenance)
    write_table(ws.path(LINKS), result.links)
    ws.record(LINKS, "sample", inputs=inputs, config_sections=CONFIG_SECTIONS, pairs=result.links.num_rows, **provenance)
    for annotator, batch in result.batches.items():
        shortfalls = result.shortfalls[result.shortfalls["annotator"].isin([annotator, "(all)"])]
        write_table(ws.path(batch_artifact(annotator)), batch)
        ws.record(batch_artifact(annotator), "sample", inputs=inputs + [THRESHOLDS, LINKS], config_sections=CONFIG_SECTIONS,
                  pairs=len(batch), shortfalls=shortfalls.to_dict("records"), **provenance)


def print_summary(result: SampleResult) -> None:
    per_type = Counter(t for types in result.links.column("link_types").to_pylist() for t in types)
    shown_pairs = {(p, t) for b in result.batches.values() for p, types in zip(b["pair_id"], b["link_types"]) for t in types}
    shown = Counter(t for _, t in shown_pairs)
    strata = Table(title="Links per stratum")
    for column in ("comparison", "stratum", "links", "in batches"):
        strata.add_column(column, justify="left" if column in ("comparison", "stratum") else "right")
    for link_type in result.link_types:
        comparison, stratum = link_type.split("/", 1)
        strata.add_row(comparison, stratum, f"{per_type[link_type]:,}", f"{shown[link_type]:,}")
    thresholds = Table(title="Thresholds")
    for column in ("model", "comparison", "aggregation", "mode", "percentile", "threshold", "links", "record pairs"):
        thresholds.add_column(column)
    for row in result.thresholds.itertuples():
        thresholds.add_row(row.model, row.comparison, row.aggregation, row.mode, f"{row.percentile:g}",
                           f"{row.threshold:.4f}", f"{row.links:,}", f"{row.record_pairs:,}")
    stdout.print(thresholds)
    stdout.print(strata)
    batches = ", ".join(f"{a}: {len(b)}" for a, b in result.batches.items())
    stdout.print(f"{result.links.num_rows:,} linked pairs; batches {batches}")
    if len(result.shortfalls):
        console.print("[yellow]shortfall:[/] some link types or batches could not be filled")
        short = Table("annotator", "link type", "wanted", "drawn", title="Shortfall")
        for row in result.shortfalls.itertuples():
            short.add_row(row.annotator, row.link_type, str(row.wanted), str(row.drawn))
        stdout.print(short)
