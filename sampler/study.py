"""`hw sample` on a workspace: load vectors, run the pipeline, write artifacts and the manifest."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import asdict, replace
from pathlib import Path

from embeddings.artifacts import UNITS
from heritage_weaver.artifacts import Artifact
from heritage_weaver.compute import chosen_engine, ray_session
from heritage_weaver.progress import SILENT, Progress
from heritage_weaver.workspace import Workspace
from sampler.artifacts import BATCH, LINKS, THRESHOLDS
from sampler.pipeline import SampleError, SampleResult, run_sample
from sampler.selection import MapStrips
from sampler.settings import SampleSettings
from training.artifacts.fine_tuning import LeftOut, models_left_out

__all__ = ["SampleError", "artifacts", "sample_study"]


def artifacts(ws: Workspace) -> list[Artifact]:
    return [THRESHOLDS, LINKS] + [BATCH.at(annotator=a) for a in ws.config.sampling.annotators]


def sample_study(
    ws: Workspace, force: bool = False, progress: Progress = SILENT, engine: str | None = None
) -> SampleResult | None:
    """Compute thresholds, links and batches unless they are up to date (or `force`); None when up to date.

    On the Ray engine (`heritage_weaver.compute.chosen_engine`) the percentile rule's passes and the
    top-k rule's strips run as Ray tasks over strips of blocks, the percentile passes recomputing
    the scores (a spill on this machine's disk is no use to tasks elsewhere).
    """
    engine, source = chosen_engine(ws.config, engine)
    if not force and all(state == "done" for state in ws.artifact_states(a.path for a in artifacts(ws)).values()):
        progress.note("sampler artifacts are up to date (use --force to compute them again)")
        return None
    left_out = models_left_out(ws)
    models = tuple(m for m in ws.config.models if m not in {item.name for item in left_out})
    settings = replace(SampleSettings.from_config(ws.config), models=models)
    for item in left_out:
        progress.note(f"model {item.name!r} is left out: {item.why}")
    progress.note(f"sampling on the {engine} engine (chosen by {source})")
    if engine == "ray":
        from sampler.ray_tasks import ray_map

        with ray_session(ws.config.compute) as session:
            # two groups of top-k strips per CPU: work for all, few n_b × k partials to move
            return _sample(
                ws, replace(settings, score_store="recompute"), left_out, progress, ray_map, 2 * session.cpus
            )
    return _sample(ws, settings, left_out, progress, map, None)


def _sample(
    ws: Workspace,
    settings: SampleSettings,
    left_out: list[LeftOut],
    progress: Progress,
    map_strips: MapStrips,
    tasks: int | None,
) -> SampleResult:
    from embeddings.artifacts.vectors import load_vectors

    folder = THRESHOLDS.location(ws).parent
    folder.mkdir(parents=True, exist_ok=True)
    for leftover in folder.glob(".scores-*"):  # spills of a run that was killed
        shutil.rmtree(leftover, ignore_errors=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".scores-") as workdir:
        bars = {}

        def advance(comparison: str, pairs: int, total: int) -> None:
            if comparison not in bars:
                bars[comparison] = progress.task(f"scoring {comparison}", total, "pairs")
            bars[comparison](pairs)

        result = run_sample(
            settings, lambda m, modality, c: load_vectors(ws, m, modality, c), Path(workdir), advance, map_strips, tasks
        )
    for comparison, why in result.left_out.items():
        progress.note(f"comparison {comparison!r} is left out: {why}")
    _write(ws, settings, result, left_out)
    stale = sorted(p.name for p in BATCH.instances(ws) if p.stem not in result.batches)
    if stale:
        progress.note(f"batches of annotators no longer configured remain in {folder / 'batches'}: {stale}")
    return result


def _write(ws: Workspace, settings: SampleSettings, result: SampleResult, left_out: list[LeftOut]) -> None:
    inputs = [UNITS.at(model=model).location(ws).parent for model in settings.models]
    provenance = {
        "seed": settings.seed,
        "link_rule": settings.link_rule,
        "score_store": settings.score_store,
        **(
            {"top_k": settings.top_k, "direction": settings.direction}
            if settings.link_rule == "top_k"
            else {"percentile": settings.percentile, "percentile_mode": settings.percentile_mode}
        ),
        "strata": [s.name for s in result.strata],
        "link_types": result.link_types,
        "models": list(settings.models),
        "comparisons": [c.name for c in settings.comparisons if c.name not in result.left_out],
        "left_out": [asdict(item) for item in left_out]
        + [asdict(LeftOut("comparison", name, why)) for name, why in result.left_out.items()],
    }
    THRESHOLDS.write(ws, result.thresholds, inputs, **provenance)
    LINKS.write(ws, result.links, inputs, pairs=result.links.num_rows, **provenance)
    for annotator, batch in result.batches.items():
        shortfalls = result.shortfalls[result.shortfalls["annotator"].isin([annotator, "(all)"])]
        BATCH.at(annotator=annotator).write(
            ws,
            batch,
            [*inputs, THRESHOLDS, LINKS],
            pairs=len(batch),
            shortfalls=shortfalls.to_dict("records"),
            **provenance,
        )
