"""Agreement between annotators on pairs that more than one of them labelled."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from analysis.artifacts import AGREEMENT_ALPHA, AGREEMENT_KAPPA
from annotation.artifacts import LABEL_VALUES

ALPHA_COLUMNS = list(AGREEMENT_ALPHA.columns)
KAPPA_COLUMNS = list(AGREEMENT_KAPPA.columns)


def shared_pairs(labelled: pd.DataFrame) -> pd.DataFrame:
    """The annotations of pairs labelled by at least two different annotators."""
    coders = labelled.groupby("pair_id")["annotator"].nunique()
    return labelled[labelled["pair_id"].isin(coders[coders >= 2].index)]


def krippendorff_alpha(labelled: pd.DataFrame, column: str) -> tuple[float | None, str | None]:
    """Nominal Krippendorff's alpha of `column` over pairs labelled more than once."""
    import krippendorff

    shared = shared_pairs(labelled)
    if shared.empty:
        return None, "no pair was labelled by more than one annotator"
    codes = {value: index for index, value in enumerate(sorted(shared[column].astype(str).unique()))}
    if len(codes) < 2:
        return None, "every shared pair got the same value, so expected disagreement is zero and alpha is undefined"
    matrix = shared.pivot_table(index="annotator", columns="pair_id", values=column, aggfunc="first")
    data = matrix.apply(lambda col: col.map(lambda value: codes[str(value)] if pd.notna(value) else np.nan)).to_numpy(
        dtype=float
    )
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")), None


def alpha_table(labelled: pd.DataFrame) -> pd.DataFrame:
    """Alpha on the four labels and on the binary label, with how much data it rests on."""
    shared = shared_pairs(labelled)
    rows = []
    for scale, column in (("4 labels", "label"), ("binary", "binary")):
        value, message = krippendorff_alpha(labelled, column)
        rows.append(
            {
                "measure": "Krippendorff's alpha (nominal)",
                "scale": scale,
                "value": value,
                "n_pairs": int(shared["pair_id"].nunique()),
                "n_annotations": len(shared),
                "n_annotators": int(shared["annotator"].nunique()),
                "message": message,
            }
        )
    return pd.DataFrame(rows, columns=ALPHA_COLUMNS)


def _kappa(a: pd.Series, b: pd.Series, labels: list) -> float:
    from sklearn.metrics import cohen_kappa_score

    if a.nunique() == 1 and b.nunique() == 1 and a.iloc[0] == b.iloc[0]:
        return float("nan")  # both always gave the same single value: chance agreement is 1
    return float(cohen_kappa_score(a, b, labels=labels))


def pairwise_kappa(labelled: pd.DataFrame) -> pd.DataFrame:
    """Cohen's kappa for each pair of annotators over the pairs both labelled."""
    wide = labelled.pivot_table(index="pair_id", columns="annotator", values="label", aggfunc="first")
    binary = labelled.pivot_table(index="pair_id", columns="annotator", values="binary", aggfunc="first")
    rows = []
    for first, second in combinations(sorted(wide.columns), 2):
        both = wide[[first, second]].dropna()
        if both.empty:
            continue
        shared_binary = binary.loc[both.index, [first, second]].astype(int)
        rows.append(
            {
                "annotator_a": first,
                "annotator_b": second,
                "n_shared": len(both),
                "observed_agreement": float((both[first] == both[second]).mean()),
                "kappa": _kappa(both[first], both[second], list(LABEL_VALUES)),
                "kappa_binary": _kappa(shared_binary[first], shared_binary[second], [0, 1]),
            }
        )
    return pd.DataFrame(rows, columns=KAPPA_COLUMNS)
