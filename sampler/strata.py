"""Agreement strata: which models call a pair a link, named after the study's design (protocol §5).

For models [base, ft1, ft2, …] the candidate strata are `all` (every model), `base-only`,
`fine-tuned-only` (every fine-tuned model, not base) and `<ft>-only` for each fine-tuned model.
Candidates with the same pattern are kept once (the first name wins; with one fine-tuned model
`<ft>-only` equals `fine-tuned-only`), and a pattern in which no model links is never a stratum.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Stratum:
    name: str
    pattern: tuple[bool, ...]

    @property
    def code(self) -> int:
        return pattern_code(self.pattern)


def pattern_code(pattern: Sequence[bool]) -> int:
    """Bit m set when model m (in config order) links the pair."""
    return sum(1 << m for m, flag in enumerate(pattern) if flag)


def derive_strata(models: Sequence[str], base_model: str) -> list[Stratum]:
    if base_model not in models:
        raise ValueError(f"base model {base_model!r} is not one of the models {list(models)}")
    if len(set(models)) != len(models):
        raise ValueError(f"model names must be unique, got {list(models)}")
    fine_tuned = [m for m in models if m != base_model]
    candidates = [("all", list(models)), ("base-only", [base_model]), ("fine-tuned-only", fine_tuned)]
    candidates += [(f"{m}-only", [m]) for m in fine_tuned]
    strata: list[Stratum] = []
    for name, linked in candidates:
        pattern = tuple(m in linked for m in models)
        if not any(pattern) or any(s.pattern == pattern for s in strata):
            continue
        if any(s.name == name for s in strata):
            raise ValueError(f"stratum name {name!r} is ambiguous for models {list(models)}; rename a model")
        strata.append(Stratum(name, pattern))
    return strata


def stratum_lookup(strata: Sequence[Stratum], n_models: int) -> np.ndarray:
    """For every pattern code, the index of its stratum, or -1 when it is in none."""
    lookup = np.full(1 << n_models, -1, dtype=np.int64)
    for index, stratum in enumerate(strata):
        lookup[stratum.code] = index
    return lookup


def pattern_codes(flags: np.ndarray) -> np.ndarray:
    """Pattern code of each row of a (pairs × models) boolean link-flag matrix."""
    weights = np.left_shift(1, np.arange(flags.shape[1], dtype=np.int64))
    return flags.astype(np.int64) @ weights
