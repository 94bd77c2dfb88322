"""The demo's true precision beside the estimates (simulation only: a real study has no ground truth).

A linked pair is truly positive when the label the demo's catalogue facts give it
(`demo.truth.true_label`: same type and variant, same type, or same category)
is one of the study's positive labels. Simulated annotators err with a known noise, so the share
they would label positive differs from the true share; `truth_as_labelled` is that expected
share (each pair's chance of a positive label, averaged over the links), which is what the
estimator targets.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.design import link_column
from analysis.precision import model_weights
from demo.truth import Truth, comment_noise, positive_chance, true_label

TRUTH_COLUMNS = ("comparison", "model", "truth", "truth_as_labelled", "truth_all_links")


def simulation_noise(labels: pd.DataFrame) -> float | None:
    """The one noise every simulated annotation names; None when there are several or none."""
    noises = {comment_noise(comment) for comment in labels["comment"]} - {None}
    return noises.pop() if len(noises) == 1 else None


def pair_truth(
    links: pd.DataFrame, truth: dict[tuple[str, str], Truth], positive_labels: Iterable[str], noise: float | None
) -> pd.DataFrame:
    """Per link: whether it is truly positive, and its chance of a positive simulated label."""
    positive = list(positive_labels)
    missing = Truth("", "(unknown a)", ""), Truth("", "(unknown b)", "")
    labels = [
        true_label(truth.get((ca, ra), missing[0]), truth.get((cb, rb), missing[1]))
        for ra, ca, rb, cb in links[["record_a", "collection_a", "record_b", "collection_b"]].itertuples(index=False)
    ]
    chance = {label: positive_chance(label, positive, noise) if noise is not None else np.nan for label in set(labels)}
    return pd.DataFrame(
        {
            "positive": [label in positive for label in labels],
            "chance": [chance[label] for label in labels],
        },
        index=links.index,
    )


def true_precision(
    links: pd.DataFrame,
    strata: pd.DataFrame,
    comparisons: Sequence[str],
    models: Sequence[str],
    truth: pd.DataFrame,
) -> pd.DataFrame:
    """Per comparison × model: true precision over the links in sampled strata, as labelled, and over all links."""
    rows = []
    members = links["link_types"].map(lambda values: set(values) if values is not None else set())
    for comparison in comparisons:
        rows_c = strata[strata["comparison"] == comparison]
        for model in models:
            sampled = set(rows_c.loc[model_weights(rows_c, model) > 0, "link_type"])
            linked = links[link_column(comparison, model)].fillna(False).astype(bool)
            covered = linked & members.map(lambda types, sampled=sampled: bool(types & sampled))
            rows.append(
                {
                    "comparison": comparison,
                    "model": model,
                    "truth": truth.loc[covered, "positive"].mean(),
                    "truth_as_labelled": truth.loc[covered, "chance"].mean(),
                    "truth_all_links": truth.loc[linked, "positive"].mean(),
                }
            )
    return pd.DataFrame(rows, columns=list(TRUTH_COLUMNS))


def true_difference(precision_truth: pd.DataFrame, base: str) -> pd.DataFrame:
    """Per comparison × model: the true differences against the base model (the three truths)."""
    values = ["truth", "truth_as_labelled", "truth_all_links"]
    base_rows = precision_truth[precision_truth["model"] == base].set_index("comparison")[values]
    others = precision_truth[precision_truth["model"] != base].set_index(["comparison", "model"])[values]
    return (others - base_rows.reindex(others.index.get_level_values(0)).to_numpy()).reset_index()


def true_precision_above(
    probabilities: pd.DataFrame, chosen: pd.DataFrame, truth: pd.DataFrame, labelled: set[str]
) -> pd.DataFrame:
    """Per comparison with a threshold (`chosen`: comparison, threshold): over the candidates whose
    probability reaches it (`probabilities`: pair_id, comparison, probability), the true share positive
    (`truth`) and the share simulated annotators would label positive (`truth_as_labelled`, what the
    lower bound is about); and the same over those no one labelled (`unlabelled`, `unlabelled_truth`,
    `unlabelled_truth_as_labelled`), the ones `hw export-links --precision` publishes. `truth` is
    pair_truth's frame indexed by pair_id."""
    rows = []
    for comparison, threshold in chosen.dropna(subset=["threshold"])[["comparison", "threshold"]].itertuples(
        index=False
    ):
        above = probabilities[(probabilities["comparison"] == comparison) & (probabilities["probability"] >= threshold)]
        facts = truth.loc[above["pair_id"]]
        unlabelled = ~above["pair_id"].isin(labelled).to_numpy()
        rows.append(
            {
                "comparison": comparison,
                "truth": facts["positive"].mean(),
                "truth_as_labelled": facts["chance"].mean(),
                "unlabelled": int(unlabelled.sum()),
                "unlabelled_truth": facts.loc[unlabelled, "positive"].mean(),
                "unlabelled_truth_as_labelled": facts.loc[unlabelled, "chance"].mean(),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "comparison",
            "truth",
            "truth_as_labelled",
            "unlabelled",
            "unlabelled_truth",
            "unlabelled_truth_as_labelled",
        ],
    )
