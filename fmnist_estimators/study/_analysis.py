"""What the study's results say: settings side by side, per-class tables, sentences.

Everything here turns fitted models and test predictions into plain data for
``metrics.json``; the report only renders it.
"""

import time

import numpy as np
import pandas as pd

from ..metrics import most_confused_pairs
from ..metrics._comparison import p_equals

LATENCY_CALLS = 20


def latency(estimator, X, n_calls=LATENCY_CALLS):
    """Median seconds of ``predict_proba`` on one image, over ``n_calls`` images."""
    estimator.predict_proba(X[:1])  # the first call builds the predict function
    times = []
    for i in range(n_calls):
        image = X[i % len(X):i % len(X) + 1]
        start = time.perf_counter()
        estimator.predict_proba(image)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _network(params):
    if "filters" in params:
        convs = "-".join(str(f) for f in params["filters"])
        dense = "-".join(str(u) for u in params["dense_units"])
        return f"Conv {convs}, Dense {dense}"
    return "Dense " + "-".join(str(u) for u in params["hidden_layer_sizes"])


def _regularisation(params):
    parts = []
    if params.get("dropout"):
        parts.append(f"dropout {params['dropout']:.2g}")
    if params.get("weight_decay"):
        parts.append(f"weight decay {params['weight_decay']:g}")
    if params.get("label_smoothing"):
        parts.append(f"label smoothing {params['label_smoothing']:g}")
    if params.get("batch_normalization"):
        parts.append("batch norm")
    augment = [name for name in ("random_flip", "random_translation", "random_erasing")
               if params.get(name)]
    if augment:
        parts.append("augmentation: " + ", ".join(a.replace("random_", "") for a in augment))
    return "; ".join(parts) or "none"


def training_settings(estimator):
    """The settings that make two models differ, as plain data."""
    params = estimator.get_params()
    history = estimator.history_
    trained = len(history["loss"])
    returned = trained
    if params.get("early_stopping") and history.get("val_loss"):
        # Keras' EarlyStopping restores the weights of the lowest validation loss.
        returned = int(np.argmin(history["val_loss"])) + 1
    return {
        "network": _network(params),
        "weights": int(estimator.model_.count_params()),
        "epochs": int(params["epochs"]),
        "epochs_trained": trained,
        "returned_epoch": returned,
        "early_stopping": bool(params.get("early_stopping")),
        "patience": int(params["n_iter_no_change"]) if params.get("early_stopping") else None,
        "batch_size": int(params["batch_size"]),
        "learning_rate": float(params["learning_rate"]),
        "dropout": float(params.get("dropout") or 0.0),
        "regularisation": _regularisation(params),
        "numeric_type": estimator.dtype_policy_,
    }


def validation_figures(estimator, settings):
    """Validation accuracy of the best epoch and of the model ``fit`` returned."""
    accuracy = estimator.history_.get("val_accuracy") or [np.nan]
    best = int(np.nanargmax(accuracy)) if np.any(np.isfinite(accuracy)) else 0
    returned = settings["returned_epoch"] - 1
    return {
        "val_accuracy_best_epoch": float(accuracy[best]),
        "best_epoch": best + 1,
        "val_accuracy_returned": float(accuracy[min(returned, len(accuracy) - 1)]),
    }


def per_class_comparison(reports, labels, target_names):
    """Recall and F1 of every model per class, side by side, and CNN - ANN."""
    rows = []
    keys = list(reports)
    with_difference = "ann" in reports and "cnn" in reports
    for name in target_names:
        row = {"class": name}
        for metric, key_name in (("recall", "recall"), ("F1", "f1-score")):
            for key in keys:
                row[f"{labels[key]} {metric}"] = reports[key][name][key_name]
            if with_difference:
                row[f"CNN - ANN {metric}"] = (
                    reports["cnn"][name][key_name] - reports["ann"][name][key_name]
                )
        rows.append(row)
    return rows, with_difference


def confused_pairs(y_true, predictions, labels, target_names, n_pairs=6):
    """The class pairs most confused by any model, with every model's counts."""
    tables = {
        key: most_confused_pairs(y_true, y_pred, labels=np.arange(len(target_names)),
                                 target_names=target_names, n_pairs=len(target_names) ** 2)
        for key, y_pred in predictions.items()
    }
    every = pd.concat(
        [t.assign(model=key) for key, t in tables.items()], ignore_index=True
    )
    ranking = (every.groupby(["class_a", "class_b"], sort=False)["total"].max()
               .sort_values(ascending=False, kind="stable"))
    rows = []
    for class_a, class_b in ranking.index[:n_pairs]:
        row = {"pair": f"{class_a} / {class_b}"}
        for key, table in tables.items():
            match = table[(table["class_a"] == class_a) & (table["class_b"] == class_b)]
            if match.empty:
                row[labels[key]] = "0"
            else:
                m = match.iloc[0]
                row[labels[key]] = f"{m['total']} ({m['a_as_b']} / {m['b_as_a']})"
        rows.append(row)
    return rows


def _differences(tuned, seed):
    """How the tuned CNN differs from the seed CNN besides its tuned settings.

    Each clause completes "The tuned CNN is also ...".
    """
    words = []
    ratio = tuned["weights"] / seed["weights"]
    if abs(ratio - 1) > 0.05:
        size = "larger" if ratio > 1 else "smaller"
        words.append(f"{size} ({ratio:.1f}x the weights: {tuned['weights']:,} against "
                     f"{seed['weights']:,}; {tuned['network']} against {seed['network']})")
    if tuned["early_stopping"] and not seed["early_stopping"]:
        words.append(f"trained with early stopping on the validation loss (it ran "
                     f"{tuned['epochs_trained']} of up to {tuned['epochs']} epochs and kept "
                     f"the weights of epoch {tuned['returned_epoch']}; the seed CNN ran "
                     f"{seed['epochs_trained']} fixed epochs)")
    elif tuned["epochs_trained"] != seed["epochs_trained"]:
        words.append(f"trained for {tuned['epochs_trained']} epochs rather than "
                     f"{seed['epochs_trained']}")
    if tuned["numeric_type"] != seed["numeric_type"]:
        words.append(f"computed in {tuned['numeric_type']} rather than "
                     f"{seed['numeric_type']}")
    return words


def _tuned_settings(tuned, seed):
    words = []
    if tuned["learning_rate"] != seed["learning_rate"]:
        words.append(f"learning rate {tuned['learning_rate']:.3g} instead of "
                     f"{seed['learning_rate']:.3g}")
    if tuned["batch_size"] != seed["batch_size"]:
        words.append(f"batch size {tuned['batch_size']} instead of {seed['batch_size']}")
    if tuned["regularisation"] != seed["regularisation"]:
        words.append(f"{tuned['regularisation']} instead of {seed['regularisation']}")
    return words


def claim_sentence(comparison, tuned_label, seed_label, tuned, seed):
    """The notebook's closing claim (the tuned CNN wins), judged by the paired test.

    ``tuned`` and ``seed`` are the two models' :func:`training_settings`; the
    sentence says when the tuned CNN differs by more than its tuned settings.
    """
    row = comparison.pair(tuned_label, seed_label)
    if row["winner"] == tuned_label:
        status, why = "supported", f"the {tuned_label} is significantly more accurate"
    elif row["winner"] == seed_label:
        status, why = "contradicted", f"the {seed_label} is significantly more accurate"
    else:
        status, why = "not supported", "the difference is not significant"
    p_text = f"McNemar {p_equals(row['p_value'])}"
    if len(comparison.pairs) > 1:
        p_text += f", Holm-adjusted {p_equals(row['p_value_holm'])}"
    sentence = (
        f"The notebook's closing claim, that the Optuna-tuned CNN beats the seed CNN, is "
        f"{status} by this run at the {comparison.alpha:.0%} level: {why} "
        f"({tuned_label} - {seed_label} = {row['difference']:+.4f} "
        f"[{row['difference_low']:+.4f}, {row['difference_high']:+.4f}], {p_text})."
    )
    differences = _differences(tuned, seed)
    settings = _tuned_settings(tuned, seed)
    if settings:
        sentence += " Its tuned settings: " + ", ".join(settings) + "."
    if differences:
        listed = (", ".join(differences[:-1]) + " and " + differences[-1]
                  if len(differences) > 1 else differences[0])
        sentence += (f" It is not a like-for-like comparison: the tuned CNN is also "
                     f"{listed}, so a difference cannot be credited to tuning the seed "
                     "CNN's settings alone.")
    return {"sentence": sentence, "status": status, "differences": differences,
            "tuned_settings": settings,
            "mcnemar_p_value": row["p_value"], "holm_p_value": row["p_value_holm"],
            "accuracy_difference": row["difference"],
            "accuracy_difference_ci": [row["difference_low"], row["difference_high"]]}


def grid_choice(grid_table, config):
    """Whether the grid's best setting is the one the CNN row was trained with."""
    best = grid_table.iloc[0]
    chosen = {name: best[name].item() if hasattr(best[name], "item") else best[name]
              for name in config.grid}
    used = {name: getattr(config, name) for name in config.grid}
    described = ", ".join(f"{name.replace('_', ' ')} {value:g}" for name, value in chosen.items())
    row_used = ", ".join(f"{name.replace('_', ' ')} {value:g}" for name, value in used.items())
    same = all(np.isclose(chosen[name], used[name]) for name in chosen)
    budget = (f"at {config.grid_epochs} epoch(s) per point, not the {config.epochs} the "
              "models were trained for")
    if same:
        sentence = (f"The grid's best setting ({described}; validation accuracy "
                    f"{best['validation_accuracy']:.4f}, {budget}) is the one the CNN row "
                    "was trained with.")
    else:
        sentence = (f"The grid's best setting ({described}; validation accuracy "
                    f"{best['validation_accuracy']:.4f}, {budget}) differs from the one the "
                    f"CNN row was trained with ({row_used}, the notebook's settings); the "
                    "CNN row was not retrained with the grid's choice.")
    return {"best": chosen, "cnn_row": used, "same": bool(same), "sentence": sentence}


def tuning_summary(config, study, tuned_settings):
    """How the tuned CNN was searched and trained, in one sentence."""
    best = study.best_trial
    n_pruned = sum(t.state.name == "PRUNED" for t in study.trials)
    sentence = (
        f"Optuna ran {len(study.trials)} trials ({n_pruned} pruned by the median rule), "
        f"each of up to {config.tune_epochs} epoch(s), scored by the best epoch's accuracy "
        f"on the validation hold-out; trial {best.number + 1} was best "
        f"({best.value:.4f}). Its settings were then trained on the same training images "
        f"for up to {config.epochs} epochs, stopped on the validation loss (patience "
        f"{tuned_settings['patience']}, best weights restored) because they "
        f"were chosen at {config.tune_epochs} epoch(s): it ran "
        f"{tuned_settings['epochs_trained']} epochs and kept the weights of epoch "
        f"{tuned_settings['returned_epoch']}. The test set was not used."
    )
    return {"protocol": "early stopping on the validation loss",
            "best_trial": best.number + 1, "best_validation_accuracy": float(best.value),
            "n_trials": len(study.trials), "n_pruned": int(n_pruned),
            "sentence": sentence}
