"""Run both study designs for every fine-tuned model and gather tidy tables."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from analysis.artifacts import REGRESSION_COEFFICIENTS, REGRESSION_FITS
from analysis.design import Design, table6_design, table7_design
from analysis.logit import AnnotatorEffects, fit_logit, permutation_pvalues


def study_designs(
    labelled: pd.DataFrame, comparisons: Sequence[str], base: str, fine_tuned: Sequence[str]
) -> list[Design]:
    """Table 6 and Table 7 designs, one of each per fine-tuned model."""
    designs = [table6_design(labelled, base, model) for model in fine_tuned]
    designs += [table7_design(labelled, list(comparisons), base, model) for model in fine_tuned]
    return designs


def run_regressions(
    designs: Sequence[Design],
    intercept: bool,
    effects: Sequence[AnnotatorEffects],
    permutations: int,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit every design under every annotator treatment; return (coefficients, fits)."""
    coefficient_tables, fit_rows = [], []
    for design in designs:
        shuffle_cache: dict[str, tuple[pd.Series, int]] = {}
        for effect in effects:
            fit = fit_logit(design, intercept=intercept, effects=effect)
            used = 0
            table = fit.coefficients.copy()
            if fit.ok and permutations > 0:
                # cluster-robust errors change no coefficient, so they share the plain fit's shuffles
                key = "fixed" if effect == "fixed" else "none"
                if key not in shuffle_cache:
                    shuffle_cache[key] = permutation_pvalues(
                        design, fit.coefficients, intercept, effect, permutations, seed
                    )
                pvalues, used = shuffle_cache[key]
                table["permutation_p"] = table["term"].map(pvalues)
            else:
                table["permutation_p"] = float("nan")
            meta = {"table": design.table, "model": design.model, "annotator_effects": effect, "intercept": intercept}
            if fit.ok:
                table["kind"] = table["term"].map(
                    lambda term: (
                        "annotator" if term.startswith("annotator=") else "intercept" if term == "intercept" else "flag"
                    )
                )
                table = table.assign(**meta, n_obs=fit.n_obs)
                coefficient_tables.append(table)
            fit_rows.append(
                {
                    **meta,
                    "n_obs": fit.n_obs,
                    "n_annotators": fit.n_annotators,
                    "status": "ok" if fit.ok else "not estimated",
                    "message": fit.message,
                    **{key: fit.details.get(key) for key in ("log_likelihood", "aic", "pseudo_r2")},
                    "permutations": used,
                }
            )
    columns = list(REGRESSION_COEFFICIENTS.columns)
    coefficients = (
        pd.concat(coefficient_tables, ignore_index=True)[columns]
        if coefficient_tables
        else pd.DataFrame(columns=columns)
    )
    return coefficients, pd.DataFrame(fit_rows, columns=list(REGRESSION_FITS.columns))
