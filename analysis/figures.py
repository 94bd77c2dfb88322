"""Report figures as PNG bytes (matplotlib, no display needed)."""

from __future__ import annotations

import io

import pandas as pd

TICK_CHARACTERS = 40  # of a catalogue value on an axis


def _png(figure) -> bytes:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def coefficient_plot(coefficients: pd.DataFrame) -> bytes:
    """Link-flag coefficients with their 95% intervals, one panel per design and fine-tuned model."""
    plt = _pyplot()
    panels = list(coefficients.groupby(["table", "model"], sort=True))
    figure, axes = plt.subplots(
        1,
        len(panels),
        figsize=(4.2 * len(panels), 0.5 + 0.45 * coefficients.groupby(["table", "model"]).size().max()),
        squeeze=False,
    )
    for axis, ((table, model), rows) in zip(axes[0], panels):
        rows = rows.iloc[::-1]
        positions = range(len(rows))
        axis.errorbar(
            rows["coef"],
            positions,
            xerr=[rows["coef"] - rows["ci_low"], rows["ci_high"] - rows["coef"]],
            fmt="o",
            color="#1f5f8b",
            capsize=3,
        )
        axis.axvline(0, color="#888", linewidth=0.8, linestyle="--")
        axis.set_yticks(list(positions), rows["term"])
        axis.set_title(f"{table} · {model}", fontsize=10)
        axis.set_xlabel("log-odds (95% CI)")
    figure.tight_layout()
    return _png(figure)


def label_bars(by_link_type: pd.DataFrame, labels: list[str]) -> bytes:
    """Stacked label counts per link type."""
    plt = _pyplot()
    table = by_link_type.set_index("link_type")[labels]
    figure, axis = plt.subplots(figsize=(8, 0.35 * len(table) + 1.2))
    table.plot.barh(stacked=True, ax=axis, colormap="viridis", width=0.8)
    axis.invert_yaxis()
    axis.set_xlabel("annotations")
    axis.set_ylabel("")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    figure.tight_layout()
    return _png(figure)


def precision_forest(rows: pd.DataFrame, value: str, truths: dict[str, str] | None = None) -> bytes:
    """One line per comparison × model: the estimate `value` with its 95% interval, and any truth markers.

    `truths` maps a legend label to a column of `rows` (the demo's ground truth).
    """
    plt = _pyplot()
    rows = rows.iloc[::-1].reset_index(drop=True)
    figure, axis = plt.subplots(figsize=(7, 0.8 + 0.32 * len(rows)))
    positions = list(range(len(rows)))
    axis.errorbar(
        rows[value],
        positions,
        xerr=[rows[value] - rows["ci_low"], rows["ci_high"] - rows[value]],
        fmt="o",
        color="#1f5f8b",
        capsize=3,
        label="estimate (95% CI)",
    )
    for (label, column), marker in zip((truths or {}).items(), ("x", "d", "+")):
        axis.scatter(rows[column], positions, marker=marker, color="#b5422a", zorder=3, label=label)
    if value == "difference":
        axis.axvline(0, color="#888", linewidth=0.8, linestyle="--")
    axis.set_yticks(positions, [f"{r.comparison} · {r.model}" for r in rows.itertuples()])
    axis.set_xlabel("difference in precision" if value == "difference" else "precision")
    axis.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8, frameon=False)
    figure.tight_layout()
    return _png(figure)


def confusion_heatmap(cells: pd.DataFrame, title: str) -> bytes:
    """A confusion matrix (truth rows, predicted columns; counts per cell) as a heatmap, rows normalised.
    The class names are catalogue values: shown as written, never read as mathtext (`$…$`), each cut
    to `TICK_CHARACTERS` (a 10,000-character name would widen the figure to megabytes)."""
    plt = _pyplot()
    labels = sorted(set(cells["truth"]) | set(cells["predicted"]))
    matrix = cells.pivot_table(index="truth", columns="predicted", values="count", aggfunc="sum", fill_value=0)
    matrix = matrix.reindex(index=labels, columns=labels, fill_value=0)
    shares = matrix.div(matrix.sum(axis=1).where(matrix.sum(axis=1) > 0, 1), axis=0)
    size = 2.5 + 0.28 * len(labels)
    figure, axis = plt.subplots(figsize=(size + 1, size))
    image = axis.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1)
    ticks = [label if len(label) <= TICK_CHARACTERS else label[: TICK_CHARACTERS - 1] + "…" for label in labels]
    axis.set_xticks(range(len(labels)), ticks, rotation=90, fontsize=7, parse_math=False)
    axis.set_yticks(range(len(labels)), ticks, fontsize=7, parse_math=False)
    axis.set_xlabel("predicted")
    axis.set_ylabel("truth (held-out records)")
    axis.set_title(title, fontsize=9)
    figure.colorbar(image, ax=axis, fraction=0.04, label="share of the true class")
    return _png(figure)


def precision_threshold_chart(curves: pd.DataFrame, chosen: pd.DataFrame, target: float) -> bytes:
    """One panel per comparison: precision above each threshold, its two-sided band, its lower bound,
    the target and the chosen threshold (rows of `chosen` with a threshold)."""
    plt = _pyplot()
    comparisons = list(dict.fromkeys(curves["comparison"]))
    figure, axes = plt.subplots(1, len(comparisons), figsize=(4.2 * len(comparisons), 3.4), squeeze=False)
    picked = chosen.set_index("comparison")["threshold"]
    for axis, comparison in zip(axes[0], comparisons):
        rows = curves[curves["comparison"] == comparison].sort_values("threshold")
        axis.fill_between(
            rows["threshold"], rows["ci_low"], rows["ci_high"], color="#9cc3e0", alpha=0.6, label="interval"
        )
        axis.plot(rows["threshold"], rows["precision"], color="#1f5f8b", label="precision")
        axis.plot(rows["threshold"], rows["lower_bound"], color="#1f5f8b", linestyle=":", label="lower bound")
        axis.axhline(target, color="#b5482a", linewidth=0.9, linestyle="--", label=f"target {target:g}")
        if pd.notna(picked.get(comparison)):
            axis.axvline(picked[comparison], color="#444", linewidth=0.9, label="chosen threshold")
        axis.set_title(comparison, fontsize=10)
        axis.set_xlabel("threshold on the calibrated probability")
        axis.set_ylim(0, 1.02)
    axes[0][0].set_ylabel("precision of the links above")
    axes[0][-1].legend(loc="lower right", fontsize=7, frameon=False)
    figure.tight_layout()
    return _png(figure)


def reliability_diagram(reliability: pd.DataFrame) -> bytes:
    """Observed share positive against mean calibrated probability per bin, one line per comparison,
    one panel per target; the diagonal is perfect calibration."""
    plt = _pyplot()
    targets = list(dict.fromkeys(reliability["target"]))
    figure, axes = plt.subplots(1, len(targets), figsize=(4.2 * len(targets), 3.8), squeeze=False)
    for axis, target in zip(axes[0], targets):
        axis.plot([0, 1], [0, 1], color="#888", linewidth=0.8, linestyle="--")
        for comparison, rows in reliability[reliability["target"] == target].groupby("comparison", sort=False):
            rows = rows.dropna(subset=["mean_probability", "observed"])
            line = axis.plot(rows["mean_probability"], rows["observed"], marker=None, label=comparison)[0]
            axis.scatter(rows["mean_probability"], rows["observed"], s=6 + 2 * rows["pairs"], color=line.get_color())
        axis.set_title(f"target: {target}", fontsize=10)
        axis.set_xlabel("mean calibrated probability")
        axis.set_xlim(0, 1)
        axis.set_ylim(0, 1)
    axes[0][0].set_ylabel("observed share positive (weighted)")
    axes[0][-1].legend(loc="upper left", fontsize=7, frameon=False)
    figure.tight_layout()
    return _png(figure)
