"""One field's experiment: per model, train every modality and their fusion on the training
records, score them on the held-out records, and propose values for the records without the field.

Pure computation on a `Target` and each model's `Modality` features; prediction.run reads the
workspace and writes the tables.
"""

from __future__ import annotations

import dataclasses
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from prediction.features import Modality
from prediction.fusion import STACKED, Fusion
from prediction.metrics import METRICS, intervals, resamples, scores
from prediction.targets import OTHER, Target


class PredictionError(ValueError):
    """A field cannot be predicted (too few labelled records, no features); the message says why."""


@dataclass(frozen=True)
class Settings:
    folds: int = 5
    bootstrap: int = 1000
    candidates: int = 3
    seed: int = 42


@dataclass
class FieldOutcome:
    field: str
    scores: pd.DataFrame
    confusion: pd.DataFrame
    held_out: pd.DataFrame
    proposals: pd.DataFrame
    chosen_model: str
    folds: int
    notes: list[str] = dataclasses.field(default_factory=list)  # `field` is a column here


def _check(field_name: str, target: Target, train: np.ndarray, evaluated: np.ndarray) -> None:
    if len(train) == 0:
        raise PredictionError(f"{field_name}: no record of the training split holds the field")
    if len(target.classes) < 2:
        raise PredictionError(
            f"{field_name}: the training records hold {len(target.classes)} class(es) "
            f"({', '.join(target.classes) or 'none'}); a classifier needs two or more"
        )
    if len(evaluated) == 0:
        raise PredictionError(f"{field_name}: no held-out (eval) record holds the field, so nothing can be evaluated")


def _top(probabilities: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :count]
    return order, np.take_along_axis(probabilities, order, axis=1)


def run_experiment(
    field_name: str,
    target: Target,
    models: dict[str, list[Modality]],
    tabular: Modality | None,
    settings: Settings,
) -> FieldOutcome:
    """Score every model × modality and fusion on the held-out records; propose values from the
    model whose stacked fusion has the highest held-out macro F1 (the first such in `models`).

    The classifiers run with one BLAS/OpenMP thread: on problems this size, threads that contend
    for a few shared cores made a fit up to a hundred times slower.
    """
    with threadpool_limits(1):
        return _run_experiment(field_name, target, models, tabular, settings)


def _run_experiment(
    field_name: str,
    target: Target,
    models: dict[str, list[Modality]],
    tabular: Modality | None,
    settings: Settings,
) -> FieldOutcome:
    train, evaluated, apply = target.rows("train"), target.rows("eval"), target.rows("apply")
    _check(field_name, target, train, evaluated)
    labels = np.array(target.labels, dtype=object)
    train_codes, truth = target.codes(train), target.codes(evaluated)
    draws = resamples(len(evaluated), settings.bootstrap, [settings.seed, zlib.crc32(field_name.encode())])
    rows = np.concatenate([evaluated, apply])
    records = target.records
    score_rows, confusion, held_out, fused_apply, folds = [], [], [], {}, settings.folds
    for model, modalities in models.items():
        used = [*modalities, *([tabular] if tabular is not None else [])]
        fusion = Fusion(used, train, train_codes, len(labels), settings.folds, settings.seed)
        folds = fusion.used_folds
        predicted_all = fusion.predict(rows)
        for modality, probabilities in predicted_all.items():
            predicted = probabilities[: len(evaluated)].argmax(axis=1)
            point, bounds = scores(truth, predicted, len(labels)), intervals(truth, predicted, len(labels), draws)
            for metric in METRICS:
                score_rows.append(
                    (
                        model,
                        modality,
                        metric,
                        point[metric],
                        *bounds[metric],
                        len(train),
                        len(evaluated),
                        len(target.classes),
                    )
                )
            held_out.append(
                pd.DataFrame(
                    {
                        "record_id": records["record_id"].iloc[evaluated].to_numpy(),
                        "collection": records["collection"].iloc[evaluated].to_numpy(),
                        "model": model,
                        "modality": modality,
                        "truth": labels[truth],
                        "predicted": labels[predicted],
                        "probability": probabilities[np.arange(len(evaluated)), predicted],
                    }
                )
            )
        stacked = predicted_all[STACKED][: len(evaluated)].argmax(axis=1)
        cells = pd.Series(1, index=pd.MultiIndex.from_arrays([labels[truth], labels[stacked]])).groupby(level=[0, 1])
        confusion.append(cells.sum().rename_axis(["truth", "predicted"]).reset_index(name="count").assign(model=model))
        fused_apply[model] = predicted_all[STACKED][len(evaluated) :]
    score_frame = pd.DataFrame(
        score_rows,
        columns=["model", "modality", "metric", "value", "ci_low", "ci_high", "n_train", "n_eval", "classes"],
    ).assign(field=field_name)
    fused = score_frame[(score_frame["modality"] == STACKED) & (score_frame["metric"] == "macro_f1")]
    chosen = str(fused.loc[fused["value"].idxmax(), "model"]) if fused["value"].notna().any() else next(iter(models))
    proposals = _proposals(field_name, target, apply, fused_apply[chosen], chosen, models[chosen], tabular, settings)
    notes = _notes(field_name, target, len(apply), proposals["record_id"].nunique(), folds, settings.folds)
    return FieldOutcome(
        field_name,
        score_frame,
        pd.concat(confusion, ignore_index=True).assign(field=field_name),
        pd.concat(held_out, ignore_index=True),
        proposals,
        chosen,
        folds,
        notes,
    )


def _notes(field_name: str, target: Target, n_apply: int, n_proposed: int, folds: int, wanted_folds: int) -> list[str]:
    """What a reader of the scores should know: grouped values, records left out, fewer folds."""
    notes = []
    if target.grouped:
        shown = ", ".join(f"{value} ({n})" for value, n in list(target.grouped.items())[:10])
        more = f" and {len(target.grouped) - 10} more" if len(target.grouped) > 10 else ""
        notes.append(
            f"{field_name}: {len(target.grouped)} value(s) with too few training records are grouped as "
            f"{OTHER}: {shown}{more}"
        )
    unsplit = len(target.rows("unsplit"))
    if unsplit:
        notes.append(
            f"{field_name}: {unsplit} record(s) hold the field but are in no split (ingested after `hw train`); "
            "they are neither trained on nor evaluated"
        )
    if n_apply > n_proposed:
        notes.append(
            f"{field_name}: {n_apply - n_proposed} record(s) without the field have no embedded unit and get no proposal"
        )
    if folds < wanted_folds:
        notes.append(
            f"{field_name}: the stacking model used {folds} folds (the smallest class has {folds} training records)"
        )
    return notes


def _proposals(
    field_name: str,
    target: Target,
    apply: np.ndarray,
    probabilities: np.ndarray,
    model: str,
    modalities: list[Modality],
    tabular: Modality | None,
    settings: Settings,
) -> pd.DataFrame:
    """The `candidates` most probable values of each record without the field that has any modality."""
    used = [*modalities, *([tabular] if tabular is not None else [])]
    has = np.column_stack([m.available[apply] for m in used]) if used else np.zeros((len(apply), 0), bool)
    names = np.array([",".join(m.name for m, flag in zip(used, flags) if flag) for flags in has], dtype=object)
    keep = has.any(axis=1)
    count = min(settings.candidates, probabilities.shape[1])
    order, chosen = _top(probabilities[keep], count)
    records = target.records.iloc[apply[keep]]
    repeat = np.repeat(np.arange(len(records)), count)
    return pd.DataFrame(
        {
            "record_id": records["record_id"].to_numpy()[repeat],
            "collection": records["collection"].to_numpy()[repeat],
            "name": records["name"].to_numpy()[repeat],
            "field": field_name,
            "model": model,
            "rank": np.tile(np.arange(1, count + 1), len(records)),
            "value": np.array(target.labels, dtype=object)[order.ravel()],
            "probability": chosen.ravel(),
            "modalities": names[keep][repeat],
        }
    )
