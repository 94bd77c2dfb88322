"""The units a record is embedded as: each of its images, its name, and each description sentence
(or 64-token segment).

Unit ids are derived from the record id and the unit's position, so they are stable across runs:
`<record_id>#img<i>`, `<record_id>#name`, `<record_id>#s<i>` (sentence) or `<record_id>#seg<i>`.

One text, one unit: a description part that repeats the record's name or an earlier part of the
same record (variants of a catalogue text often repeat whole sentences) is not made a unit again,
so that a record's text-text mean is not weighted by its copy-editing history. Such repeats are
counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

import pandas as pd

from embeddings.artifacts import UNIT_COLUMNS
from heritage_weaver.nlp import load_english
from museum_formats.text import text_key

Splitter = Callable[[Sequence[str]], list[list[str]]]


class StudyUnits(NamedTuple):
    units: pd.DataFrame
    repeats: int  # description parts left out: each repeats a text unit of its record


def distinct_parts(name: str, parts: list[str]) -> list[str]:
    """The parts in order, without those whose text (see `text_key`) repeats the name or an earlier part."""
    seen = {text_key(name)}
    kept = []
    for part in parts:
        if text_key(part) not in seen:
            kept.append(part)
            seen.add(text_key(part))
    return kept


def build_units(records: pd.DataFrame, split: Splitter, part_kind: str = "sentence") -> StudyUnits:
    """All units of `records`, in record order: images, then the name, then the distinct description parts
    (see `distinct_parts`), numbered in order; and how many repeated parts were left out.

    `split` turns a batch of descriptions into their parts (sentences or segments); `part_kind`
    names what those parts are. An empty name still yields a `name` unit (it is recorded as a
    failure when embedded, so that nothing disappears silently); an empty description yields none.
    """
    prefix = {"sentence": "s", "segment": "seg"}[part_kind]
    parts_per_record = split([_clean(text) for text in records["description"].tolist()])
    rows: list[tuple] = []
    repeats = 0
    for record, parts in zip(records.itertuples(index=False), parts_per_record, strict=True):
        base = (record.record_id, record.collection)
        for position, location in enumerate(_as_list(record.images)):
            rows.append((f"{record.record_id}#img{position}", *base, "image", "image", None, location))
        name = _clean(record.name)
        rows.append((f"{record.record_id}#name", *base, "text", "name", name, None))
        distinct = distinct_parts(name, parts)
        repeats += len(parts) - len(distinct)
        for position, part in enumerate(distinct):
            rows.append((f"{record.record_id}#{prefix}{position}", *base, "text", part_kind, part, None))
    units = pd.DataFrame(rows, columns=list(UNIT_COLUMNS)).astype({"text": "object", "image": "object"})
    return StudyUnits(units, repeats)


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
    """The sentences of each text, whitespace-trimmed, empty ones dropped. A text longer than the
    pipeline's `max_length` (spaCy refuses it) is read in pieces cut at white space (`pieces`)."""
    nlp = sentence_pipeline()
    if "senter" in nlp.disabled:
        nlp.enable_pipe("senter")
    owners = [(number, piece) for number, text in enumerate(texts) for piece in pieces(text, nlp.max_length)]
    sentences: list[list[str]] = [[] for _ in texts]
    for (number, _), doc in zip(owners, nlp.pipe((piece for _, piece in owners), batch_size=batch_size)):
        sentences[number].extend(sentence.text.strip() for sentence in doc.sents if sentence.text.strip())
    return sentences


def pieces(text: str, limit: int) -> list[str]:
    """`text` in consecutive pieces of at most `limit` characters, each cut at the last white space
    within the limit where there is one; the text itself when it is short enough."""
    found = []
    while len(text) > limit:
        cut = text.rfind(" ", 1, limit + 1)
        cut = cut if cut > 0 else limit
        found.append(text[:cut])
        text = text[cut:]
    return [*found, text]


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
