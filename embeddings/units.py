"""The units a record is embedded as: each of its images, its name, and each description sentence
(or 64-token segment).

Unit ids are derived from the record id and the unit's position, so they are stable across runs:
`<record_id>#img<i>`, `<record_id>#name`, `<record_id>#s<i>` (sentence) or `<record_id>#seg<i>`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import pandas as pd

from heritage_weaver.artifacts import UNIT_COLUMNS
from heritage_weaver.nlp import load_english

Splitter = Callable[[Sequence[str]], list[list[str]]]


def build_units(records: pd.DataFrame, split: Splitter, part_kind: str = "sentence") -> pd.DataFrame:
    """All units of `records`, in record order: images, then the name, then the description parts.

    `split` turns a batch of descriptions into their parts (sentences or segments); `part_kind`
    names what those parts are. An empty name still yields a `name` unit (it is recorded as a
    failure when embedded, so that nothing disappears silently); an empty description yields none.
    """
    prefix = {"sentence": "s", "segment": "seg"}[part_kind]
    parts_per_record = split([_clean(text) for text in records["description"].tolist()])
    rows: list[tuple] = []
    for record, parts in zip(records.itertuples(index=False), parts_per_record, strict=True):
        base = (record.record_id, record.collection)
        for position, location in enumerate(_as_list(record.images)):
            rows.append((f"{record.record_id}#img{position}", *base, "image", "image", None, location))
        rows.append((f"{record.record_id}#name", *base, "text", "name", _clean(record.name), None))
        for position, part in enumerate(parts):
            rows.append((f"{record.record_id}#{prefix}{position}", *base, "text", part_kind, part, None))
    return pd.DataFrame(rows, columns=list(UNIT_COLUMNS)).astype({"text": "object", "image": "object"})


def _clean(text: object) -> str:
    return " ".join(str(text).split()) if isinstance(text, str) else ""


def _as_list(images: Iterable[str] | float | None) -> list[str]:
    if images is None or isinstance(images, float):  # a missing list reads back as None or NaN
        return []
    return [str(location) for location in images if location]


@lru_cache(maxsize=1)
def sentence_pipeline():
    """spaCy's English pipeline reduced to its sentence recogniser (loaded once per process)."""
    return load_english(exclude=("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner"))


def split_sentences(texts: Sequence[str], batch_size: int = 256) -> list[list[str]]:
    """The sentences of each text, whitespace-trimmed, empty ones dropped."""
    nlp = sentence_pipeline()
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    return [
        [sentence.text.strip() for sentence in doc.sents if sentence.text.strip()]
        for doc in nlp.pipe(texts, batch_size=batch_size)
    ]


def segment_splitter(tokenizer, tokens_per_segment: int) -> Splitter:
    """Split texts into consecutive pieces of at most `tokens_per_segment` tokenizer tokens."""

    def split(texts: Sequence[str]) -> list[list[str]]:
        return [list(_segments(tokenizer, text, tokens_per_segment)) for text in texts]

    return split


def _segments(tokenizer, text: str, size: int) -> Iterable[str]:
    if not text:
        return
    ids = tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
    for start in range(0, len(ids), size):
        piece = tokenizer.decode(ids[start : start + size], skip_special_tokens=True).strip()
        if piece:
            yield piece
