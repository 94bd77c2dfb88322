"""The thresholds a reconciliation `match` rests on: those `hw calibrate` chose for the served model.

`analysis/publishable.parquet` holds, per comparison × target × score, the lowest threshold whose
one-sided lower confidence bound on precision reaches `[publishing] target_precision`. The service
reads the rows of the served model's own score at `[serve] match_target`, and only those with a
threshold: a comparison without one never marks a match. The table is read again when it changes,
so a new `hw calibrate` needs no restart.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from analysis.artifacts import PUBLISHABLE
from heritage_weaver.workspace import Workspace


@dataclass(frozen=True)
class Threshold:
    """One comparison's publishable threshold and what `hw calibrate` found of the links above it."""

    comparison: str
    threshold: float
    target_precision: float
    confidence: float
    precision: float  # the estimated precision of the study's links at or above the threshold
    lower_bound: float  # its one-sided lower bound at `confidence`
    labelled: int  # labelled pairs at or above the threshold
    links: int  # the study's links at or above the threshold


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and math.isfinite(value) else math.nan


class MatchThresholds:
    """The served model's publishable thresholds at one target, by comparison."""

    def __init__(self, ws: Workspace, model: str, target: str) -> None:
        self.ws, self.model, self.target = ws, model, target
        self._read_at: float | None = None
        self._thresholds: dict[str, Threshold] = {}
        self._lock = threading.Lock()

    def current(self) -> dict[str, Threshold]:
        """Comparison → its threshold, for the comparisons that have one (none before `hw calibrate`)."""
        path = PUBLISHABLE.location(self.ws)
        changed_at = path.stat().st_mtime if path.is_file() else None
        with self._lock:
            if changed_at != self._read_at:
                self._thresholds = self._read() if changed_at is not None else {}
                self._read_at = changed_at
            return self._thresholds

    def _read(self) -> dict[str, Threshold]:
        table = PUBLISHABLE.read(self.ws)
        rows = table[(table["score"] == self.model) & (table["target"] == self.target)]
        found = {}
        for row in rows.to_dict("records"):
            if not math.isfinite(_number(row["threshold"])):
                continue
            found[row["comparison"]] = Threshold(
                row["comparison"],
                float(row["threshold"]),
                _number(row["target_precision"]),
                _number(row["confidence"]),
                _number(row["precision"]),
                _number(row["lower_bound"]),
                int(row["labelled"]),
                int(row["links"]),
            )
        return found
