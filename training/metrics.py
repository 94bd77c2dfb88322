"""The training metrics table and its loss curve."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from heritage_weaver import atomic
from training.artifacts import METRICS

METRIC_COLUMNS = list(METRICS.columns)


def metrics_table(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=METRIC_COLUMNS).astype(
        {
            "step": "int64",
            "epoch": "int64",
            "split": "string",
            "loss": "float64",
            "lr": "float64",
            "pairs_per_s": "float64",
        }
    )


def plot_losses(metrics: pd.DataFrame, target: Path) -> None:
    """Train loss per step (and its running mean) with the evaluation loss at each epoch's end."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    train = metrics[metrics["split"] == "train"]
    evaluation = metrics[metrics["split"] == "eval"]
    figure, axes = plt.subplots(figsize=(7, 4))
    axes.plot(train["step"], train["loss"], color="#9ab", linewidth=0.8, label="train (step)")
    window = max(len(train) // 20, 1)
    axes.plot(
        train["step"],
        train["loss"].rolling(window, min_periods=1).mean(),
        color="#246",
        label=f"train (mean of {window})",
    )
    axes.plot(evaluation["step"], evaluation["loss"], "o-", color="#c52", label="eval (epoch end)")
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("sigmoid loss")
    axes.legend()
    figure.tight_layout()
    with atomic.atomic_path(target) as temporary:
        figure.savefig(temporary, format="png", dpi=120)
    plt.close(figure)
