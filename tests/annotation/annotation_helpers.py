"""Helpers for the Label Studio tests: batches in the documented layout, annotations posted as the editor does."""

from __future__ import annotations

import hashlib

import pandas as pd

COMPARISONS = ("image-image", "text-text")
MODELS = ("base", "ft-best")


def make_batch(records: pd.DataFrame, annotator: str, start: int, n_pairs: int) -> pd.DataFrame:
    """A blind batch in the documented layout: `n_pairs` SMG × NMS pairs with provenance columns."""
    smg = records[records["collection"] == "smg"].reset_index(drop=True)
    nms = records[records["collection"] == "nms"].reset_index(drop=True)
    rows = []
    for position in range(n_pairs):
        a = smg.iloc[(start + position) % len(smg)]
        b = nms.iloc[(start + 3 * position) % len(nms)]
        row = {
            "pair_id": hashlib.sha256(f"{a.record_id}|{b.record_id}".encode()).hexdigest()[:16],
            "annotator": annotator,
            "position": position,
            "record_a": a.record_id,
            "collection_a": "smg",
            "record_b": b.record_id,
            "collection_b": "nms",
            "link_types": ["image-image/all models"] if position % 2 else ["text-text/base only"],
            "is_control": False,
            "is_overlap": position == 0,
        }
        for comparison in COMPARISONS:
            for model in MODELS:
                row[f"score.{comparison}.{model}"] = 0.9 + position / 1000
                row[f"link.{comparison}.{model}"] = bool(position % 2)
        rows.append(row)
    return pd.DataFrame(rows)


def result(label: str | None, comment: str | None = None) -> list[dict]:
    regions = []
    if label:
        regions.append(
            {"from_name": "label", "to_name": "description_a", "type": "choices", "value": {"choices": [label]}}
        )
    if comment:
        regions.append(
            {"from_name": "comment", "to_name": "description_a", "type": "textarea", "value": {"text": [comment]}}
        )
    return regions


def post(connection, path: str, body: dict) -> dict:
    response = connection.http.post(path, json=body)
    response.raise_for_status()
    return response.json()
