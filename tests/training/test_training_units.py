"""Pure parts of training: the loss, the schedule, the split, pairs and batch order."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import torch

from training.data import epoch_batches, fixed_batches
from training.loss import SigmoidLoss
from training.pairs import build_pairs, description_segments
from training.schedule import warmup_cosine
from training.split import extend_split, split_records


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def test_study_loss_is_the_mean_cross_entropy_over_both_directions():
    logits = torch.tensor([[2.0, -1.0], [0.5, 3.0]])
    # positives on the diagonal cost softplus(-z), negatives softplus(z); mean over 4 cells
    expected = (softplus(-2.0) + softplus(-1.0) + softplus(0.5) + softplus(-3.0)) / 4
    assert SigmoidLoss("study")(logits).item() == pytest.approx(expected, rel=1e-6)


def test_paper_loss_sums_cells_and_divides_by_batch_size():
    logits = torch.tensor([[2.0, -1.0, 0.0], [0.5, 3.0, -2.0], [1.0, 1.0, 1.0]])
    study = SigmoidLoss("study")(logits).item()
    assert SigmoidLoss("paper")(logits).item() == pytest.approx(study * 3, rel=1e-6)


def test_loss_matches_transformers_own_siglip_loss():
    logits = torch.randn(5, 5, generator=torch.Generator().manual_seed(0)) * 4
    eye = torch.eye(5)
    reference = -torch.nn.functional.logsigmoid((2 * eye - 1) * logits.t()).sum(dim=-1).mean()
    assert SigmoidLoss("paper")(logits).item() == pytest.approx(reference.item(), rel=1e-6)


def test_unknown_normalisation_is_refused():
    with pytest.raises(ValueError, match="normalisation"):
        SigmoidLoss("other")  # type: ignore[arg-type]


def test_warmup_then_cosine_to_zero():
    factors = [warmup_cosine(step, warmup_steps=4, total_steps=12) for step in range(12)]
    assert factors[:4] == [0.25, 0.5, 0.75, 1.0]
    assert factors[4] == 1.0
    assert factors[8] == pytest.approx(0.5)
    assert all(a >= b for a, b in zip(factors[4:], factors[5:]))
    assert warmup_cosine(12, 4, 12) == pytest.approx(0.0)


def records_frame(counts: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame([{"record_id": f"{c}-{i:03d}", "collection": c} for c, n in counts.items() for i in range(n)])


def test_split_is_stratified_seeded_and_complete():
    records = records_frame({"smg": 200, "nms": 30, "one": 1})
    split = split_records(records, eval_fraction=0.1, seed=7)
    assert sorted(split["record_id"]) == sorted(records["record_id"])
    eval_counts = split[split["split"] == "eval"].groupby("collection").size().to_dict()
    assert eval_counts == {"smg": 20, "nms": 3}  # a single-record collection stays in train
    assert split.equals(split_records(records.sample(frac=1, random_state=1), 0.1, 7))
    assert not split.equals(split_records(records, 0.1, 8))


def test_extending_a_split_keeps_earlier_assignments():
    first = split_records(records_frame({"smg": 50}), 0.2, seed=1)
    grown = extend_split(first, records_frame({"smg": 60}), 0.2, seed=1)
    assert grown.iloc[:50].equals(first)
    assert len(grown) == 60 and set(grown["record_id"]) == {f"smg-{i:03d}" for i in range(60)}
    assert extend_split(first, records_frame({"smg": 50}), 0.2, 1) is first


class WordTokenizer:
    """A stand-in tokenizer: one token per word (unit tests only)."""

    def __call__(self, text, add_special_tokens=False, verbose=False):
        return {"input_ids": text.split()}

    def decode(self, ids):
        return " ".join(ids)


def test_description_segments_fit_the_token_budget():
    words = [f"w{i}" for i in range(130)]
    segments = description_segments(WordTokenizer(), " ".join(words), tokens=64)
    assert [len(s.split()) for s in segments] == [63, 63, 4]
    assert " ".join(segments).split() == words


def test_pairs_cross_images_with_name_and_segments_and_drop_duplicates():
    records = [
        {
            "record_id": "a",
            "collection": "smg",
            "name": "telephone",
            "description": "a black telephone",
            "images": ["a1.jpg", "a2.jpg"],
        },
        {"record_id": "b", "collection": "smg", "name": "lamp", "description": "", "images": []},
        {"record_id": "c", "collection": "nms", "name": "telephone", "description": "telephone", "images": ["c1.jpg"]},
    ]
    pairs = build_pairs(records, WordTokenizer())
    assert list(zip(pairs["record_id"], pairs["image"], pairs["kind"], pairs["text"])) == [
        ("a", "a1.jpg", "name", "telephone"),
        ("a", "a1.jpg", "segment", "a black telephone"),
        ("a", "a2.jpg", "name", "telephone"),
        ("a", "a2.jpg", "segment", "a black telephone"),
        ("c", "c1.jpg", "name", "telephone"),  # its description segment repeats (text, image)
    ]


def test_epoch_order_is_a_seeded_permutation_in_full_batches():
    batches = epoch_batches(10, 4, seed=3, epoch=0)
    assert [len(b) for b in batches] == [4, 4]
    assert len(np.unique(np.concatenate(batches))) == 8
    assert all((a == b).all() for a, b in zip(batches, epoch_batches(10, 4, 3, 0)))
    assert not all((a == b).all() for a, b in zip(batches, epoch_batches(10, 4, 3, 1)))
    assert [len(b) for b in epoch_batches(3, 4, 0, 0)] == [3]
    evaluation = fixed_batches(5, 2, seed=3)
    assert [len(b) for b in evaluation] == [2, 2]  # the single leftover pair has no negative
    assert all((a == b).all() for a, b in zip(evaluation, fixed_batches(5, 2, seed=3)))
