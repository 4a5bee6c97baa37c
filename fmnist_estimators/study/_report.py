"""Figures and the self-contained HTML report of the study."""

import base64
import html

import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay

from .._plotting import (
    MisclassifiedImagesDisplay,
    SearchHeatmapDisplay,
    TrainingHistoryDisplay,
)


def plot_figures(models, labels, predictions, X_test, y_test, target_names, search, config):
    """Every figure of the report, as ``{file name: matplotlib figure}``."""
    import matplotlib.pyplot as plt

    figures = {}
    curves = None
    for key, estimator in models.items():
        curves = TrainingHistoryDisplay.from_estimator(
            estimator, name=labels[key], ax=None if curves is None else curves.ax_
        )
    curves.figure_.tight_layout()
    figures["learning_curves.png"] = curves.figure_

    for key, estimator in models.items():
        y_pred = estimator.classes_[np.argmax(predictions[key], axis=1)]
        figure, ax = plt.subplots(figsize=(8, 7))
        ConfusionMatrixDisplay.from_predictions(
            y_test, y_pred, labels=np.arange(len(target_names)),
            display_labels=target_names, xticks_rotation=45, colorbar=False, ax=ax,
            cmap="Blues",
        )
        ax.set_title(f"Confusion matrix, {labels[key]} (test set)")
        figures[f"confusion_matrix_{key}.png"] = figure

        misclassified = MisclassifiedImagesDisplay.from_predictions(
            X_test, y_test, predictions[key], classes=estimator.classes_,
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


def _image_tag(path, alt):
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(frame, **kwargs):
    return frame.to_html(classes="table", border=0, float_format=lambda v: f"{v:.4f}", **kwargs)


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
.table th, .table td { padding: 0.35em 0.8em; border-bottom: 1px solid #e4e4e4; text-align: right; }
.table th:first-child, .table td:first-child { text-align: left; }
.headline { display: flex; gap: 1.5em; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 0.8em 1.2em; min-width: 12em; }
.card .value { font-size: 1.9em; font-weight: 600; }
img { max-width: 100%; display: block; margin: 0.8em 0; }
.note { color: #555; font-size: 0.9em; }
.flex { display: flex; gap: 1em; flex-wrap: wrap; } .flex > div { flex: 1 1 420px; }
"""


def render_report(metrics, comparison, reports, labels, grid_table, optuna_table, folder,
                  *, cv_table=None):
    """The report as one HTML string, with every figure embedded."""
    models = metrics["models"]
    data = metrics["data"]
    config = metrics["config"]
    cards = "".join(
        f'<div class="card" id="result-{html.escape(label)}"><div>{html.escape(label)} test accuracy</div>'
        f'<div class="value">{m["test_accuracy"]:.4f}</div>'
        f'<div class="note">test loss {m["test_loss"]:.4f} &middot; trained in '
        f'{m["fit_time_s"]:.0f} s in {html.escape(m["dtype_policy"])} '
        f'&middot; {m["n_params"]:,} weights</div></div>'
        for label, m in models.items()
    )
    best = max(models, key=lambda label: models[label]["test_accuracy"])
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Fashion-MNIST: ANN vs CNN</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>Fashion-MNIST: ANN vs CNN</h1>",
        f"<p class='note'>{data['n_train']:,} training, {data['n_validation']:,} validation and "
        f"{data['n_test']:,} test images &middot; {config['epochs']} epochs, batch "
        f"{config['batch_size']}, Adam at {config['learning_rate']:g} for the ANN and CNN "
        "(the tuned CNN uses its tuned settings) &middot; "
        f"random_state={config['random_state']} &middot; fmnist_estimators "
        f"{html.escape(metrics['fmnist_estimators_version'])}, Keras "
        f"{html.escape(metrics['environment']['keras'])} "
        f"({html.escape(metrics['environment']['keras_backend'])})</p>",
        f"<p class='note'>Data: {html.escape(metrics['data_source']['description'])}.</p>",
        f"<div class='headline'>{cards}</div>",
        f"<p>Best on the test set: <strong>{html.escape(best)}</strong>. The test set was "
        "used once, after training and grid search; every choice was made on the "
        "validation hold-out.</p>",
        "<h2>Comparison</h2>", _table(comparison),
        "<h2>Learning curves</h2>", _image_tag(folder / "learning_curves.png", "Learning curves"),
        "<h2>Confusion matrices</h2><div class='flex'>",
    ]
    for key in reports:
        image = _image_tag(folder / f"confusion_matrix_{key}.png", f"Confusion matrix {labels[key]}")
        parts.append(f"<div>{image}</div>")
    parts.append("</div><h2>Per-class results</h2><div class='flex'>")
    for key, frame in reports.items():
        shown = frame.copy()
        shown["support"] = shown["support"].astype(int)
        parts.append(f"<div><h3>{html.escape(labels[key])}</h3>{_table(shown)}</div>")
    parts.append("</div><h2>Most confidently misclassified test images</h2>")
    for key in reports:
        parts.append(_image_tag(folder / f"misclassified_{key}.png", f"Misclassified {labels[key]}"))
    if grid_table is not None:
        parts += [
            "<h2>Learning rate &times; batch size (CNN)</h2>",
            f"<p class='note'>GridSearchCV over the same validation hold-out, "
            f"{config['grid_epochs']} epoch(s) per point; ranked by validation accuracy, "
            "not by the test set.</p>",
            _table(grid_table, index=False),
            _image_tag(folder / "grid_heatmap.png", "Grid heatmap"),
        ]
    if cv_table is not None:
        parts += [
            "<h2>Cross-validation on the training set</h2>",
            f"<p class='note'>{config['cv_folds']}-fold stratified cross-validation with "
            "the same settings (mean ± std over folds).</p>",
            _table(cv_table[[c for c in cv_table.columns if not c.endswith((" mean", " std"))]]),
        ]
    if optuna_table is not None:
        tuned = metrics["models"].get("Tuned CNN")
        verdict = ""
        if tuned and "CNN" in metrics["models"]:
            gap = tuned["test_accuracy"] - metrics["models"]["CNN"]["test_accuracy"]
            verdict = (
                f" On the test set the tuned CNN scores {tuned['test_accuracy']:.4f}, "
                f"{gap:+.4f} against the seed CNN: the notebook's claim that the "
                f"Optuna-tuned CNN wins is {'confirmed' if gap > 0 else 'not confirmed'} "
                "by this run."
            )
        parts += [
            "<h2>Optuna search (CNN)</h2>",
            f"<p class='note'>{config['tune_trials']} trials of up to "
            f"{config['tune_epochs']} epoch(s), median pruning after each epoch on the "
            f"validation hold-out; the best parameters were then trained for "
            f"{config['epochs']} epochs like the other models.{verdict}</p>",
            _table(optuna_table, index=False),
        ]
    steps = pd.DataFrame({"wall time (s)": metrics["step_times_s"]})
    steps.index.name = "step"
    parts += [
        "<h2>Run</h2>", _table(steps),
        "<p class='note'>Files: metrics.json, comparison.csv, grid_results.csv, "
        "optuna_trials.csv, "
        "classification_report_*.csv, the figures as PNG, and each model as "
        "&lt;model&gt;.joblib (the estimator) and &lt;model&gt;.keras (the network).</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
