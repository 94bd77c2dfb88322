"""Rankings of several modalities merge by record: reciprocal rank fusion, each record once."""

from __future__ import annotations

import pandas as pd

from embeddings.search import RRF_K, merge_by_record


def _ranking(modality: str, records: list[str], scores: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {"record_id": records, "score": scores, "unit_id": [f"{modality}:{r}" for r in records], "modality": modality}
    )


def test_a_record_found_by_both_modalities_outranks_one_found_by_one():
    image = _ranking("image", ["a", "b", "c"], [0.12, 0.10, 0.05])
    text = _ranking("text", ["b", "d", "a"], [0.91, 0.90, 0.80])
    merged = merge_by_record({"image": image, "text": text}, k=4)
    # b: 1/(K+2) + 1/(K+1); a: 1/(K+1) + 1/(K+3); then the records found once: d (rank 2) before c (rank 3)
    assert merged["record_id"].tolist() == ["b", "a", "d", "c"]
    assert 1 / (RRF_K + 2) + 1 / (RRF_K + 1) > 1 / (RRF_K + 1) + 1 / (RRF_K + 3)
    # each record keeps the row of the modality where it ranks best: its score is that modality's
    rows = merged.set_index("record_id")
    assert (rows.loc["b", "modality"], rows.loc["b", "score"]) == ("text", 0.91)
    assert (rows.loc["a", "modality"], rows.loc["a", "unit_id"]) == ("image", "image:a")
    assert list(merged.columns) == list(image.columns)


def test_merging_keeps_k_records_and_breaks_ties_by_the_modality_given_first():
    image = _ranking("image", ["x", "y"], [0.3, 0.2])
    text = _ranking("text", ["z", "x"], [0.9, 0.8])
    merged = merge_by_record({"image": image, "text": text}, k=2)
    assert merged["record_id"].tolist() == ["x", "z"]
    assert merged.loc[0, "modality"] == "image"  # x ranks 1st in images, 2nd in texts
    image, text = _ranking("image", ["q"], [0.1]), _ranking("text", ["p"], [0.9])
    assert merge_by_record({"image": image, "text": text}, k=2)["record_id"].tolist() == ["q", "p"]
    assert merge_by_record({"text": text, "image": image}, k=2)["record_id"].tolist() == ["p", "q"]
    same = _ranking("image", ["s", "r"], [0.5, 0.5])
    tied = merge_by_record({"image": same, "text": _ranking("text", ["r", "s"], [0.9, 0.9])}, k=2)
    assert tied["record_id"].tolist() == ["s", "r"]  # equal sums, equal best ranks: s's comes from images
