"""Training pairs: each image of a record with its name and with each 64-token segment of its description."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd

from training.artifacts import PAIRS

PAIR_COLUMNS = [c for c in PAIRS.columns if c != "split"]  # the split joins later


def description_segments(tokenizer: Any, description: str, tokens: int = 64) -> list[str]:
    """Consecutive pieces of `description` of at most `tokens` tokens each (end-of-text included)."""
    ids = tokenizer(description, add_special_tokens=False, verbose=False)["input_ids"]
    width = tokens - 1  # room for the end-of-text token the tokenizer appends
    pieces = (tokenizer.decode(ids[start : start + width]).strip() for start in range(0, len(ids), width))
    return [piece for piece in pieces if piece]


def record_texts(
    tokenizer: Any, name: str | None, description: str | None, tokens: int = 64
) -> Iterator[tuple[str, str]]:
    """(kind, text) for a record: its name, then its description segments."""
    if name and name.strip():
        yield "name", name.strip()
    if description and description.strip():
        for segment in description_segments(tokenizer, description, tokens):
            yield "segment", segment


def build_pairs(records: Iterable[dict], tokenizer: Any, tokens: int = 64) -> pd.DataFrame:
    """Every (image, text) pair of every record, duplicates of (text, image) dropped, in record order."""
    rows = []
    for record in records:
        images = list(record.get("images") or [])
        if not images:
            continue
        texts = list(record_texts(tokenizer, record.get("name"), record.get("description"), tokens))
        for image in images:
            for kind, text in texts:
                rows.append((record["record_id"], record["collection"], image, kind, text))
    pairs = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return pairs.drop_duplicates(subset=["text", "image"], keep="first").reset_index(drop=True)
