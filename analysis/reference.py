"""True precision beside the estimates, from the study's reference standard (REFERENCE_STANDARD:
pairs whose true label is known, and the chance a curator gives each another label).

The demo writes one from its hidden ground truth (`hw simulate-labels`); a project lead may write one
of the links and non-links they know. A link is truly positive when its reference label is one of
the study's positive labels. Curators err: one who gives a pair its reference label with chance
1 − `curator_error`, else one of the other labels alike, labels it positive with the chance
`positive_chance` gives, so the share they would label positive differs from the true share;
`truth_as_labelled` is that expected share (each link's chance averaged over the links), which is
what the estimator targets. A link the reference standard does not name counts in no truth.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from analysis.design import link_column
from analysis.precision import model_weights
from annotation.artifacts import LABEL_VALUES

TRUTH_COLUMNS = ("comparison", "model", "truth", "truth_as_labelled", "truth_all_links")
PAIR_KEYS = ["record_a", "collection_a", "record_b", "collection_b"]
SWAPPED = {
    "record_a": "record_b",
    "collection_a": "collection_b",
    "record_b": "record_a",
    "collection_b": "collection_a",
}


def positive_chance(label: str, positive_labels: Iterable[str], error: float) -> float:
    """The chance that a curator who errs with chance `error` gives a pair whose true label is `label`
    a positive label: the true label with chance 1 − error, else one of the other three at random."""
    positive = set(positive_labels)
    others = [other for other in LABEL_VALUES if other != label]
    return (1 - error) * (label in positive) + error * sum(other in positive for other in others) / len(others)


def curator_errors(reference: pd.DataFrame) -> pd.Series:
    """Each named pair's curator error: NaN where the reference standard gives none (its column is optional)."""
    if "curator_error" not in reference.columns:
        return pd.Series(np.nan, index=reference.index, dtype="float64")
    return reference["curator_error"].astype("float64")


def curator_error(reference: pd.DataFrame) -> float | None:
    """The one curator error the reference standard gives; None when it gives several, or none."""
    errors = set(curator_errors(reference).dropna().tolist())
    return errors.pop() if len(errors) == 1 else None


def pair_truth(links: pd.DataFrame, reference: pd.DataFrame, positive_labels: Iterable[str]) -> pd.DataFrame:
    """Per link: whether it is truly positive (1 or 0), and its chance of a positive label; NaN where
    the reference standard does not name the pair (either way round), or gives no curator error."""
    positive = list(positive_labels)
    reference = reference[[*PAIR_KEYS, "label"]].assign(curator_error=curator_errors(reference))
    named = pd.concat([reference, reference.rename(columns=SWAPPED)], ignore_index=True)
    named = named.drop_duplicates(subset=PAIR_KEYS)  # a pair named both ways round: as first written
    known = links[PAIR_KEYS].merge(named, on=PAIR_KEYS, how="left")
    chances = {
        (label, error): positive_chance(label, positive, error)
        for label, error in known[["label", "curator_error"]].dropna().drop_duplicates().itertuples(index=False)
    }
    return pd.DataFrame(
        {
            "positive": known["label"].isin(positive).astype(float).where(known["label"].notna()).to_numpy(),
            "chance": [
                chances.get((label, error), np.nan)
                for label, error in zip(known["label"], known["curator_error"], strict=True)
            ],
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
    (`truth`) and the share curators would label positive (`truth_as_labelled`, what the
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
