"""Unit extraction: images, the name, description sentences (real spaCy) or 64-token segments."""

from __future__ import annotations

import pandas as pd

from embeddings.units import UNIT_COLUMNS, build_units, segment_splitter, split_sentences


def _records(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_id", "collection", "name", "description", "images"])


RECORDS = _records(
    (
        "co1",
        "smg",
        "Telephone",
        "Black bakelite telephone. Made by the G.P.O. in 1950.  Dr. Smith used it.",
        ["/a.jpg", "/b.jpg"],
    ),
    ("T.2", "nms", "  Loom   shuttle ", "", []),
    ("co3", "smg", "", "One sentence only", None),
)


def test_units_of_records_with_real_spacy():
    units, repeats = build_units(RECORDS, split_sentences)
    assert repeats == 0
    assert list(units.columns) == list(UNIT_COLUMNS)
    assert units["unit_id"].tolist() == [
        "co1#img0",
        "co1#img1",
        "co1#name",
        "co1#s0",
        "co1#s1",
        "co1#s2",
        "T.2#name",
        "co3#name",
        "co3#s0",
    ]
    by_id = units.set_index("unit_id")
    assert by_id.loc["co1#s1", "text"] == "Made by the G.P.O. in 1950."
    assert by_id.loc["co1#s2", "text"] == "Dr. Smith used it."
    assert by_id.loc["T.2#name", "text"] == "Loom shuttle"  # whitespace normalised
    assert by_id.loc["co3#name", "text"] == ""  # kept, so that it is recorded as a failure
    assert by_id.loc["co1#img1", "image"] == "/b.jpg" and pd.isna(by_id.loc["co1#img1", "text"])
    assert by_id.loc["co1#img0", ["modality", "kind"]].tolist() == ["image", "image"]
    assert by_id.loc["co1#s0", ["modality", "kind", "collection"]].tolist() == ["text", "sentence", "smg"]


def test_unit_ids_are_stable_across_runs_and_record_order():
    first = build_units(RECORDS, split_sentences).units
    again = build_units(RECORDS.iloc[::-1], split_sentences).units
    assert first.equals(build_units(RECORDS, split_sentences).units)
    assert sorted(first["unit_id"]) == sorted(again["unit_id"])
    merged = first.merge(again, on="unit_id")
    assert (merged["text_x"].fillna("") == merged["text_y"].fillna("")).all()


def test_a_sentence_that_variants_repeat_is_one_unit_per_record():
    # Three variants of one SMG description joined at ingest: the first sentence recurs in each, once
    # in capitals ending in '!'; one variant holds the record's name as a sentence.
    description = (
        "Steam locomotive and tender, built at Crewe in 1938. Streamlined when new. "
        "Steam locomotive and tender, built at Crewe in 1938. Rebuilt in 1947. "
        "STEAM LOCOMOTIVE AND TENDER, BUILT AT CREWE IN 1938! Duchess of Hamilton. Preserved."
    )
    records = _records(
        ("co1", "smg", "Duchess of Hamilton", description, []),
        ("co2", "smg", "Tender", "Streamlined when new. Built at Crewe in 1938.", []),
    )
    units, repeats = build_units(records, split_sentences)
    texts = units[units["kind"] == "sentence"].groupby("record_id")["text"].apply(list).to_dict()
    assert texts == {
        "co1": [
            "Steam locomotive and tender, built at Crewe in 1938.",
            "Streamlined when new.",
            "Rebuilt in 1947.",
            "Preserved.",
        ],
        # Another record's sentences are its own, even where they repeat co1's.
        "co2": ["Streamlined when new.", "Built at Crewe in 1938."],
    }
    assert repeats == 3  # the sentence twice more, and "Duchess of Hamilton.", the name
    assert units.loc[units["record_id"] == "co1", "unit_id"].tolist()[-4:] == [f"co1#s{i}" for i in range(4)]
    total = sum(len(parts) for parts in split_sentences(records["description"].tolist()))
    assert total == (units["kind"] == "sentence").sum() + repeats


def test_split_sentences_batches_many_texts():
    texts = [f"Object {i}. It has {i} parts." for i in range(300)] + [""]
    parts = split_sentences(texts, batch_size=64)
    assert len(parts) == 301 and parts[-1] == []
    assert parts[7] == ["Object 7.", "It has 7 parts."]


def test_segments_hold_at_most_the_token_budget(encoder):
    tokenizer = encoder.processor.tokenizer
    long_text = " ".join(f"telephone receiver number {i} with rotary dial and bakelite case" for i in range(30))
    units = build_units(
        _records(("r1", "smg", "Radio", long_text, [])), segment_splitter(tokenizer, 64), "segment"
    ).units
    segments = units[units["kind"] == "segment"]
    token_counts = [len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in segments["text"]]
    total = len(tokenizer(long_text, add_special_tokens=False, verbose=False)["input_ids"])
    assert segments["unit_id"].tolist() == [f"r1#seg{i}" for i in range(len(segments))]
    assert len(segments) == -(-total // 64) and len(segments) > 1
    assert all(count <= 66 for count in token_counts)  # re-tokenising a decoded piece may merge differently
    assert "".join(segments["text"]).replace(" ", "") == long_text.replace(" ", "")  # nothing lost


def test_a_text_longer_than_spacy_takes_is_split_in_pieces_not_refused():
    from embeddings.units import pieces, sentence_pipeline

    assert pieces("one two three four", 9) == ["one two", " three", " four"]
    assert pieces("x" * 10, 4) == ["xxxx", "xxxx", "xx"]
    nlp = sentence_pipeline()
    limit, nlp.max_length = nlp.max_length, 400
    try:
        long = "The telegraph key was made in London. " * 40  # 1,520 characters: spaCy raises E088 past 400
        [sentences, short] = split_sentences([long, "A short one."])
    finally:
        nlp.max_length = limit
    assert short == ["A short one."]
    assert " ".join(sentences).split() == long.split()
