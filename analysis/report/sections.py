"""The report's sections of the study: manifest, links, labels, precision, regressions, agreement,
evaluations and prediction (`findings`, `limits` and `publishable` are sections of their own)."""

from __future__ import annotations

import pandas as pd

from analysis import artifacts, figures, reference
from analysis.report.parts import Section, read_or_note
from analysis.report.truth import precision_truth, truth_markers
from annotation.artifacts import LABEL_VALUES
from heritage_weaver.workspace import Workspace
from ingest.artifacts import RECORDS
from prediction.artifacts import PREDICTION_CONFUSION, PREDICTION_NOTES, PREDICTION_PROPOSALS, PREDICTION_SCORES
from sampler.artifacts import LINKS, THRESHOLDS
from sampler.artifacts.design import left_out as design_left_out
from sampler.artifacts.design import study_comparisons, study_models
from training.artifacts.fine_tuning import fine_tuning_skipped

PER_NOUN_ROWS = 40


def manifest_section(ws: Workspace) -> Section:
    config = ws.config
    section = Section(
        "manifest", "Study manifest", "What this study is made of and the settings every result depends on."
    )
    records = read_or_note(ws, RECORDS, section)
    counts = records["collection"].value_counts() if records is not None else pd.Series(dtype=int)
    section.table(
        "Collections",
        pd.DataFrame(
            [
                {
                    "collection": c.name,
                    "format": c.format,
                    "source": c.path.name,
                    "records": int(counts.get(c.name, 0)) if records is not None else None,
                }
                for c in config.collections
            ]
        ),
    )
    left_out = {item.name: item.why for item in design_left_out(ws) if item.kind == "model"}
    section.table(
        "Models",
        pd.DataFrame(
            [
                {"model": name, "checkpoint": location, "in this study": left_out.get(name, "yes")}
                for name, location in config.models.items()
            ]
        ),
    )
    sampling = config.sampling
    settings = {
        "seed": config.study.seed,
        "simulation": config.study.simulation,
        "comparisons": ", ".join(f"{c.name} ({c.aggregation})" for c in study_comparisons(ws)),
        "link rule": sampling.link_rule_text,
        "annotators": ", ".join(sampling.annotators),
        "pairs per annotator": sampling.per_annotator,
        "overlap": sampling.overlap,
        "positive labels": ", ".join(config.analysis.positive_labels),
        "intercept": config.analysis.intercept,
        "permutations": config.analysis.permutations,
        "config hash": config.section_hash(),
    }
    section.table("Settings", pd.DataFrame({"setting": list(settings), "value": [str(v) for v in settings.values()]}))
    thresholds = read_or_note(ws, THRESHOLDS, section)
    if thresholds is not None:
        section.table("Thresholds", thresholds)
    manifest = ws.manifest()
    if manifest:
        section.table(
            "Provenance",
            pd.DataFrame(
                [
                    {
                        "artifact": name,
                        "verb": entry.get("verb"),
                        "time": entry.get("time"),
                        "config hash": entry.get("config_hash"),
                    }
                    for name, entry in sorted(manifest.items())
                ]
            ),
            folded=True,
        )
    return section


def link_counts(links: pd.DataFrame) -> pd.DataFrame:
    """Pairs per link type (comparison/stratum) from the sampler's links table."""
    exploded = links["link_types"].explode().dropna()
    table = exploded.value_counts().rename_axis("link_type").reset_index(name="pairs")
    return table.sort_values("link_type").reset_index(drop=True)


def links_section(ws: Workspace) -> Section:
    section = Section(
        "links",
        "Links per stratum",
        "Cross-collection links of each model, by comparison and agreement stratum. "
        f"Link rule: {ws.config.sampling.link_rule_text}.",
    )
    links = read_or_note(ws, LINKS, section)
    if links is not None:
        section.table("Pairs per link type", link_counts(links))
    return section


def labels_section(ws: Workspace) -> Section:
    section = Section(
        "labels",
        "Labels",
        "Expert labels on the sampled pairs, and how they binarise (positive: "
        + ", ".join(ws.config.analysis.positive_labels)
        + ").",
    )
    overall = read_or_note(ws, artifacts.LABEL_DISTRIBUTION, section)
    by_type = read_or_note(ws, artifacts.LABELS_BY_LINK_TYPE, section)
    by_annotator = read_or_note(ws, artifacts.LABELS_BY_ANNOTATOR, section)
    by_round = read_or_note(ws, artifacts.LABELS_BY_ROUND, section)
    excluded = read_or_note(ws, artifacts.EXCLUDED, section)
    if overall is not None:
        section.table("Label distribution", overall)
    if by_round is not None:
        section.table("Labels per labelling round", by_round)
    if by_type is not None:
        section.table("Labels per link type", by_type)
        if not by_type.empty:
            section.figure("Labels per link type", figures.label_bars(by_type, list(LABEL_VALUES)))
    if by_annotator is not None:
        section.table("Labels per annotator", by_annotator)
    if excluded is not None:
        reasons = excluded["reason"].value_counts().rename_axis("reason").reset_index(name="annotations")
        section.table("Annotations left out", reasons, empty_because="every annotation was used")
    return section


def precision_section(ws: Workspace) -> Section:
    section = Section(
        "precision",
        "Population precision",
        "The share of each model's links judged positive, estimated for the whole link set of each comparison: "
        "each agreement stratum's labelled share is weighted by its number of links (sampler/links.parquet), so "
        "small, heavily sampled strata do not stand for large, lightly sampled ones. A pair labelled by several "
        "annotators counts once (its adjudicated label, else the mean of its binary labels). 95% intervals: "
        "Wilson per stratum with finite-population correction, combined by MOVER. Estimates cover the links in "
        "sampled strata; `coverage` is their share of the model's links.",
    )
    by_model = read_or_note(ws, artifacts.PRECISION, section)
    difference = read_or_note(ws, artifacts.PRECISION_DIFFERENCE, section)
    strata = read_or_note(ws, artifacts.PRECISION_STRATA, section)
    if by_model is None or difference is None or strata is None:
        return section
    if by_model.empty:
        section.notes.append(f"no estimates: {LINKS.path} was missing when `hw analyze` ran")
        return section
    truth = precision_truth(ws, strata, section)
    if truth is not None:
        by_model = by_model.merge(truth, on=["comparison", "model"], how="left")
        difference = difference.merge(
            reference.true_difference(truth, ws.config.sampling.base_model), on=["comparison", "model"], how="left"
        )
        for frame in (by_model, difference):
            frame["covers truth as labelled"] = (frame["ci_low"] <= frame["truth_as_labelled"]) & (
                frame["truth_as_labelled"] <= frame["ci_high"]
            )
    no_labels = "no labelled pair lies in a stratum of the links"
    section.table("Precision per model and comparison", by_model.drop(columns=["message"]), empty_because=no_labels)
    section.table("Fine-tuned minus base", difference.drop(columns=["message"]), empty_because=no_fine_tuned_model(ws))
    section.table("Precision per stratum", strata, empty_because=no_labels)
    section.notes += [
        f"{r.comparison} · {r.model}: {r.message}"
        for r in by_model.itertuples()
        if isinstance(r.message, str) and r.message
    ]
    markers = truth_markers(ws) if truth is not None else None
    shown = by_model.dropna(subset=["precision"])
    if not shown.empty:
        section.figure(
            "Precision per model and comparison (95% intervals)", figures.precision_forest(shown, "precision", markers)
        )
    shown = difference.dropna(subset=["difference"])
    if not shown.empty:
        section.figure("Fine-tuned minus base (95% intervals)", figures.precision_forest(shown, "difference", markers))
    return section


def no_fine_tuned_model(ws: Workspace) -> str:
    """Why a table of fine-tuned models against the base model is empty."""
    fine_tuned = [m for m in study_models(ws) if m != ws.config.sampling.base_model]
    if fine_tuned:
        return f"no labelled pair tells {', '.join(fine_tuned)} from the base model"
    skipped = " (`hw train` was skipped)" if fine_tuning_skipped(ws) else ""
    return f"the study has no fine-tuned model{skipped}"


def regressions_section(ws: Workspace) -> Section:
    intercept = "with an intercept" if ws.config.analysis.intercept else "without an intercept, as in the study"
    section = Section(
        "regressions",
        "Regressions",
        f"Logistic regressions of the binary label on link flags, fitted {intercept}. Table 6 design: base and one fine-tuned model's flags "
        "within the pair's comparison; Table 7 design: one flag per comparison × model. `none` is the study's design; "
        "`cluster` adds cluster-robust errors by annotator; `fixed` adds annotator dummies.",
    )
    fits = read_or_note(ws, artifacts.REGRESSION_FITS, section)
    coefficients = read_or_note(ws, artifacts.REGRESSION_COEFFICIENTS, section)
    if fits is not None:
        section.table("Fits", fits, empty_because=no_fine_tuned_model(ws))
        section.notes += [
            f"{r.table} · {r.model} · {r.annotator_effects}: not estimated: {r.message}"
            for r in fits.itertuples()
            if r.status != "ok"
        ]
    if coefficients is not None and not coefficients.empty:
        for (table, model), rows in coefficients.groupby(["table", "model"], sort=True):
            shown = rows.drop(columns=["table", "model", "intercept"]).rename(
                columns={
                    "std_err": "std err",
                    "p_value": "P>|z|",
                    "ci_low": "[0.025",
                    "ci_high": "0.975]",
                    "n_obs": "n obs",
                }
            )
            section.table(f"{table} design, {model}", shown)
        flags = coefficients[(coefficients["kind"] == "flag") & (coefficients["annotator_effects"] == "none")]
        if not flags.empty:
            section.figure("Link-flag coefficients, study design (95% intervals)", figures.coefficient_plot(flags))
    return section


def agreement_section(ws: Workspace) -> Section:
    section = Section(
        "agreement",
        "Agreement",
        "Agreement between annotators on pairs that more than one of them labelled, before adjudication "
        "(the annotators' own labels).",
    )
    alpha = read_or_note(ws, artifacts.AGREEMENT_ALPHA, section)
    kappa = read_or_note(ws, artifacts.AGREEMENT_KAPPA, section)
    by_round = read_or_note(ws, artifacts.LABELS_BY_ROUND, section)
    if by_round is not None:
        adjudicated = int(by_round["adjudicated"].sum()) if len(by_round) else 0
        section.notes.append(
            f"{adjudicated} pair(s) adjudicated (`hw push --adjudication`); the precision estimates and the "
            "published links use the adjudicated label where there is one"
        )
    shared = f"no two annotators labelled a common pair (sampling.overlap = {ws.config.sampling.overlap:g})"
    if alpha is not None:
        section.table("Krippendorff's alpha", alpha, empty_because=shared)
    if kappa is not None:
        section.table("Pairwise Cohen's kappa", kappa, empty_because=shared)
    return section


def _model_order(frame: pd.DataFrame, models: list[str], then: list[str]) -> pd.DataFrame:
    """Rows in the config's model order (base first), then by the given columns."""
    rank = {model: index for index, model in enumerate(models)}
    return frame.sort_values(
        ["model", *then], key=lambda column: column.map(rank) if column.name == "model" else column
    ).reset_index(drop=True)


def zero_shot_layout(zero: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """Table 3's layout: a row per model, data and target; accuracy, precision and F1 per candidate count."""
    wide = zero.pivot_table(
        index=["model", "data", "target"], columns="candidates", values=["accuracy", "precision", "f1"]
    )
    wide = wide.reindex(columns=sorted(wide.columns, key=lambda c: (c[1], ["accuracy", "precision", "f1"].index(c[0]))))
    wide.columns = [f"{metric} ({n} candidates)" for metric, n in wide.columns]
    return _model_order(wide.reset_index(), models, ["data", "target"])


def per_noun_layout(nouns: pd.DataFrame, models: list[str], base: str) -> pd.DataFrame:
    """One row per noun (all data, fewest candidates): images, each model's accuracy and its difference from base."""
    chosen = nouns[(nouns["data"] == "all") & (nouns["candidates"] == nouns["candidates"].min())]
    accuracy = chosen.pivot_table(index="target", columns="model", values="accuracy")
    difference = chosen.pivot_table(index="target", columns="model", values="difference")
    ordered = [m for m in models if m in accuracy.columns]
    table = accuracy[ordered].add_suffix(" accuracy")
    table.columns.name = None
    for model in (m for m in ordered if m != base):
        table[f"{model} − base"] = difference[model]
    table.insert(0, "images", chosen.groupby("target")["n_images"].max())
    return (
        table.rename_axis("noun")
        .reset_index()
        .sort_values(["images", "noun"], ascending=[False, True])
        .reset_index(drop=True)
    )


def evaluations_section(ws: Workspace) -> Section:
    section = Section(
        "evaluations",
        "Model evaluations",
        "Held-out records only. Relevance: all-MiniLM-L6-v2 name similarity ≥ "
        f"{ws.config.analysis.relevance_threshold}.",
    )
    zero = read_or_note(ws, artifacts.ZERO_SHOT, section)
    nouns = read_or_note(ws, artifacts.ZERO_SHOT_PER_NOUN, section)
    image = read_or_note(ws, artifacts.RETRIEVAL_IMAGE, section)
    cross = read_or_note(ws, artifacts.RETRIEVAL_CROSS_MODAL, section)
    notes = read_or_note(ws, artifacts.EVALUATION_NOTES, section)
    models = study_models(ws)
    if zero is not None and not zero.empty:
        section.table("Zero-shot classification (Table 3)", zero_shot_layout(zero, models))
    if nouns is not None and not nouns.empty:
        compact = per_noun_layout(nouns, models, ws.config.sampling.base_model)
        section.table(
            f"Zero-shot accuracy per noun against base (all data, {nouns['candidates'].min()} candidates)",
            compact.head(PER_NOUN_ROWS),
        )
        if len(compact) > PER_NOUN_ROWS:
            section.notes.append(
                f"per noun: the {PER_NOUN_ROWS} nouns with most images are shown; all {len(compact)} are in analysis/zero_shot_per_noun.csv"
            )
    if image is not None and not image.empty:
        wide = image.pivot_table(index=["model", "n"], columns="scope", values=["mean", "sd"]).sort_index(
            axis=1, level=1
        )
        wide.columns = [f"{scope} {stat}" for stat, scope in wide.columns]
        section.table("Image→image relevance (Table 4)", _model_order(wide.reset_index(), models, ["n"]))
    if cross is not None and not cross.empty:
        section.table("Cross-modal search (Table 5)", _model_order(cross, models, ["direction"]))
    if notes is not None:
        section.notes += notes["note"].tolist()
    return section


SINGLE_MODALITIES = ("image", "text", "tabular")
FUSED_MODALITIES = ("mean", "stacked")
CEILING = 0.95  # a single modality at or above this macro F1 leaves fusion little to add


def prediction_f1_layout(scores: pd.DataFrame, models: list[str]) -> pd.DataFrame:
    """One row per modality (singles, then fused), a column per model: macro F1 and its 95% interval."""
    macro = scores[scores["metric"] == "macro_f1"]
    order = [m for m in (*SINGLE_MODALITIES, *FUSED_MODALITIES) if m in set(macro["modality"])]
    table = pd.DataFrame({"modality": order})
    for model in [m for m in models if m in set(macro["model"])]:
        rows = macro[macro["model"] == model].set_index("modality")
        table[f"{model} macro F1"] = table["modality"].map(rows["value"])
        table[f"{model} 95% interval"] = table["modality"].map(
            lambda m, rows=rows: (
                f"[{rows.at[m, 'ci_low']:.3f}, {rows.at[m, 'ci_high']:.3f}]" if m in rows.index else None
            )
        )
    return table


def fusion_verdicts(scores: pd.DataFrame, models: list[str]) -> list[str]:
    """Per model, whether the stacked fusion reaches the best single modality, and if not, why not."""
    macro = scores[scores["metric"] == "macro_f1"]
    verdicts = []
    for model in [m for m in models if m in set(macro["model"])]:
        rows = macro[macro["model"] == model].set_index("modality")
        singles = rows[rows.index.isin(SINGLE_MODALITIES)]
        best = str(singles["value"].idxmax())
        fused, single = rows.loc["stacked"], rows.loc[best]
        head = f"{model}: stacked fusion {fused['value']:.3f} against the best single modality, {best}, {single['value']:.3f}"
        if fused["value"] >= single["value"]:
            verdicts.append(f"{head}: fusion is at least as good.")
            continue
        overlap = fused["ci_high"] >= single["ci_low"] and single["ci_high"] >= fused["ci_low"]
        reasons = []
        if single["value"] >= CEILING:
            reasons.append(f"{best} alone is near the ceiling, so the other modalities can only add noise")
        if overlap:
            reasons.append("the intervals overlap, so the held-out records cannot tell the two apart")
        if int(rows["n_train"].iloc[0]) < 20 * int(rows["classes"].iloc[0]):
            reasons.append(
                f"{int(rows['n_train'].iloc[0])} training records for {int(rows['classes'].iloc[0])} classes "
                "are few for a second-level model"
            )
        verdicts.append(f"{head}: fusion is lower; " + ("; ".join(reasons) or "no modality adds to the best one") + ".")
    return verdicts


def proposal_summary(proposals: pd.DataFrame) -> pd.DataFrame:
    """Per collection: records with proposals and how sure the most probable value is."""
    top = proposals[proposals["rank"] == 1]
    grouped = top.groupby("collection")["probability"]
    return (
        pd.DataFrame(
            {
                "records": grouped.size(),
                "mean top probability": grouped.mean(),
                "share ≥ 0.9": grouped.apply(lambda p: float((p >= 0.9).mean())),
            }
        )
        .rename_axis("collection")
        .reset_index()
    )


def prediction_section(ws: Workspace) -> Section:
    config = ws.config.prediction
    section = Section(
        "prediction",
        "Metadata prediction",
        "Catalogue fields predicted from each model's record embeddings: a classifier per modality (image and "
        "text vectors: logistic regression; tabular fields: gradient boosting), their mean, and a stacking model "
        "fitted on cross-validated probabilities of the training records. Scored on the held-out records only; "
        f"95% intervals from {config.bootstrap} bootstrap resamples of them. Held-out records come from the "
        "collections that record the field: proposals for a collection that never records it are extrapolation.",
    )
    if not config.fields:
        section.notes.append("no fields named in [prediction] fields (see docs/analyst.md)")
    models = study_models(ws)
    for field_name in config.fields:
        part = {"field": field_name}
        scores = read_or_note(ws, PREDICTION_SCORES.at(**part), section)
        confusion = read_or_note(ws, PREDICTION_CONFUSION.at(**part), section)
        proposals = read_or_note(ws, PREDICTION_PROPOSALS.at(**part), section)
        notes = read_or_note(ws, PREDICTION_NOTES.at(**part), section)
        if scores is None or scores.empty:
            continue
        first = scores.iloc[0]
        section.notes.append(
            f"{field_name}: {int(first['n_train'])} training and {int(first['n_eval'])} held-out records, "
            f"{int(first['classes'])} classes"
        )
        section.table(
            f"{field_name}: held-out macro F1, base vs fine-tuned, single vs fused",
            prediction_f1_layout(scores, models),
        )
        section.table(
            f"{field_name}: every score",
            _model_order(
                scores.drop(columns=["field", "n_train", "n_eval", "classes"]), models, ["modality", "metric"]
            ),
        )
        section.notes += fusion_verdicts(scores, models)
        stacked = scores[(scores["metric"] == "macro_f1") & (scores["modality"] == "stacked")]
        chosen = str(stacked.loc[stacked["value"].idxmax(), "model"])
        if confusion is not None:
            cells = confusion[confusion["model"] == chosen]
            matrix = cells.pivot_table(index="truth", columns="predicted", values="count", aggfunc="sum", fill_value=0)
            matrix.columns.name = None
            section.table(
                f"{field_name}: confusion matrix of the stacked classifier ({chosen}; rows: truth, columns: predicted)",
                matrix.reset_index(),
            )
            if not cells.empty:
                section.figure(
                    f"{field_name}: confusion of the stacked classifier ({chosen}), held-out records",
                    figures.confusion_heatmap(cells, f"{field_name} · {chosen} · stacked"),
                )
        if proposals is not None:
            section.table(
                f"{field_name}: proposals for records without it ({chosen}, stacked; "
                f"predict/{field_name}/proposals.parquet)",
                proposal_summary(proposals),
            )
        if notes is not None:
            section.notes += notes["note"].tolist()
    return section
