"""`hw sample`: high-similarity cross-collection pairs, stratified by model agreement, into blind batches."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table
from rich.text import Text

from analysis.artifacts import LINK_PROBABILITIES, PRECISION_STRATA
from heritage_weaver.workspace import Workspace
from hw_cli.console import StudyOption, console, execute, fail, key_column, number_column, open_study, stdout
from hw_cli.verbs import Verb
from sampler.feedback import LabelFeedback
from sampler.pipeline import SampleResult
from sampler.plan import SamplePlan
from sampler.rounds import RoundResult
from sampler.stage import SAMPLE, SAMPLE_PLAN, SAMPLE_ROUND, PlanOptions, RoundOptions, SampleOptions

# What later rounds learn from the labels so far: the analysis's tables, handed to the sampler here.
LABEL_FEEDBACK = LabelFeedback(precision_strata=PRECISION_STRATA, link_probabilities=LINK_PROBABILITIES)


def sample(
    study: StudyOption = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="Compute again even when the sampler artifacts are up to date.")
    ] = False,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Sample nothing: print the expected 95% half-width of each model's population precision with the "
            "current batches, and the labelled pairs per stratum that --target needs (Neyman allocation).",
        ),
    ] = False,
    target: Annotated[float, typer.Option(help="With --plan: the 95% half-width to plan for.")] = 0.05,
    round: Annotated[
        int | None,
        typer.Option(
            "--round",
            help="Draw a later labelling round (2, 3, …): new pairs no batch has shown, where the intervals are "
            "widest, into sampler/batches/round-N/; earlier rounds stay as they are.",
        ),
    ] = None,
    per_annotator: Annotated[
        int | None, typer.Option("--per-annotator", help="With --round: pairs per annotator in the round.")
    ] = None,
    score_bands: Annotated[
        int,
        typer.Option(
            "--score-bands",
            help="With --round: split each stratum's quota over this many bands of its links' scores (quantiles), "
            "so the high scores where thresholds are chosen get their share; every banded round keeps the same "
            "number.",
        ),
    ] = 1,
    purpose: Annotated[
        str,
        typer.Option(
            help="With --round: estimate (the probability sample) or learn (the learning stream: pairs that teach "
            "the calibration most, shown blind like the others, never part of a precision estimate)."
        ),
    ] = "estimate",
    learn_by: Annotated[
        str,
        typer.Option(
            "--learn-by",
            help="With --purpose learn: uncertainty (calibrated probability nearest ½; needs `hw calibrate`) "
            "or disagreement (the models' score ranks furthest apart).",
        ),
    ] = "uncertainty",
    engine: Annotated[
        str | None,
        typer.Option(
            help="local or ray: the percentile rule's passes as Ray tasks (default: $HW_ENGINE, else compute.engine)."
        ),
    ] = None,
) -> None:
    """Score record pairs per model and comparison, find each model's links (percentile or top-k rule), draw batches."""
    workspace = open_study(study)
    if round is not None:
        if per_annotator is None:
            fail("--round needs --per-annotator (the pairs each annotator gets in the round)")
        options = RoundOptions(round, per_annotator, score_bands, purpose, learn_by, LABEL_FEEDBACK)
        show_round(workspace, execute(SAMPLE_ROUND, workspace, options))
        return
    if per_annotator is not None:
        fail("--per-annotator goes with --round (round 1 takes sampling.per_annotator from study.toml)")
    if score_bands != 1 or purpose != "estimate" or learn_by != "uncertainty":
        fail("--score-bands, --purpose and --learn-by go with --round (round 1 is one band, all estimate)")
    if plan:
        show_plan(workspace, execute(SAMPLE_PLAN, workspace, PlanOptions(target=target, feedback=LABEL_FEEDBACK)))
        return
    show_sample(workspace, execute(SAMPLE, workspace, SampleOptions(force=force, engine=engine)))


def show_plan(workspace: Workspace, plan: SamplePlan) -> None:
    guess = "labelled shares so far" if plan.shares_from_labels else "½ in every stratum (no labels analysed yet)"
    expected = Table(title="Expected 95% half-width of each model's precision with the current batches")
    for column in ("comparison", "model", "links", "pairs", "half-width"):
        expected.add_column(column, justify="left" if column in ("comparison", "model") else "right")
    for row in plan.expected.itertuples():
        width = "– (a stratum has no pairs)" if row.half_width == float("inf") else f"±{row.half_width:.3f}"
        expected.add_row(row.comparison, row.model, f"{row.links:,}", str(row.pairs), width)
    allocation = Table(title=f"Pairs per stratum for ±{plan.target:g} on every model (Neyman allocation)")
    for column in ("comparison", "stratum", "links", "in batches", "guessed share", "needed", "more"):
        allocation.add_column(column, justify="left" if column in ("comparison", "stratum") else "right")
    for row in plan.allocation.itertuples():
        allocation.add_row(
            row.comparison,
            row.stratum,
            f"{row.population:,}",
            str(row.pairs),
            f"{row.share:.2f}",
            str(row.needed),
            str(row.more),
        )
    stdout.print(expected)
    stdout.print(allocation)
    console.print(f"shares guessed from {guess}; {int(plan.allocation['more'].sum()):,} more labelled pairs in all")


def show_round(workspace: Workspace, result: RoundResult | None) -> None:
    if result is None:
        return
    table = Table(title=f"Round {result.round}: pairs per stratum")
    for column in ("comparison", "stratum", "links", "shown before", "quota", "drawn"):
        table.add_column(column, justify="left" if column in ("comparison", "stratum") else "right")
    for row in result.allocation.itertuples():
        table.add_row(
            row.comparison, row.stratum, f"{row.population:,}", str(row.pairs), str(row.quota), str(row.drawn)
        )
    stdout.print(table)
    if result.purpose == "learn":
        aim = "the learning stream: no part of any precision estimate"
    else:
        aim = f"aimed at ±{result.target:.3f} on every model" if result.target else "every pair left is drawn"
    batches = ", ".join(f"{a}: {len(b)}" for a, b in result.batches.items())
    stdout.print(f"round {result.round}: {int(result.allocation['drawn'].sum())} new pairs ({aim}); batches {batches}")
    console.print("next: `hw push` creates the round's projects beside the first round's")


def show_sample(workspace: Workspace, result: SampleResult | None) -> None:
    if result is None:
        return
    per_type = Counter(t for types in result.links.column("link_types").to_pylist() for t in types)
    shown_pairs = {
        (p, t) for b in result.batches.values() for p, types in zip(b["pair_id"], b["link_types"]) for t in types
    }
    shown = Counter(t for _, t in shown_pairs)
    strata = Table(title="Links per stratum")
    for column in ("comparison", "stratum", "links", "in batches"):
        strata.add_column(column, justify="left" if column in ("comparison", "stratum") else "right")
    for link_type in result.link_types:
        comparison, stratum = link_type.split("/", 1)
        strata.add_row(comparison, stratum, f"{per_type[link_type]:,}", f"{shown[link_type]:,}")
    stdout.print(links_table(workspace, result.thresholds))
    stdout.print(strata)
    batches = ", ".join(f"{a}: {len(b)}" for a, b in result.batches.items())
    stdout.print(f"{result.links.num_rows:,} linked pairs; batches {batches}")
    if len(result.shortfalls):
        console.print(Text.assemble(("shortfall:", "yellow"), " some link types or batches could not be filled"))
        short = Table("annotator", "link type", "wanted", "drawn", title="Shortfall")
        for row in result.shortfalls.itertuples():
            short.add_row(row.annotator, row.link_type, str(row.wanted), str(row.drawn))
        stdout.print(short)


def links_table(workspace: Workspace, thresholds: pd.DataFrame) -> Table:
    """Each model's links per comparison. The rule (percentile and mode, or top k and direction)
    is the same for every row, so the title states it and the columns stay few enough for 80."""
    top_k = workspace.config.sampling.link_rule == "top_k"
    table = Table(title=f"{'Links' if top_k else 'Thresholds'} ({workspace.config.sampling.link_rule_text})")
    for column in ("model", "comparison", "aggregation"):
        key_column(table, column)
    for column in ("lowest link score" if top_k else "threshold", "links", "record pairs"):
        number_column(table, column)
    for row in thresholds.itertuples():
        table.add_row(
            row.model,
            row.comparison,
            row.aggregation,
            f"{row.threshold:.4f}",
            f"{row.links:,}",
            f"{row.record_pairs:,}",
        )
    return table


SAMPLE_VERB = Verb(SAMPLE, show_sample, sample)
