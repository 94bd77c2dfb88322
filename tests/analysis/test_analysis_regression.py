import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from analysis_fixtures import COMPARISONS, make_batches, simulate_labels

from analysis.design import Design, table6_design, table7_design
from analysis.labels import binarise, pair_provenance, usable_labels
from analysis.logit import fit_logit
from analysis.regressions import run_regressions, study_designs

POSITIVE = ["same object", "similar object", "same category"]


def _labelled(batches: pd.DataFrame, labels: pd.DataFrame) -> pd.DataFrame:
    kept, excluded = usable_labels(labels, pair_provenance(batches))
    assert excluded.empty
    kept["binary"] = binarise(kept["label"], POSITIVE)
    return kept


def test_table6_coefficients_equal_a_direct_statsmodels_fit():
    batches = make_batches(seed=3)
    labelled = _labelled(batches, simulate_labels(batches, {"base": -0.2, "ft-best": 0.8}, seed=4))
    design = table6_design(labelled, "base", "ft-best")
    fit = fit_logit(design, intercept=False)
    assert fit.ok and fit.n_obs == len(labelled)

    # the same design written out by hand from the batch columns
    comparison = labelled["link_types"].map(lambda types: types[0].split("/")[0])
    flags = {
        model: [float(row[f"link.{c}.{model}"]) for c, (_, row) in zip(comparison, labelled.iterrows())]
        for model in ("base", "ft-best")
    }
    direct = sm.Logit(labelled["binary"].astype(float), pd.DataFrame(flags)).fit(disp=0)
    table = fit.coefficients.set_index("term")
    np.testing.assert_allclose(table["coef"], direct.params, rtol=1e-6)
    np.testing.assert_allclose(table["std_err"], direct.bse, rtol=1e-6)
    np.testing.assert_allclose(table["z"], direct.tvalues, rtol=1e-6)
    np.testing.assert_allclose(table["p_value"], direct.pvalues, rtol=1e-5)
    np.testing.assert_allclose(table[["ci_low", "ci_high"]], direct.conf_int(), rtol=1e-6)

    with_intercept = fit_logit(design, intercept=True).coefficients.set_index("term")
    direct = sm.Logit(labelled["binary"].astype(float), sm.add_constant(pd.DataFrame(flags))).fit(disp=0)
    np.testing.assert_allclose(with_intercept["coef"], direct.params, rtol=1e-6)


def test_cluster_errors_and_fixed_effects_match_statsmodels():
    batches = make_batches(seed=5)
    labelled = _labelled(batches, simulate_labels(batches, {"base": 0.1, "ft-last": 0.7}, seed=6))
    design = table6_design(labelled, "base", "ft-last")
    cluster = fit_logit(design, effects="cluster").coefficients.set_index("term")
    direct = sm.Logit(design.outcome, design.predictors).fit(
        disp=0, cov_type="cluster", cov_kwds={"groups": pd.factorize(design.annotators)[0]}
    )
    np.testing.assert_allclose(cluster["std_err"], direct.bse, rtol=1e-6)
    fixed = fit_logit(design, effects="fixed").coefficients
    assert {"annotator=A01", "annotator=A02", "annotator=A03"} <= set(fixed["term"])


def test_known_effect_is_recovered_within_its_interval():
    batches = make_batches(seed=11, per_link_type=40)
    truth = {"base": -0.3, "ft-best": 1.0}
    labelled = _labelled(batches, simulate_labels(batches, truth, seed=12))
    table = fit_logit(table6_design(labelled, "base", "ft-best")).coefficients.set_index("term")
    for term, value in truth.items():
        assert table.loc[term, "ci_low"] <= value <= table.loc[term, "ci_high"]
    assert table.loc["ft-best", "p_value"] < 0.001


def test_table7_has_one_flag_per_comparison_and_model():
    batches = make_batches(seed=3)
    labelled = _labelled(batches, simulate_labels(batches, {"ft-last": 0.5}, seed=4))
    design = table7_design(labelled, list(COMPARISONS), "base", "ft-last")
    assert list(design.predictors.columns) == [f"{c}_{m}" for c in COMPARISONS for m in ("base", "ft-last")]
    row = labelled.index[labelled["link_types"].map(lambda t: t[0] == "text-text/ft-last-only")][0]
    assert design.predictors.loc[row].to_dict() == {
        **{f"{c}_{m}": 0.0 for c in COMPARISONS for m in ("base", "ft-last")},
        "text-text_ft-last": 1.0,
    }


def _design(x: dict, y: list, annotators=None) -> Design:
    frame = pd.DataFrame(x, dtype=float)
    return Design("table6", "ft", frame, pd.Series(y, dtype=float), pd.Series(annotators or ["A01"] * len(y)))


@pytest.mark.parametrize(
    ("design", "fragment"),
    [
        (_design({"base": [1, 0, 1, 0, 1, 0], "ft": [1, 1, 0, 1, 0, 0]}, [1, 1, 0, 1, 0, 0]), "separation"),
        (_design({"base": [1, 0, 1, 0, 1, 0], "ft": [0, 0, 0, 0, 0, 0]}, [1, 0, 0, 1, 1, 0]), "never 1"),
        (_design({"base": [1, 1, 1], "ft": [0, 1, 0]}, [1, 1, 1]), "all 3 labels are positive"),
        (_design({"base": [1, 0, 1], "ft": [0, 1, 1]}, [1, 0, 0]), "too few labels"),
        (
            _design({"base": [1, 0, 1, 0, 1, 0, 1, 0], "ft": [1, 0, 1, 0, 1, 0, 1, 0]}, [1, 0, 0, 1, 1, 0, 0, 1]),
            "equal on every pair",
        ),
        (
            _design(
                {"a": [1, 0, 1, 0, 1, 0, 1, 0], "b": [0, 1, 0, 1, 0, 1, 0, 1], "c": [1, 1, 1, 1, 1, 1, 1, 1]},
                [1, 0, 0, 1, 1, 0, 0, 1],
            ),
            "collinear",
        ),
    ],
)
def test_unestimable_designs_give_a_message_not_an_exception(design, fragment):
    fit = fit_logit(design)
    assert not fit.ok
    assert fragment in fit.message
    assert fit.coefficients.empty


def test_run_regressions_reports_every_design_and_permutation_pvalues():
    batches = make_batches(seed=8, per_link_type=10)
    labelled = _labelled(batches, simulate_labels(batches, {"base": -0.3, "ft-best": 1.5, "ft-last": 0.8}, seed=9))
    designs = study_designs(labelled, list(COMPARISONS), "base", ["ft-last", "ft-best"])
    coefficients, fits = run_regressions(designs, intercept=False, effects=["none", "cluster"], permutations=19, seed=1)
    assert len(fits) == 8 and (fits["status"] == "ok").all()
    assert (fits["permutations"] == 19).all()
    assert coefficients["permutation_p"].between(1 / 20, 1).all()
    strong = coefficients[(coefficients["table"] == "table6") & (coefficients["term"] == "ft-best")]
    assert (strong["permutation_p"] == 1 / 20).all()
    again, _ = run_regressions(designs, intercept=False, effects=["none", "cluster"], permutations=19, seed=1)
    pd.testing.assert_frame_equal(coefficients, again)
