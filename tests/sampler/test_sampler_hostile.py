"""Sample meets record ids a hostile catalogue may write, as ingest keeps them: markup, formulas, template
syntax, right-to-left and astral text, a replaced lone surrogate (U+FFFD), a tab and a newline (ingest
keeps both in text, and rejects only the other control characters), slashes and a 10,000-character id.
Ingest rejects a record id with any other control character and replaces lone surrogates, so
neither reaches sample (tests/core/test_core_text_safety.py)."""

import numpy as np
import pandas as pd
from sampler_fakes import make_study_vectors
from test_sampler_pipeline import _run

HOSTILE_IDS = [
    '<script>alert("x")</script>',
    '=HYPERLINK("http://127.0.0.1/","key")',
    "{{ 7*7 }} ${7*7}",
    "\u05e9\u05dc\u05d5\u05dd \U0001d518\U0001f469\u200d\U0001f52c",
    "hx\ufffd",
    "tab\tand\nnewline",
    "../../a/b?c=d#e",
    "k" * 10_000,
]


def _renamed(data: dict, names: dict[str, str]) -> dict:
    return {
        key: (units.assign(record_id=units["record_id"].map(lambda r: names.get(r, r))), vectors)
        for key, (units, vectors) in data.items()
    }


def test_sample_takes_any_record_id_ingest_keeps(tmp_path):
    plain = make_study_vectors()
    ids = sorted({r for (_, _, c), (units, _) in plain.items() if c == "a" for r in units["record_id"]})
    names = dict(zip(ids, HOSTILE_IDS))
    result = _run(_renamed(plain, names), tmp_path / "hostile")
    reference = _run(plain, tmp_path / "plain")

    back = {hostile: original for original, hostile in names.items()}
    links = result.links.to_pandas()
    links["record_a"] = links["record_a"].map(lambda r: back.get(r, r))
    score_columns = [c for c in links.columns if c.startswith(("score.", "link."))]
    keyed = links.set_index(["record_a", "record_b"])[score_columns].sort_index()
    expected = reference.links.to_pandas().set_index(["record_a", "record_b"])[score_columns].sort_index()
    pd.testing.assert_frame_equal(keyed, expected)  # the same links and scores, whatever the ids
    pd.testing.assert_frame_equal(result.thresholds, reference.thresholds)

    batches = pd.concat(result.batches.values())
    assert set(batches["record_a"]) & set(HOSTILE_IDS)  # hostile ids were drawn, as they are
    assert set(batches["record_a"]) <= set(HOSTILE_IDS) | set(ids)
    for batch in result.batches.values():
        assert batch["pair_id"].is_unique and batch["pair_id"].str.fullmatch("[0-9a-f]{16}").all()
    assert np.isfinite(result.thresholds["threshold"]).all()
