"""The files the analysis package writes (declared with the core's artifact mechanism)."""

from __future__ import annotations

from collections.abc import Iterable

from annotation.artifacts import LABEL_VALUES
from heritage_weaver.artifacts import Artifact, file, table
from sampler.artifacts import PAIR_COLUMNS

ANALYSIS_SECTIONS = ("analysis", "models", "comparisons", "sampling", "study")
EVALUATION_SECTIONS = ("analysis", "models", "study", "embedding")


def _analysis(name: str, verb: str, description: str, columns: Iterable[str] = ()) -> Artifact:
    sections = ANALYSIS_SECTIONS if verb == "analyze" else EVALUATION_SECTIONS
    return table(f"analysis/{name}.parquet", verb, description, columns, sections)


LABEL_DISTRIBUTION = _analysis(
    "label_distribution", "analyze", "count and share of each label", ("label", "count", "share", "binary")
)
LABELS_BY_LINK_TYPE = _analysis(
    "label_distribution_by_link_type",
    "analyze",
    "labels per link type",
    ("link_type", "comparison", "stratum", "n", *LABEL_VALUES, "positive_share"),
)
LABELS_BY_ANNOTATOR = _analysis(
    "label_distribution_by_annotator",
    "analyze",
    "labels per annotator",
    ("annotator", "n", *LABEL_VALUES, "positive_share"),
)
LABELLED = _analysis(
    "labelled",
    "analyze",
    "the annotations the analysis uses, with their pair's provenance",
    ("annotation_id", "pair_id", "annotator", "label", *PAIR_COLUMNS[1:], "binary"),
)
EXCLUDED = _analysis(
    "excluded",
    "analyze",
    "annotations the analysis leaves out, with the reason",
    ("annotation_id", "pair_id", "annotator", "label", "status", "reason"),
)
FIT_KEYS = ("table", "model", "annotator_effects", "intercept")
REGRESSION_FITS = _analysis(
    "regression_fits",
    "analyze",
    "one row per fitted regression: its fit or why it failed",
    (*FIT_KEYS, "n_obs", "n_annotators", "status", "message", "log_likelihood", "aic", "pseudo_r2", "permutations"),
)
REGRESSION_COEFFICIENTS = _analysis(
    "regression_coefficients",
    "analyze",
    "the coefficients of every regression",
    (*FIT_KEYS, "term", "kind", "coef", "std_err", "z", "p_value", "ci_low", "ci_high", "permutation_p", "n_obs"),
)
AGREEMENT_ALPHA = _analysis(
    "agreement_alpha",
    "analyze",
    "Krippendorff's alpha",
    ("measure", "scale", "value", "n_pairs", "n_annotations", "n_annotators", "message"),
)
AGREEMENT_KAPPA = _analysis(
    "agreement_kappa",
    "analyze",
    "Cohen's kappa per annotator pair",
    ("annotator_a", "annotator_b", "n_shared", "observed_agreement", "kappa", "kappa_binary"),
)
PRECISION_STRATA = _analysis(
    "precision_strata",
    "analyze",
    "per link type: population, labelled pairs, share judged positive and its 95% interval",
    (
        "link_type",
        "comparison",
        "stratum",
        "models",
        "population",
        "pairs",
        "annotations",
        "positives",
        "precision",
        "ci_low",
        "ci_high",
        "sampling_fraction",
    ),
)
PRECISION = _analysis(
    "precision",
    "analyze",
    "per comparison × model: population precision of its links in the sampled strata, with its 95% interval",
    (
        "comparison",
        "model",
        "links",
        "covered_links",
        "coverage",
        "strata",
        "pairs",
        "precision",
        "ci_low",
        "ci_high",
        "message",
    ),
)
PRECISION_DIFFERENCE = _analysis(
    "precision_difference",
    "analyze",
    "per comparison × fine-tuned model: its precision minus the base model's, with a 95% interval",
    ("comparison", "model", "base_model", "difference", "ci_low", "ci_high", "message"),
)
LABELS_BY_ROUND = _analysis(
    "labels_by_round",
    "analyze",
    "per labelling round: annotators, labelled pairs, annotations, positive share and adjudicated pairs",
    ("round", "annotators", "pairs", "annotations", "positive_share", "adjudicated"),
)
# -- calibrate ------------------------------------------------------------------------------------
CALIBRATION_SECTIONS = (*ANALYSIS_SECTIONS, "publishing")
CALIBRATION_TARGETS = ("study", "match")
CALIBRATION_KEYS = ("comparison", "target")
CURVE_KEYS = (*CALIBRATION_KEYS, "score")
PROBABILITY_SCORE = "probability"  # the `score` of the calibrated probability's rows (the others are model names)
CURVE_VALUES = ("threshold", "links", "labelled", "unlabelled_links", "precision", "lower_bound", "ci_low", "ci_high")
LINK_PROBABILITIES = table(
    "analysis/link_probabilities.parquet",
    "calibrate",
    "per comparison, every candidate pair (a link of some model) with its calibrated probabilities",
    ("pair_id", "comparison", "link_type", "probability", "match_probability"),
    CALIBRATION_SECTIONS,
)
CALIBRATION = table(
    "analysis/calibration.parquet",
    "calibrate",
    "per comparison × target: the chosen model family, its cross-validated fit and calibration",
    (
        *CALIBRATION_KEYS,
        "family",
        "pairs",
        "folds",
        "cv_log_loss_isotonic",
        "cv_log_loss_logistic",
        "brier",
        "ece",
        "message",
    ),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
RELIABILITY = table(
    "analysis/reliability.parquet",
    "calibrate",
    "per comparison × target: the reliability diagram of the out-of-fold probabilities",
    (*CALIBRATION_KEYS, "bin_low", "bin_high", "pairs", "weight", "mean_probability", "observed"),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
PRECISION_CURVES = table(
    "analysis/precision_curves.parquet",
    "calibrate",
    "per comparison × target × score: precision of the links above each threshold, its bounds, expected recall",
    (*CURVE_KEYS, *CURVE_VALUES, "expected_recall"),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
PUBLISHABLE = table(
    "analysis/publishable.parquet",
    "calibrate",
    "per comparison × target × score: the lowest threshold whose lower bound reaches the target precision",
    (*CURVE_KEYS, "target_precision", "confidence", *CURVE_VALUES, "expected_recall", "message"),
    CALIBRATION_SECTIONS,
    target=CALIBRATION_TARGETS,
)
ZERO_SHOT = _analysis("zero_shot", "evaluate", "zero-shot classification per model, data and candidates")
ZERO_SHOT_PER_NOUN = _analysis(
    "zero_shot_per_noun",
    "evaluate",
    "zero-shot accuracy per root noun, and its difference from the base model",
    ("data", "candidates", "target", "model", "n_images", "accuracy", "base_accuracy", "difference"),
)
RETRIEVAL_IMAGE = _analysis("retrieval_image", "evaluate", "image→image retrieval")
RETRIEVAL_CROSS_MODAL = _analysis("retrieval_cross_modal", "evaluate", "text↔image retrieval")
EVALUATION_NOTES = _analysis(
    "evaluation_notes", "evaluate", "what the evaluations could not compute, and why", ("note",)
)
# -- an input of the report, when present: the demo's `hw simulate-labels` writes one, a project lead may -----
REFERENCE_STANDARD = table(
    "reference/pairs.parquet",
    "simulate-labels",
    "the reference standard: pairs whose true label is known; optionally (`curator_error`) the chance a curator "
    "gives another",
    ("record_a", "collection_a", "record_b", "collection_b", "label"),
    private=True,  # the answers to pairs curators may be shown
    label=LABEL_VALUES,
)
ANALYSIS_CSV = file("analysis/{name}.csv", "analyze", "each analysis and evaluation table as CSV, beside its Parquet")
REPORT_PAGE = file("report/report.html", "report", "the self-contained study report")
REPORT_TABLE = file("report/tables/{name}.csv", "report", "each report table as CSV")

# Every file above, once, in declaration order (a test checks that none is left out).
ARTIFACTS: tuple[Artifact, ...] = (
    LABEL_DISTRIBUTION,
    LABELS_BY_LINK_TYPE,
    LABELS_BY_ANNOTATOR,
    LABELLED,
    EXCLUDED,
    REGRESSION_FITS,
    REGRESSION_COEFFICIENTS,
    AGREEMENT_ALPHA,
    AGREEMENT_KAPPA,
    PRECISION_STRATA,
    PRECISION,
    PRECISION_DIFFERENCE,
    LABELS_BY_ROUND,
    LINK_PROBABILITIES,
    CALIBRATION,
    RELIABILITY,
    PRECISION_CURVES,
    PUBLISHABLE,
    ZERO_SHOT,
    ZERO_SHOT_PER_NOUN,
    RETRIEVAL_IMAGE,
    RETRIEVAL_CROSS_MODAL,
    EVALUATION_NOTES,
    REFERENCE_STANDARD,
    ANALYSIS_CSV,
    REPORT_PAGE,
    REPORT_TABLE,
)
