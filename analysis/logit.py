"""Logistic regressions of the binary label on link flags, with clear refusals.

A design that cannot be estimated (too few labels, one class only, a predictor that never
varies, collinear predictors, perfect or quasi-complete separation) gives a message instead
of an exception, so a study with thin labels still gets a report.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from analysis.design import Design

AnnotatorEffects = Literal["none", "cluster", "fixed"]
COEFFICIENT_COLUMNS = ["term", "coef", "std_err", "z", "p_value", "ci_low", "ci_high"]
MIN_PER_CLASS = 2


@dataclass
class Fit:
    """The outcome of one regression: a tidy coefficient table, or why there is none."""

    coefficients: pd.DataFrame
    n_obs: int
    n_annotators: int
    message: str | None = None
    details: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.message is None


def model_matrix(design: Design, intercept: bool, effects: AnnotatorEffects) -> pd.DataFrame:
    """The predictors, with an intercept and annotator dummies when asked for."""
    matrix = design.predictors.copy()
    if effects == "fixed":
        dummies = pd.get_dummies(
            design.annotators, prefix="annotator", prefix_sep="=", dtype=float, drop_first=intercept
        )
        matrix = pd.concat([matrix, dummies.set_index(matrix.index)], axis=1)
    if intercept:
        matrix.insert(0, "intercept", 1.0)
    return matrix


def design_problem(matrix: pd.DataFrame, outcome: pd.Series) -> str | None:
    """Why this design cannot be estimated, or None when it can."""
    n = len(outcome)
    positives = int(outcome.sum())
    if n == 0:
        return "no labelled pairs to fit"
    if positives == 0 or positives == n:
        which = "positive (1)" if positives == n else "negative (0)"
        return f"all {n} labels are {which}: a logistic regression needs both outcomes"
    if min(positives, n - positives) < MIN_PER_CLASS or n < matrix.shape[1] + MIN_PER_CLASS:
        return f"too few labels: {n} observations ({positives} positive) for {matrix.shape[1]} predictors"
    for name in matrix.columns:
        column = matrix[name]
        if (column == 0).all():
            return f"predictor {name!r} is never 1 in these pairs, so its effect cannot be estimated"
        if column.nunique() == 1 and name != "intercept" and "intercept" in matrix.columns:
            return f"predictor {name!r} is constant, so it cannot be told apart from the intercept"
    if np.linalg.matrix_rank(matrix.to_numpy()) < matrix.shape[1]:
        duplicated = matrix.T.duplicated(keep=False)
        if duplicated.any():
            same = list(matrix.columns[duplicated.to_numpy()])
            return f"the predictors {same} are equal on every pair (the models agree on all sampled pairs), so their effects cannot be told apart"
        return f"the predictors {list(matrix.columns)} are collinear (some combination of them is constant)"
    for name in matrix.columns:
        column = matrix[name]
        if name == "intercept" or not column.isin([0.0, 1.0]).all():
            continue
        outcomes = outcome[column == 1].unique()
        if len(outcomes) == 1:
            return (
                f"quasi-complete separation: every pair with {name} = 1 is labelled {int(outcomes[0])}, "
                "so its coefficient runs off to infinity"
            )
    return None


def _tidy(result) -> pd.DataFrame:
    interval = np.asarray(result.conf_int(alpha=0.05))
    return pd.DataFrame(
        {
            "term": list(result.model.exog_names),
            "coef": np.asarray(result.params),
            "std_err": np.asarray(result.bse),
            "z": np.asarray(result.tvalues),
            "p_value": np.asarray(result.pvalues),
            "ci_low": interval[:, 0],
            "ci_high": interval[:, 1],
        }
    )


def _logit(matrix: pd.DataFrame, outcome: pd.Series, groups: pd.Series | None = None):
    """Fit by Newton's method; statsmodels' warnings become a ValueError naming the problem."""
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import (
        ConvergenceWarning,
        HessianInversionWarning,
        PerfectSeparationError,
        PerfectSeparationWarning,
    )

    fit_options: dict = {"disp": 0, "maxiter": 100}
    if groups is not None:
        fit_options.update(cov_type="cluster", cov_kwds={"groups": pd.factorize(groups)[0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", PerfectSeparationWarning)
        warnings.simplefilter("error", ConvergenceWarning)
        warnings.simplefilter("error", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            result = Logit(outcome, matrix).fit(**fit_options)
        except (PerfectSeparationWarning, PerfectSeparationError):
            raise ValueError("perfect separation: the flags predict every label exactly") from None
        except ConvergenceWarning:
            raise ValueError("the fit did not converge (likely quasi-separation)") from None
        except (HessianInversionWarning, np.linalg.LinAlgError):
            raise ValueError("the information matrix is singular (collinear predictors)") from None
    if not np.all(np.isfinite(result.bse)):
        raise ValueError("standard errors are not finite (likely separation)")
    return result


def fit_logit(design: Design, intercept: bool = False, effects: AnnotatorEffects = "none") -> Fit:
    """Fit one design; on failure the Fit carries a message and no coefficients."""
    matrix = model_matrix(design, intercept, effects)
    outcome = design.outcome
    n_annotators = int(design.annotators.nunique())
    empty = pd.DataFrame(columns=COEFFICIENT_COLUMNS)
    problem = design_problem(matrix, outcome)
    if problem is None and effects == "cluster" and n_annotators < 2:
        problem = "cluster-robust errors by annotator need at least two annotators"
    if problem is not None:
        return Fit(empty, len(outcome), n_annotators, problem)
    try:
        result = _logit(matrix, outcome, design.annotators if effects == "cluster" else None)
    except ValueError as error:
        return Fit(empty, len(outcome), n_annotators, str(error))
    details = {"log_likelihood": float(result.llf), "aic": float(result.aic), "pseudo_r2": float(result.prsquared)}
    return Fit(_tidy(result), len(outcome), n_annotators, None, details)


def permutation_pvalues(
    design: Design, observed: pd.DataFrame, intercept: bool, effects: AnnotatorEffects, refits: int, seed: int
) -> tuple[pd.Series, int]:
    """Share of label shuffles whose |coef| reaches the observed |coef|, per term.

    Uses (1 + hits) / (1 + refits) so a p-value is never zero; shuffles that cannot be
    fitted (separation in the shuffled labels) are left out and the count returned says
    how many refits were used.
    """
    matrix = model_matrix(design, intercept, "fixed" if effects == "fixed" else "none")
    observed_abs = observed.set_index("term")["coef"].abs().reindex(matrix.columns)
    rng = np.random.default_rng(seed)
    hits = pd.Series(0, index=matrix.columns)
    used = 0
    for _ in range(refits):
        shuffled = pd.Series(rng.permutation(design.outcome.to_numpy()), index=design.outcome.index)
        if design_problem(matrix, shuffled) is not None:
            continue
        try:
            result = _logit(matrix, shuffled)
        except ValueError:
            continue
        hits += (np.abs(np.asarray(result.params)) >= observed_abs.to_numpy()).astype(int)
        used += 1
    return (hits + 1) / (used + 1), used
