import numpy as np
import pandas as pd
import pytest
from analysis_fixtures import write_study

from analysis import retrieval, zero_shot
from analysis.evaluate import Tools, _spacy, run_evaluate
from analysis.report import build_report
from heritage_weaver.atomic import write_table

VOCABULARY = ["telephone", "radio", "loom", "lamp", "spindle"]


def one_hot(texts: list[str]) -> np.ndarray:
    """A fake text tower: each known word is its own axis."""
    return np.stack([np.eye(len(VOCABULARY), dtype=np.float32)[VOCABULARY.index(t.split()[-1].lower())] for t in texts])


def test_predict_picks_the_most_similar_candidate():
    images = np.array([[1, 0, 0, 0, 0], [0.6, 0.8, 0, 0, 0], [0, 0, 0, 0, 1]], dtype=np.float32)
    candidates = np.array([["radio", "telephone"], ["telephone", "radio"], ["loom", "lamp"]], dtype=object)
    assert zero_shot.predict(images, candidates, one_hot).tolist() == ["telephone", "radio", "loom"]


def test_classification_scores_by_hand():
    scores = zero_shot.classification_scores(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert scores["accuracy"] == pytest.approx(0.75)
    assert scores["precision"] == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert scores["f1"] == pytest.approx(0.5 * 2 / 3 + 0.5 * 0.8)


def test_candidates_hold_the_target_once_and_are_reproducible():
    targets = ["a", "b", "c", "d", "e", "a"]
    first = zero_shot.draw_candidates(targets, 4, np.random.default_rng(3))
    again = zero_shot.draw_candidates(targets, 4, np.random.default_rng(3))
    assert (first == again).all()
    for target, row in zip(targets, first):
        assert list(row).count(target) == 1 and len(set(row)) == 4
    with pytest.raises(ValueError, match="only 5 distinct targets"):
        zero_shot.draw_candidates(targets, 6, np.random.default_rng(3))


def test_representation_filter_and_root_nouns():
    assert zero_shot.describes_representation("Model of a steam engine")
    assert zero_shot.describes_representation("textile sample")
    assert not zero_shot.describes_representation("modelling clay")
    nouns = zero_shot.root_nouns(["razor blade sharpener", "hand printing block (trademark)", "pay check"], _spacy())
    assert nouns == ["sharpener", "block", "check"]


def test_top_records_aggregates_units_and_respects_exclusions():
    units = np.array([[1, 0], [0.8, 0.6], [0, 1], [0.6, 0.8]], dtype=np.float32)
    unit_records = np.array([0, 1, 1, 2])
    query = np.array([[1, 0]], dtype=np.float32)
    assert retrieval.top_records(query, units, unit_records, 3).tolist() == [[0, 1, 2]]
    assert retrieval.top_records(query, units, unit_records, 3, exclude_records=np.array([0])).tolist() == [[1, 2, -1]]
    groups = np.array([0, 0, 1])
    cross = retrieval.top_records(query, units, unit_records, 2, np.array([0]), np.array([0]), groups)
    assert cross.tolist() == [[2, -1]]


def test_relevance_and_found_by_hand():
    names = np.array([[1, 0], [1, 0], [0, 1], [0.96, 0.28]], dtype=np.float32)
    retrieved = np.array([[1, 2, 3], [0, 2, -1]])
    queries = np.array([0, 2])
    assert retrieval.relevant_counts(queries, retrieved, names, 0.95).tolist() == [2, 1]
    assert retrieval.found(queries, retrieved).tolist() == [False, True]


def _catalogue_study(tmp_path):
    ws = write_study(tmp_path / "study", analysis="zero_shot_candidates = [2, 3]\nretrieval_n = [1, 2]")
    names = ["telephone", "dial telephone", "radio", "loom", "lamp", "model radio", "spindle", "loom"]
    collections = ["smg", "smg", "smg", "smg", "nms", "nms", "nms", "nms"]
    records = pd.DataFrame({"record_id": [f"r{i}" for i in range(8)], "collection": collections, "name": names})
    write_table(ws.path("records", "records.parquet"), records)
    split = records[["record_id", "collection"]].assign(split=["eval"] * 6 + ["train"] * 2)
    write_table(ws.path("training", "split.parquet"), split)
    units = pd.DataFrame(
        {
            "unit_id": [f"u{i}" for i in range(10)],
            "record_id": [f"r{i}" for i in range(8)] + ["r0", "r3"],
            "collection": collections + ["smg", "smg"],
            "modality": ["image"] * 8 + ["text", "text"],
            "kind": ["image"] * 8 + ["sentence", "sentence"],
        }
    )
    # a perfect model: every image sits on the axis of its record's root noun
    image_vectors = one_hot(names)
    vectors = np.concatenate([image_vectors, one_hot(["telephone", "loom"])])
    tools = Tools(
        load_vectors=lambda ws, model: (units, vectors),
        text_encoder=lambda ws, model: one_hot,
        embed_names=lambda texts: one_hot(texts),
        nlp=_spacy,
    )
    return ws, tools


def test_run_evaluate_writes_paper_tables(tmp_path):
    ws, tools = _catalogue_study(tmp_path)
    run_evaluate(ws, ["base", "ft-best"], tools)
    zero = pd.read_parquet(ws.path("analysis", "zero_shot.parquet"))
    assert set(zero["model"]) == {"base", "ft-best"}
    assert set(zero["candidates"]) == {2, 3}
    # the fake tower cannot tell "dial telephone" from "telephone", so only nouns are exact
    assert (zero.loc[zero["target"] == "noun", "accuracy"] == 1.0).all()
    assert (zero.loc[zero["target"] == "name", "accuracy"] >= 2 / 3).all()
    nouns = zero[(zero["target"] == "noun") & (zero["data"] == "all")]
    assert (nouns["n_images"] == 5).all()  # spaCy tags a lone "loom" as a verb: no noun root
    filtered = zero[(zero["target"] == "noun") & (zero["data"] == "filter")]
    assert (filtered["n_images"] == 4).all()  # "model radio" is left out
    notes = pd.read_parquet(ws.path("analysis", "evaluation_notes.parquet"))["note"]
    assert notes.str.contains("1 held-out record").any()
    per_noun = pd.read_parquet(ws.path("analysis", "zero_shot_per_noun.parquet"))
    assert (per_noun["difference"] == 0).all()

    image = pd.read_parquet(ws.path("analysis", "retrieval_image.parquet")).set_index(["model", "scope", "n"])
    # held-out images r0..r5; the best other record shares the name's vector for all but the lamp
    assert image.loc[("base", "all", 1), "n_queries"] == 6
    assert image.loc[("base", "all", 1), "mean"] == pytest.approx(5 / 6)
    # across collections only the radios (r2↔r5) and the loom (r3→r7) find a namesake
    assert image.loc[("base", "cross-collection", 1), "mean"] == pytest.approx(3 / 6)
    cross = pd.read_parquet(ws.path("analysis", "retrieval_cross_modal.parquet")).set_index(["model", "direction"])
    assert cross.loc[("base", "text→image"), "n_queries"] == 2
    assert cross.loc[("base", "text→image"), "found"] == 1.0

    html = build_report(ws).read_text()
    assert "Zero-shot classification (Table 3)" in html and "accuracy (3 candidates)" in html
    table3 = pd.read_csv(ws.path("report", "tables", "evaluations_zero_shot_classification_table_3.csv"))
    assert table3["model"].tolist()[:1] == ["base"]
    assert list(table3.columns[:6]) == [
        "model",
        "data",
        "target",
        "accuracy (2 candidates)",
        "precision (2 candidates)",
        "f1 (2 candidates)",
    ]


def test_minilm_name_similarity_from_the_packaged_model():
    from analysis.evaluate import _minilm

    vectors = _minilm(["telephone", "telephone", "wooden loom", "Telephone"])
    assert vectors.shape == (4, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)
    similarity = vectors @ vectors.T
    assert similarity[0, 1] >= 0.95  # the same name is relevant
    assert similarity[0, 2] < 0.95  # another object is not


def test_a_model_without_vectors_is_noted_and_the_others_evaluated(tmp_path):
    from heritage_weaver.artifacts import ArtifactError

    ws, tools = _catalogue_study(tmp_path)
    load = tools.load_vectors

    def only_base(ws, model):
        if model != "base":
            raise ArtifactError(f"embeddings/{model}/units.parquet is missing")
        return load(ws, model)

    tools.load_vectors = only_base
    run_evaluate(ws, ["base", "ft-last"], tools)
    assert set(pd.read_parquet(ws.path("analysis", "zero_shot.parquet"))["model"]) == {"base"}
    notes = pd.read_parquet(ws.path("analysis", "evaluation_notes.parquet"))["note"]
    assert notes.str.contains("model ft-last not evaluated").any()
    with pytest.raises(ArtifactError, match="ft-last"):
        run_evaluate(ws, ["ft-last"], tools)
