import numpy as np
import pandas as pd
import pytest
from sampler_fakes import COMPARISONS, MODELS, brute_force_scores, make_study_vectors

from sampler.artifacts import BATCH_BANDS, BATCH_DESIGN, BATCH_INCLUSION, BATCH_PURPOSE
from sampler.pairs import pair_ids, record_hashes
from sampler.pipeline import SampleError, run_sample
from sampler.settings import SampleSettings

BATCH_COLUMNS = [
    "pair_id",
    "annotator",
    "position",
    "record_a",
    "collection_a",
    "record_b",
    "collection_b",
    "link_types",
    "is_control",
    "is_overlap",
]


def _settings(**changes):
    base = dict(
        models=MODELS,
        base_model="base",
        comparisons=COMPARISONS,
        collection_a="a",
        collection_b="b",
        link_rule="percentile",
        percentile=90.0,
        percentile_mode="record",
        top_k=3,
        direction="both",
        block_size=16,
        score_store="spill",
        annotators=("A01", "A02", "A03"),
        per_annotator=12,
        overlap=0.25,
        controls=2,
        seed=11,
    )
    return SampleSettings(**{**base, **changes})


def _run(data, tmp_path, **changes):
    return run_sample(_settings(**changes), lambda m, modality, c: data[(m, modality, c)], tmp_path)


def _reference(data, model, comparison):
    ids_a, vectors_a = data[(model, comparison.modality_a, "a")]
    ids_b, vectors_b = data[(model, comparison.modality_b, "b")]
    return ids_a["record_id"].to_numpy(), vectors_a, ids_b["record_id"].to_numpy(), vectors_b


@pytest.mark.parametrize("block_size", [1, 4096])
def test_record_thresholds_and_links_match_brute_force(study_vectors, tmp_path, block_size):
    result = _run(study_vectors, tmp_path, block_size=block_size)
    links = result.links.to_pandas().set_index(["record_a", "record_b"])
    for comparison in COMPARISONS:
        linked_any = set()
        for model in MODELS:
            scores = brute_force_scores(*_reference(study_vectors, model, comparison), comparison.aggregation)
            row = result.thresholds.query("model == @model and comparison == @comparison.name").iloc[0]
            assert row.threshold == pytest.approx(np.percentile(scores.to_numpy().ravel(), 90), abs=1e-6)
            assert row.scores_counted == scores.size == row.record_pairs
            stacked = scores.stack()
            expected = set(stacked[stacked >= row.threshold].index)
            assert row.links == len(expected)
            flagged = links[links[f"link.{comparison.name}.{model}"]]
            assert set(flagged.index) == expected
            np.testing.assert_allclose(
                flagged[f"score.{comparison.name}.{model}"], stacked.loc[list(flagged.index)], atol=1e-6
            )
            linked_any |= expected
        in_links = links[
            [
                any(t.startswith(comparison.name + "/") for t in types)
                or any(links.loc[i, f"link.{comparison.name}.{m}"] for m in MODELS)
                for i, types in zip(links.index, links["link_types"])
            ]
        ]
        assert set(in_links.index) == linked_any


@pytest.mark.parametrize("block_size", [2, 4096])
def test_unit_mode_takes_the_percentile_over_unit_pairs(study_vectors, tmp_path, block_size):
    result = _run(study_vectors, tmp_path, percentile_mode="unit", block_size=block_size, percentile=99.0)
    for comparison in COMPARISONS:
        for model in MODELS:
            ids_a, vectors_a, ids_b, vectors_b = _reference(study_vectors, model, comparison)
            cosines = vectors_a.astype(np.float64) @ vectors_b.astype(np.float64).T
            row = result.thresholds.query("model == @model and comparison == @comparison.name").iloc[0]
            assert row["mode"] == "unit" and row.scores_counted == cosines.size == row.unit_pairs
            assert row.threshold == pytest.approx(np.percentile(cosines, 99), abs=1e-6)


def test_records_without_units_are_counted(study_vectors, tmp_path):
    thresholds = _run(study_vectors, tmp_path).thresholds.set_index(["comparison", "model"])
    assert (thresholds.loc["image-image", "records_a_without_units"] == 6).all()  # every 5th of 30 records
    assert (thresholds.loc["text-text", "records_a_without_units"] == 0).all()
    assert (thresholds.loc["text-image", "records_b_without_units"] == 0).all()


def test_link_types_follow_the_agreement_pattern(study_vectors, tmp_path):
    result = _run(study_vectors, tmp_path)
    assert len(result.link_types) == 15
    names = {"111": "all", "100": "base-only", "011": "fine-tuned-only", "010": "ft-last-only", "001": "ft-best-only"}
    for row in result.links.to_pylist():
        expected = []
        for comparison in COMPARISONS:
            pattern = "".join("1" if row[f"link.{comparison.name}.{m}"] else "0" for m in MODELS)
            if pattern in names:
                expected.append(f"{comparison.name}/{names[pattern]}")
        assert row["link_types"] == expected
        assert any(row[f"link.{c.name}.{m}"] for c in COMPARISONS for m in MODELS)


def test_batches_have_the_documented_columns_and_shape(study_vectors, tmp_path):
    result = _run(study_vectors, tmp_path)
    score_columns = [f"{kind}.{c.name}.{m}" for c in COMPARISONS for m in MODELS for kind in ("score", "link")]
    links = result.links.to_pandas().set_index("pair_id")
    shown = []
    for annotator, batch in result.batches.items():
        assert list(batch.columns[:10]) == BATCH_COLUMNS
        assert set(batch.columns[10:]) == set(score_columns) | set(BATCH_DESIGN)
        assert len(batch) == 12 + 2 and batch["position"].tolist() == list(range(14))
        assert (batch["annotator"] == annotator).all() and batch["pair_id"].is_unique
        controls = batch[batch["is_control"]]
        assert len(controls) == 2 and controls["link_types"].map(len).eq(0).all()
        assert not controls[[c for c in score_columns if c.startswith("link.")]].to_numpy().any()
        assert not controls["pair_id"].isin(links.index).any()
        linked = batch[~batch["is_control"]]
        assert linked["link_types"].map(len).gt(0).all()
        assert batch["is_overlap"].sum() == 3
        assert (
            linked["pair_id"].tolist()
            == pair_ids(record_hashes(linked["record_a"]), record_hashes(linked["record_b"])).to_pylist()
        )
        shown += batch.loc[~batch["is_overlap"], "pair_id"].tolist()
        assert (batch[BATCH_PURPOSE] == "estimate").all() and (batch[BATCH_BANDS] == 1).all()
        assert controls[BATCH_INCLUSION].map(len).eq(0).all()
    assert len(shown) == len(set(shown))


def test_round_one_records_each_pairs_inclusion_probability_per_link_type(study_vectors, tmp_path):
    """π_h = (distinct batch pairs holding h) / (links holding h), listed in `link_types` order."""
    result = _run(study_vectors, tmp_path)
    population = result.links.to_pandas()["link_types"].explode().value_counts()
    linked = pd.concat(result.batches.values()).drop_duplicates("pair_id")
    linked = linked[~linked["is_control"]]
    sampled = linked["link_types"].explode().value_counts()
    for types, probabilities in zip(linked["link_types"], linked[BATCH_INCLUSION]):
        assert list(probabilities) == pytest.approx([sampled[t] / population[t] for t in types], abs=1e-12)
    assert result.shortfalls.empty


def test_same_seed_same_output(study_vectors, tmp_path):
    first = _run(study_vectors, tmp_path / "1")
    second = _run(study_vectors, tmp_path / "2")
    for annotator in first.batches:
        pd.testing.assert_frame_equal(first.batches[annotator], second.batches[annotator])
    pd.testing.assert_frame_equal(first.links.to_pandas(), second.links.to_pandas())
    other = _run(study_vectors, tmp_path / "3", seed=12)
    assert not first.batches["A01"]["pair_id"].equals(other.batches["A01"]["pair_id"])


def test_two_and_four_models(tmp_path):
    for models in (("base", "ft"), ("base", "f1", "f2", "f3")):
        data = make_study_vectors(seed=2, models=models)
        result = _run(data, tmp_path / str(len(models)), models=models)
        assert len(result.link_types) == 3 * (3 if len(models) == 2 else 6)
        assert all(len(b) == 14 for b in result.batches.values())


def test_more_annotators_than_links_report_a_shortfall(study_vectors, tmp_path):
    result = _run(
        study_vectors,
        tmp_path,
        percentile=99.0,
        annotators=tuple(f"A{i}" for i in range(8)),
        per_annotator=30,
        overlap=0.0,
    )
    assert (result.shortfalls["link_type"] == "(batch)").sum() == 8
    drawable = sum(1 for types in result.links.column("link_types").to_pylist() if types)
    assert sum(len(b) - 2 for b in result.batches.values()) == drawable


def test_different_dimensions_in_a_comparison(study_vectors, tmp_path):
    units, vectors = study_vectors[("ft-best", "image", "b")]
    study_vectors[("ft-best", "image", "b")] = (units, np.hstack([vectors, vectors]))
    with pytest.raises(SampleError, match=r"'image-image', model 'ft-best'.*8 dimensions.*16"):
        _run(study_vectors, tmp_path)


def test_missing_model_vectors(study_vectors, tmp_path):
    def load(model, modality, collection):
        if model == "ft-last":
            raise FileNotFoundError("embeddings/ft-last/units.parquet")
        return study_vectors[(model, modality, collection)]

    with pytest.raises(SampleError, match="model 'ft-last': no vectors"):
        run_sample(_settings(), load, tmp_path)


def test_a_collection_without_image_units_leaves_out_the_comparisons_that_need_them(study_vectors, tmp_path):
    full = _run(study_vectors, tmp_path / "full")
    for model in MODELS:
        study_vectors[(model, "image", "b")] = (pd.DataFrame({"record_id": []}), np.empty((0, 8), dtype=np.float32))

    result = _run(study_vectors, tmp_path / "text")

    why = "collection 'b' has no image units (no image could be embedded)"
    assert result.left_out == {"image-image": why, "text-image": why}
    assert set(result.thresholds["comparison"]) == {"text-text"}
    assert result.link_types == [f"text-text/{s.name}" for s in result.strata]
    text_text = full.thresholds[full.thresholds["comparison"] == "text-text"].reset_index(drop=True)
    pd.testing.assert_frame_equal(result.thresholds, text_text)


def test_no_comparison_with_units_on_both_sides_is_an_error(study_vectors, tmp_path):
    for model in MODELS:
        for modality in ("image", "text"):
            study_vectors[(model, modality, "b")] = (
                pd.DataFrame({"record_id": []}),
                np.empty((0, 8), dtype=np.float32),
            )
    with pytest.raises(SampleError, match="no comparison can be scored: image-image: collection 'b' has no image"):
        _run(study_vectors, tmp_path)


def test_a_model_without_units_that_others_have_is_still_an_error(study_vectors, tmp_path):
    study_vectors[("ft-best", "image", "b")] = (pd.DataFrame({"record_id": []}), np.empty((0, 8), dtype=np.float32))
    with pytest.raises(SampleError, match="model 'ft-best' has no image vectors for collection 'b' although"):
        _run(study_vectors, tmp_path)


def test_percentile_outside_open_interval(study_vectors, tmp_path):
    with pytest.raises(ValueError, match="strictly between 0 and 100"):
        _run(study_vectors, tmp_path, percentile=100.0)


def test_pair_ids_are_stable_ordered_and_distinct():
    assert pair_ids(record_hashes(["co8608317"]), record_hashes(["T.1961.32"])).to_pylist() == ["7c69f2c38f54a2aa"]
    assert pair_ids(record_hashes(["T.1961.32"]), record_hashes(["co8608317"])).to_pylist() != ["7c69f2c38f54a2aa"]
    a, b = np.divmod(np.arange(300 * 400), 400)
    ids = pair_ids(record_hashes([f"a{i}" for i in range(300)])[a], record_hashes([f"b{i}" for i in range(400)])[b])
    assert len(set(ids.to_pylist())) == 300 * 400 and all(len(i) == 16 for i in ids.to_pylist()[:10])
