"""The study's figures, from its fitted models and results."""

import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay

from .._plotting import (
    MisclassifiedImagesDisplay,
    SearchHeatmapDisplay,
    TrainingHistoryDisplay,
)


def plot_figures(models, labels, probas, X_test, y_test, target_names, search, config,
                 results):
    """Every figure of the report, as ``{file name: matplotlib figure}``.

    ``probas`` maps each model key to its test-set probabilities and
    ``results`` to its entry of ``metrics.json`` (intervals, reliability).
    """
    figures = {}
    curves = None
    for key, estimator in models.items():
        curves = TrainingHistoryDisplay.from_estimator(
            estimator, name=labels[key], ax=None if curves is None else curves.ax_
        )
    curves.figure_.tight_layout()
    figures["learning_curves.png"] = curves.figure_
    figures["test_intervals.png"] = _interval_figure(labels, results)
    figures["confusion_matrices.png"] = _confusion_figure(
        models, labels, probas, y_test, target_names
    )
    figures["reliability_diagrams.png"] = _reliability_figure(labels, results)

    for key, estimator in models.items():
        misclassified = MisclassifiedImagesDisplay.from_predictions(
            X_test, y_test, probas[key], classes=estimator.classes_,
            image_shape=estimator.image_shape_, target_names=target_names,
        )
        misclassified.figure_.suptitle(
            f"Most confidently misclassified test images, {labels[key]}", y=1.08
        )
        figures[f"misclassified_{key}.png"] = misclassified.figure_

    if search is not None:
        heatmap = SearchHeatmapDisplay.from_search(
            search, x_param="batch_size", y_param="learning_rate"
        )
        heatmap.ax_.set_title(
            f"CNN grid, {config.grid_epochs} epoch(s) per point (validation hold-out)"
        )
        figures["grid_heatmap.png"] = heatmap.figure_
    return figures


def _interval_figure(labels, results):
    """Each model's test metrics as points with their 95% intervals, one per seed.

    With several seeds each model's row holds one point per seed, spread
    vertically, and a bar at the mean over the seeds.
    """
    import matplotlib.pyplot as plt

    panels = [("test_accuracy", "accuracy (higher is better)"),
              ("test_macro_f1", "macro-F1 (higher is better)"),
              ("test_loss", "log loss (lower is better)")]
    keys = list(labels)
    names = [labels[key] for key in keys]
    n_seeds = len(results[keys[0]]["seeds"])
    row_height = 0.55 if n_seeds == 1 else 0.3 + 0.22 * n_seeds
    figure, axes = plt.subplots(1, len(panels),
                                figsize=(11, row_height * len(names) + 1.4 + 0.3 * (n_seeds > 1)))
    positions = np.arange(len(names))[::-1]
    # The first seed on top, as in the tables.
    offsets = np.linspace(0.25, -0.25, n_seeds) if n_seeds > 1 else np.zeros(1)
    colours = plt.get_cmap("tab10").colors
    for ax, (metric, title) in zip(axes, panels):
        for seed_index, offset in enumerate(offsets):
            entries = [results[key]["seeds"][seed_index] for key in keys]
            values = np.array([entry[metric] for entry in entries])
            low, high = np.array([entry[f"{metric}_ci"] for entry in entries]).T
            colour = "#1f4e79" if n_seeds == 1 else colours[seed_index % len(colours)]
            ax.errorbar(values, positions + offset, xerr=[values - low, high - values],
                        fmt="o", color=colour, ecolor=colour, alpha=0.9, capsize=3,
                        markersize=4 if n_seeds > 1 else 6,
                        label=f"random_state {entries[0]['random_state']}")
        if n_seeds > 1:
            means = [results[key][metric] for key in keys]
            ax.scatter(means, positions, marker="|", s=900, color="#222", zorder=3,
                       label=f"mean of {n_seeds} seeds")
        ax.set_yticks(positions, names if ax is axes[0] else [""] * len(names))
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.set_title(title, fontsize=10)
        ax.grid(axis="x", alpha=0.3)
    title = "Test metrics with 95% confidence intervals"
    if n_seeds > 1:
        title += ", one point per seed"
        handles, legend_labels = axes[0].get_legend_handles_labels()
        # Matplotlib lists the scatter (the mean) before the error bars.
        handles, legend_labels = handles[1:] + handles[:1], legend_labels[1:] + legend_labels[:1]
        figure.legend(handles, legend_labels, loc="lower center", ncol=n_seeds + 1,
                      fontsize=8, frameon=False)
    figure.suptitle(title, fontsize=11)
    figure.tight_layout(rect=(0, 0.07 if n_seeds > 1 else 0, 1, 1))
    return figure


def _confusion_figure(models, labels, probas, y_test, target_names):
    """All confusion matrices side by side, at one size and one colour scale."""
    import matplotlib.pyplot as plt

    keys = list(models)
    predictions = {
        key: models[key].classes_[np.argmax(probas[key], axis=1)] for key in keys
    }
    classes = np.arange(len(target_names))
    vmax = max(
        np.bincount(len(classes) * y_test + predictions[key], minlength=len(classes) ** 2).max()
        for key in keys
    )
    figure, axes = plt.subplots(1, len(keys), figsize=(4.6 * len(keys) + 1.2, 5.2),
                                squeeze=False)
    for index, (ax, key) in enumerate(zip(axes[0], keys)):
        ConfusionMatrixDisplay.from_predictions(
            y_test, predictions[key], labels=classes, display_labels=target_names,
            xticks_rotation=60, colorbar=False, ax=ax, cmap="Blues",
            im_kw={"vmin": 0, "vmax": vmax}, text_kw={"fontsize": 7},
        )
        ax.set_title(labels[key], fontsize=11)
        ax.tick_params(labelsize=8)
        if index:
            ax.set_ylabel("")
            ax.set_yticklabels([])
    figure.suptitle("Confusion matrices on the test set (rows: true class)", fontsize=11)
    figure.tight_layout()
    return figure


def _reliability_figure(labels, results):
    """One top-label reliability diagram per model."""
    import matplotlib.pyplot as plt

    keys = list(labels)
    figure, axes = plt.subplots(1, len(keys), figsize=(3.6 * len(keys) + 0.6, 3.9),
                                squeeze=False, sharey=True)
    for ax, key in zip(axes[0], keys):
        table = pd.DataFrame(results[key]["reliability"])
        filled = table[table["count"] > 0]
        width = table["bin_high"] - table["bin_low"]
        ax.bar(table["bin_low"], table["accuracy"].fillna(0), width=width, align="edge",
               color="#6b8fb5", edgecolor="white", label="accuracy in bin")
        ax.plot([0, 1], [0, 1], "--", color="#888", label="perfect calibration")
        ax.plot(filled["mean_confidence"], filled["accuracy"], "o", color="#1f4e79",
                markersize=3, label="mean confidence")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_aspect("equal")
        ax.set_xlabel("confidence (top probability)")
        ax.set_title(f"{labels[key]}: ECE {results[key]['seeds'][0]['test_ece']:.3f}",
                     fontsize=10)
    axes[0][0].set_ylabel("accuracy")
    axes[0][0].legend(fontsize=7, loc="upper left")
    figure.tight_layout()
    return figure
