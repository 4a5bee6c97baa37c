"""Figures and the self-contained HTML report of the study, from its results."""

import base64
import html
from string import Template

import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay

from .._plotting import (
    MisclassifiedImagesDisplay,
    SearchHeatmapDisplay,
    TrainingHistoryDisplay,
)
from ..metrics import format_p_value


# ----------------------------------------------------------------- figures
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


# ------------------------------------------------------------ HTML helpers
def _image_tag(path, alt):
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(frame, *, index=True, classes="table", escape=True):
    """A table with one header row: the index, if shown, becomes a column.

    ``escape=False`` for cells that already are HTML (``&plusmn;``).
    """
    if index:
        frame = frame.reset_index()
    frame = frame.rename(columns=lambda c: c.replace("_", " ") if isinstance(c, str) else c)
    return frame.to_html(classes=classes, border=0, index=False, escape=escape,
                         float_format=lambda v: f"{v:.4f}")


def _readable(frame):
    """Search tables for people: 3 significant digits, seconds, tuples unwrapped."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column == "learning_rate":
            frame[column] = values.map(lambda v: f"{v:.3g}")
        elif column == "dropout":
            frame[column] = values.map(lambda v: f"{v:.2f}")
        elif column == "fit_time_s":
            frame[column] = values.map(_seconds)
        elif values.map(lambda v: isinstance(v, str) and v.startswith("(")).all():
            frame[column] = values.str.strip("(),").str.replace(", ", "-")
    return frame.rename(columns={"fit_time_s": "fit time"})


def _interval(value, bounds, digits=4):
    return f"{value:.{digits}f} [{bounds[0]:.{digits}f}, {bounds[1]:.{digits}f}]"


def _seconds(value):
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 0.1:
        return f"{value:.2f} s"
    return f"{value:.2g} s"


def _rate(value):
    return f"{value:.3g}"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1180px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
.table th, .table td { padding: 0.35em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
.table th { background: #f4f6f8; }
.table th:first-child, .table td:first-child { text-align: left; white-space: nowrap; }
.table.text th, .table.text td { text-align: left; }
.table.nowrap td { white-space: nowrap; }
.headline { display: flex; gap: 1.2em; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 0.8em 1.2em; min-width: 15em; flex: 1; }
.card .value { font-size: 1.8em; font-weight: 600; }
.card .ci { font-size: 0.95em; color: #444; }
.verdicts { background: #f7f9fc; border-left: 4px solid #1f4e79; padding: 0.6em 1.2em 0.6em 2em; }
.verdicts li { margin: 0.3em 0; }
.claim { border-left: 4px solid #b07d1f; padding: 0.2em 1em; }
img { max-width: 100%; display: block; margin: 0.8em 0; }
.note { color: #555; font-size: 0.9em; }
"""

_PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>$title</title><style>$css</style></head>
<body>
<h1>$title</h1>
<p class="note">$setup</p>
<p class="note">Data: $data_source.</p>
<div class="headline">$cards</div>

<h2 id="verdicts">Verdicts</h2>
<p class="note">$method</p>
<ul class="verdicts">$verdicts</ul>
$claim

<h2 id="metrics">Test metrics with 95% confidence intervals</h2>
$metrics_table
<p class="note">$interval_note$seeds_note</p>
$interval_plot

<h2 id="pairs">Paired tests on the same test images</h2>
$pairs_table
<p class="note">$pairs_note</p>

<h2 id="differences">What differs between the models, and what each cost</h2>
$differs_table
<p class="note">$cost_note</p>
$tuning_note
$grid_note

<h2 id="per-class">Per-class results</h2>
<p class="note">Recall and F1 of every class on the test set$difference_note$first_seed_note.</p>
$per_class_table
<h3>Most-confused class pairs</h3>
<p class="note">Test images of one class predicted as the other, both directions added
(A&rarr;B / B&rarr;A in brackets); the pairs most confused by any model.</p>
$confused_table

<h2 id="confusion">Confusion matrices</h2>
$figures_seed_note
$confusion_plot

<h2 id="calibration">Calibration</h2>
<p class="note">$calibration_note</p>
$reliability_plot

<h2 id="curves">Learning curves</h2>
<p class="note">Training and validation curves$curves_seed; the validation hold-out is
$n_validation images of the training set.</p>
$curves_plot
<p class="note">$validation_note</p>
$validation_table

<h2 id="misclassified">Most confidently misclassified test images</h2>
$figures_seed_note
$misclassified
$grid_section
$cv_section
$optuna_section

<h2 id="run">Run</h2>
$steps_table
<p class="note">$files_note</p>
</body>
</html>
""")

_SECTION = Template("""
<h2 id="$anchor">$title</h2>
<p class="note">$note</p>
$body
""")


# ---------------------------------------------------------------- sections
def _n_seeds(metrics):
    return metrics["seeds"]["n_seeds"]


def _mean_std(m, metric, digits=4):
    return f"{m[metric]:.{digits}f} &plusmn; {m[f'{metric}_std']:.{digits}f}"


def _cards(metrics):
    cards = []
    for label, m in metrics["models"].items():
        if _n_seeds(metrics) == 1:
            title = f"{html.escape(label)} test accuracy"
            value = f"{m['test_accuracy']:.4f}"
            spread = (f"95% CI [{m['test_accuracy_ci'][0]:.4f}, "
                      f"{m['test_accuracy_ci'][1]:.4f}]")
            figures = f"macro-F1 {m['test_macro_f1']:.4f} &middot; log loss {m['test_loss']:.4f}"
            trained = f"trained in {_seconds(m['fit_time_s'])}"
        else:
            title = f"{html.escape(label)} test accuracy, mean &plusmn; std of {_n_seeds(metrics)} seeds"
            value = _mean_std(m, "test_accuracy")
            spread = "per seed " + ", ".join(f"{e['test_accuracy']:.4f}" for e in m["seeds"])
            figures = (f"macro-F1 {_mean_std(m, 'test_macro_f1')} &middot; log loss "
                       f"{_mean_std(m, 'test_loss')}")
            trained = f"trained in {_seconds(m['fit_time_s'])} per seed"
        cards.append(
            f'<div class="card" id="result-{html.escape(label)}">'
            f"<div>{title}</div>"
            f'<div class="value">{value}</div>'
            f'<div class="ci">{spread}</div>'
            f'<div class="note">{figures} &middot; {m["settings"]["weights"]:,} weights '
            f"&middot; {trained}</div></div>"
        )
    return "".join(cards)


def _metrics_table(metrics):
    """One row per model; with seeds, one per model and seed, then the mean."""
    several = _n_seeds(metrics) > 1
    ece = f"ECE ({metrics['statistics']['ece_bins']} bins)"
    rows = []
    for label, m in metrics["models"].items():
        for entry in m["seeds"]:
            rows.append({
                "model": html.escape(label),
                **({"random_state": entry["random_state"]} if several else {}),
                "test accuracy [95% CI]": _interval(entry["test_accuracy"],
                                                    entry["test_accuracy_ci"]),
                "macro-F1 [95% CI]": _interval(entry["test_macro_f1"], entry["test_macro_f1_ci"]),
                "log loss [95% CI]": _interval(entry["test_loss"], entry["test_loss_ci"]),
                "Brier score": f"{entry['test_brier']:.4f}",
                ece: f"{entry['test_ece']:.4f}",
            })
        if several:
            rows.append({
                "model": html.escape(label), "random_state": "mean &plusmn; std",
                "test accuracy [95% CI]": _mean_std(m, "test_accuracy"),
                "macro-F1 [95% CI]": _mean_std(m, "test_macro_f1"),
                "log loss [95% CI]": _mean_std(m, "test_loss"),
                "Brier score": _mean_std(m, "test_brier"),
                ece: _mean_std(m, "test_ece"),
            })
    return _table(pd.DataFrame(rows), index=False, escape=False)


def _rule_cell(pair, a, b):
    """The verdict over the seeds: significant only at every seed, one direction."""
    n, a_wins, b_wins = pair["n_seeds"], pair["seeds_a_significant"], pair["seeds_b_significant"]
    if pair["significant"]:
        return f"<b>yes</b>: {html.escape(pair['winner'])} ahead at each of the {n} seeds"
    if a_wins and b_wins:
        return (f"<b>no</b>: {html.escape(a)} ahead at {a_wins}, {html.escape(b)} at "
                f"{b_wins} of {n} seeds")
    if a_wins or b_wins:
        ahead = html.escape(a if a_wins else b)
        return f"<b>no</b>: only {a_wins or b_wins} of {n} seeds ({ahead} ahead)"
    return f"<b>no</b>: none of {n} seeds"


def _pairs_table(metrics):
    """Each pair's tests at each seed; with seeds, the verdict over them below."""
    several = _n_seeds(metrics) > 1
    level = f"significant at {metrics['statistics']['alpha']:.0%}"
    rows = []
    for pair in metrics["comparison"]["pairs"]:
        a, b = pair["model_a"], pair["model_b"]
        for seed in pair["per_seed"]:
            low, high = seed["accuracy_difference_ci"]
            rows.append({
                "A vs B": html.escape(f"{a} vs {b}"),
                **({"random_state": seed["random_state"]} if several else {}),
                "accuracy A - B [95% CI]": (
                    f"{seed['accuracy_difference']:+.4f} [{low:+.4f}, {high:+.4f}]"),
                "only A right": seed["only_a_correct"],
                "only B right": seed["only_b_correct"],
                "McNemar p": format_p_value(seed["mcnemar_p_value"]),
                "Holm-adjusted p": format_p_value(seed["holm_p_value"]),
                level: "yes" if seed["significant"] else "no",
            })
        if several:
            rows.append({
                "A vs B": html.escape(f"{a} vs {b}"), "random_state": "all seeds",
                "accuracy A - B [95% CI]": f"{pair['accuracy_difference_mean']:+.4f} (mean)",
                "only A right": "", "only B right": "", "McNemar p": "",
                "Holm-adjusted p": "", level: _rule_cell(pair, a, b),
            })
    if not rows:
        return "<p>Only one model was trained: there is no pair to test.</p>"
    return _table(pd.DataFrame(rows), index=False, escape=False, classes="table nowrap")


def _differs_table(metrics):
    """Models as columns, settings and costs as rows: differences read across."""
    columns = {}
    several = _n_seeds(metrics) > 1
    for label, m in metrics["models"].items():
        s = m["settings"]
        runs = m["seeds"]
        trained = ", ".join(str(r["epochs_trained"]) for r in runs)
        epochs = trained
        if s["early_stopping"]:
            returned = ", ".join(str(r["returned_epoch"]) for r in runs)
            epochs = (f"{trained} of up to {s['epochs']}, early stopping "
                      f"(patience {s['patience']}), weights of epoch{'s' * several} {returned}")
        elif several and len({r["epochs_trained"] for r in runs}) == 1:
            epochs = str(runs[0]["epochs_trained"])
        per_seed = " per seed, mean" if several else ""
        columns[label] = {
            "network": s["network"], "weights": f"{s['weights']:,}", "epochs": epochs,
            "batch size": str(s["batch_size"]), "learning rate": _rate(s["learning_rate"]),
            "regularisation": s["regularisation"], "numeric type": s["numeric_type"],
            f"training time{per_seed}": _seconds(m["fit_time_s"]),
            f"prediction time, whole test set{per_seed}": _seconds(m["predict_time_s"]),
            "latency per image (batch size 1)": _seconds(m["latency_s"]),
        }
    frame = pd.DataFrame(columns)
    frame.index.name = "setting or cost"
    return _table(frame, classes="table text")


def _per_class_table(metrics):
    frame = pd.DataFrame(metrics["per_class_comparison"])
    formatted = frame.copy()
    for column in frame.columns[1:]:
        signed = "-" in column and " - " in column
        formatted[column] = frame[column].map(
            (lambda v: f"{v:+.3f}") if signed else (lambda v: f"{v:.3f}")
        )
    return _table(formatted, index=False)


def _confused_table(metrics):
    frame = pd.DataFrame(metrics["most_confused_pairs"])
    return _table(frame, index=False)


def _validation_table(metrics):
    """The best epoch's validation accuracy (history) beside the returned model's."""
    several = _n_seeds(metrics) > 1

    def number(value):
        return "n/a" if value is None else f"{value:.4f}"

    rows = []
    for label, m in metrics["models"].items():
        for entry in m["seeds"]:
            rows.append({
                "model": label,
                **({"random_state": entry["random_state"]} if several else {}),
                "validation accuracy, best epoch (during training)":
                    number(entry["val_accuracy_best_epoch"]),
                "best epoch": "n/a" if entry["best_epoch"] is None else entry["best_epoch"],
                "validation accuracy, returned model": number(entry["val_accuracy_returned"]),
                "validation loss, returned model": number(entry["val_loss_returned"]),
                "epoch returned": entry["returned_epoch"],
            })
    return _table(pd.DataFrame(rows), index=False)


def _grid_section(metrics, folder):
    grid = metrics["grid"]
    if grid is None:
        return ""
    config = metrics["config"]
    return _SECTION.substitute(
        anchor="grid", title="Learning rate &times; batch size (CNN)",
        note=(f"GridSearchCV over the same validation hold-out, {config['grid_epochs']} "
              "epoch(s) per point; ranked by validation accuracy, not by the test set."),
        body=_table(_readable(pd.DataFrame(grid)), index=False)
        + _image_tag(folder / "grid_heatmap.png", "Grid heatmap"),
    )


def _cv_section(metrics):
    cv = metrics["cross_validation"]
    if cv is None:
        return ""
    frame = pd.DataFrame.from_dict(cv, orient="index")
    frame.index.name = "model"
    shown = frame[[c for c in frame.columns if not c.endswith((" mean", " std"))]]
    return _SECTION.substitute(
        anchor="cross-validation", title="Cross-validation on the training set",
        note=(f"{metrics['config']['cv_folds']}-fold stratified cross-validation with the "
              "same settings (mean &plusmn; std over folds)."),
        body=_table(shown),
    )


def _optuna_section(metrics):
    trials = metrics["optuna_trials"]
    if trials is None:
        return ""
    return _SECTION.substitute(
        anchor="optuna", title="Optuna search (CNN)",
        note=html.escape(metrics["tuning"]["sentence"])
        + " Trials are numbered from 1, as in the progress log.",
        body=_table(_readable(pd.DataFrame(trials)), index=False),
    )


def _misclassified(metrics, folder):
    return "\n".join(
        _image_tag(folder / f"misclassified_{key}.png", f"Misclassified {label}")
        for key, label in metrics["model_keys"].items()
    )


def render_report(metrics, folder):
    """The report as one HTML string, with every figure embedded.

    Parameters
    ----------
    metrics : dict
        The content of ``metrics.json``: every number and sentence shown.
    folder : path
        Where the figures were written.
    """
    config, data, stats = metrics["config"], metrics["data"], metrics["statistics"]
    environment = metrics["environment"]
    verdicts = metrics["comparison"]["verdicts"] or ["Only one model: nothing to compare."]
    claim = metrics.get("claim")
    steps = pd.DataFrame({
        "step": list(metrics["step_times_s"]),
        "wall time": [_seconds(v) for v in metrics["step_times_s"].values()],
    })
    seeds = metrics["seeds"]
    n_seeds = seeds["n_seeds"]
    random_states = ", ".join(str(seed) for seed in seeds["random_states"])
    if n_seeds == 1:
        runs = f"one training run per model, random_state={config['random_state']}"
    else:
        runs = (f"{n_seeds} training runs per model (random_state {random_states}) on the "
                "same training and test images, each with the validation hold-out its "
                "random_state draws; the grid and the Optuna search ran once, at "
                f"random_state {config['random_state']}")
    setup = (
        f"{data['n_train']:,} training, {data['n_validation']:,} validation and "
        f"{data['n_test']:,} test images &middot; {config['epochs']} epochs, batch "
        f"{config['batch_size']}, Adam at {config['learning_rate']:g} for the ANN and CNN "
        f"(the tuned CNN uses its tuned settings) &middot; {runs} &middot; fmnist_estimators "
        f"{html.escape(metrics['fmnist_estimators_version'])}, Keras "
        f"{html.escape(environment['keras'])} ({html.escape(environment['keras_backend'])})"
    )
    method = (
        f"Each verdict follows from McNemar's exact test on the {data['n_test']:,} test "
        f"images at the {stats['alpha']:.0%} level"
        + (", Holm-adjusted over all pairs" if len(metrics["comparison"]["pairs"]) > 1
           else "")
        + "; a model is called more accurate, or best, only where the test says so. "
        "Differences are in accuracy, with a 95% paired bootstrap interval. The test set "
        "was used once, after training and every search. "
    )
    if n_seeds == 1:
        method += ("The tests treat the trained models as fixed, so they do not cover the "
                   "variation from one training run to the next (train several seeds, "
                   "--seeds, for that).")
    else:
        method += (f"Every model was trained with {n_seeds} seeds. "
                   + html.escape(seeds["rule"])
                   + " The pairs table below gives each seed's test and the rule's verdict.")
    difference_note = (
        "; CNN - ANN is the CNN's minus the ANN's" if metrics["per_class_difference"] else ""
    )
    first_seed = f"the first seed (random_state {config['random_state']})"
    validation_note = (
        "Validation accuracy, best epoch (during training): the highest per-epoch validation "
        "accuracy (the dashed curves above), measured after each epoch while the network "
        "trained. Validation accuracy and loss, "
        "returned model: measured after fit on the network it returned (the best epoch's "
        "weights where early stopping restored them, batch-norm statistics recalibrated "
        "where the network has them), on the same hold-out; this is the model the test "
        "figures describe."
        + ("" if n_seeds == 1 else
           " Each seed's hold-out is drawn from its random_state, so the seeds' validation "
           "figures are on different images.")
    )
    calibration_note = (
        "Top-label reliability: test images grouped by their largest predicted "
        f"probability into {stats['ece_bins']} equal-width bins, each bin's accuracy "
        "against its mean confidence; bars below the diagonal mean over-confidence. "
        "The expected calibration error (ECE) is the bins' weighted mean gap; the "
        "multiclass Brier score (0 best, 2 worst) is in the metrics table above."
        + ("" if n_seeds == 1 else
           f" The diagrams are for {first_seed}; every seed's ECE is in the metrics table.")
    )
    files_note = (
        "Files (readable by all users): metrics.json (every number and sentence of this "
        "report), comparison.csv, seeds.csv (every model and seed), paired_tests.csv "
        "(every pair and seed), per_class.csv, "
        "classification_report_&lt;model&gt;.csv, grid_results.csv, optuna_trials.csv "
        "and cross_validation.csv when those steps ran, the figures as PNG, and each "
        "model as &lt;model&gt;.joblib (the estimator) and &lt;model&gt;.keras (the "
        "network)"
        + ("." if n_seeds == 1 else
           ", for the first seed; the other seeds' as &lt;model&gt;-seed&lt;random_state&gt;"
           ".joblib and .keras.")
    )
    return _PAGE.substitute(
        title="Fashion-MNIST: ANN vs CNN",
        css=_CSS,
        setup=setup,
        data_source=html.escape(metrics.get("data_source", {}).get("description", "n/a")),
        cards=_cards(metrics),
        method=method,
        verdicts="".join(f"<li>{html.escape(v)}</li>" for v in verdicts),
        claim="" if claim is None
        else f'<p class="claim">{html.escape(claim["sentence"])}</p>',
        metrics_table=_metrics_table(metrics),
        interval_note=(
            "Accuracy: exact Clopper&ndash;Pearson interval. Macro-F1 and log loss: "
            f"percentile bootstrap over the test images ({stats['n_resamples']:,} "
            f"resamples, seed {stats['random_state']})."
        ),
        seeds_note="" if n_seeds == 1 else (
            f" Each interval is one seed's, over the test images; mean &plusmn; std is "
            f"over the {n_seeds} seeds (sample standard deviation), the spread from one "
            "training run to the next."),
        interval_plot=_image_tag(folder / "test_intervals.png", "Test metrics with intervals"),
        pairs_table=_pairs_table(metrics),
        pairs_note=(
            "Only A right / only B right: test images that one model classifies correctly "
            "and the other does not (McNemar's discordant counts b and c); the exact test "
            "asks whether they split evenly."
            + ("" if n_seeds == 1 else
               " Each seed's rows compare that seed's two trained models, Holm-adjusted over "
               "that seed's pairs. 'All seeds' is the rule's verdict: significant only when "
               "every seed is, with the same model ahead.")
        ),
        differs_table=_differs_table(metrics),
        cost_note=(
            "Times on this machine for this run "
            f"({environment['cpu_count']} CPUs): training includes validation after each "
            "epoch; prediction time is predict_proba on the whole test set; latency is "
            f"the median of {stats['latency_calls']} predict_proba calls on one image."
        ),
        tuning_note="" if metrics.get("tuning") is None
        else f"<p>{html.escape(metrics['tuning']['sentence'])}</p>",
        grid_note="" if metrics["grid"] is None
        else f"<p>{html.escape(metrics['grid_choice']['sentence'])}</p>",
        difference_note=difference_note,
        first_seed_note="" if n_seeds == 1 else f", for {first_seed}",
        figures_seed_note="" if n_seeds == 1
        else f'<p class="note">For {first_seed}.</p>',
        curves_seed="" if n_seeds == 1 else f" of {first_seed}",
        validation_note=validation_note,
        per_class_table=_per_class_table(metrics),
        confused_table=_confused_table(metrics),
        confusion_plot=_image_tag(folder / "confusion_matrices.png", "Confusion matrices"),
        calibration_note=calibration_note,
        reliability_plot=_image_tag(folder / "reliability_diagrams.png",
                                    "Reliability diagrams"),
        n_validation=f"{data['n_validation']:,}",
        curves_plot=_image_tag(folder / "learning_curves.png", "Learning curves"),
        validation_table=_validation_table(metrics),
        misclassified=_misclassified(metrics, folder),
        grid_section=_grid_section(metrics, folder),
        cv_section=_cv_section(metrics),
        optuna_section=_optuna_section(metrics),
        steps_table=_table(steps, index=False),
        files_note=files_note,
    )
