"""The sections of the study's report, each rendered from metrics.json."""

import html

import pandas as pd

from ..metrics import format_p_value
from ._html import _SECTION, _image_tag, _interval, _rate, _readable, _seconds, _table


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
