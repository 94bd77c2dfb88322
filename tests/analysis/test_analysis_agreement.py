import math

import pandas as pd
import pytest

from analysis.agreement import alpha_table, krippendorff_alpha, pairwise_kappa
from analysis.labels import binarise

POSITIVE = ["same object", "similar object", "same category"]


def _frame(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["pair_id", "annotator", "label"])
    frame["binary"] = binarise(frame["label"], POSITIVE)
    return frame


def test_alpha_matches_a_hand_computed_coincidence_matrix():
    # units (a,a), (a,b), (b,b): o_aa = o_bb = 2, o_ab = o_ba = 1, n = 6
    # D_o = 2/6, D_e = 2·3·3/(6·5) = 0.6, alpha = 1 − (1/3)/0.6 = 4/9
    frame = _frame(
        [
            ("p1", "A", "unrelated"),
            ("p1", "B", "unrelated"),
            ("p2", "A", "unrelated"),
            ("p2", "B", "same object"),
            ("p3", "A", "same object"),
            ("p3", "B", "same object"),
            ("p4", "A", "similar object"),  # labelled once: not part of alpha
        ]
    )
    value, message = krippendorff_alpha(frame, "label")
    assert message is None
    assert value == pytest.approx(4 / 9)
    table = alpha_table(frame).set_index("scale")
    assert table.loc["binary", "value"] == pytest.approx(4 / 9)
    assert table.loc["4 labels", "n_pairs"] == 3


def test_alpha_without_repeated_pairs_says_so():
    frame = _frame([("p1", "A", "unrelated"), ("p2", "B", "same object")])
    table = alpha_table(frame)
    assert table["value"].isna().all()
    assert table["message"].str.contains("no pair was labelled by more than one annotator").all()


def test_pairwise_kappa_matches_hand_computation():
    a = ["same object", "unrelated", "unrelated", "similar object"]
    b = ["same object", "unrelated", "similar object", "similar object"]
    c = ["unrelated", "unrelated"]
    rows = [(f"p{i}", "A", label) for i, label in enumerate(a)] + [(f"p{i}", "B", label) for i, label in enumerate(b)]
    rows += [("q0", "C", c[0]), ("q1", "C", c[1])]
    table = pairwise_kappa(_frame(rows))
    assert len(table) == 1  # C shares no pair with A or B
    row = table.iloc[0]
    assert (row["annotator_a"], row["annotator_b"], row["n_shared"]) == ("A", "B", 4)
    assert row["observed_agreement"] == pytest.approx(0.75)
    # p_e = (1·1 + 2·1 + 1·2)/16 = 5/16 → kappa = (3/4 − 5/16)/(11/16) = 7/11
    assert row["kappa"] == pytest.approx(7 / 11)
    # binary: A = 1,0,0,1 and B = 1,0,1,1 → p_e = 1/2 → kappa = 1/2
    assert row["kappa_binary"] == pytest.approx(0.5)


def test_kappa_undefined_when_both_always_agree_on_one_value():
    rows = [("p1", "A", "unrelated"), ("p1", "B", "unrelated"), ("p2", "A", "unrelated"), ("p2", "B", "unrelated")]
    row = pairwise_kappa(_frame(rows)).iloc[0]
    assert row["observed_agreement"] == 1.0
    assert math.isnan(row["kappa"])
