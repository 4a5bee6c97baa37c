"""What the study's results say: settings side by side, per-class tables, sentences.

Everything here turns fitted models and test predictions into plain data for
``metrics.json``; the report only renders it.
"""

import time

import numpy as np
import pandas as pd

from ..metrics import format_p_value, most_confused_pairs
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
        "network": estimator._describe_network(),
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


def validation_figures(estimator):
    """Validation accuracy of the best epoch and of the network ``fit`` returned.

    The best epoch's figure is from ``history_``, measured during training.
    The returned network can differ from every epoch's (early stopping
    restores the best weights, batch-norm statistics are recalibrated after
    training): its figures are the estimator's ``validation_score_`` and
    ``validation_loss_``. All are None without a validation hold-out.
    """
    accuracy = np.asarray(estimator.history_.get("val_accuracy") or [], dtype=float)
    has_history = bool(np.any(np.isfinite(accuracy)))
    best = int(np.nanargmax(accuracy)) if has_history else None
    score = getattr(estimator, "validation_score_", None)
    loss = getattr(estimator, "validation_loss_", None)
    return {
        "val_accuracy_best_epoch": None if best is None else float(accuracy[best]),
        "best_epoch": None if best is None else best + 1,
        "val_accuracy_returned": None if score is None else float(score),
        "val_loss_returned": None if loss is None else float(loss),
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


def _and(items):
    items = [str(item) for item in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _epochs_run(tuned, tuned_runs):
    """"ran 4 of up to 12 epochs and kept the weights of epoch 4", for every seed."""
    runs = tuned_runs or [tuned]
    if len(runs) == 1:
        return (f"ran {runs[0]['epochs_trained']} of up to {tuned['epochs']} epochs and kept "
                f"the weights of epoch {runs[0]['returned_epoch']}")
    return (f"ran {_and(r['epochs_trained'] for r in runs)} of up to {tuned['epochs']} epochs "
            f"with its {len(runs)} seeds and kept the weights of epochs "
            f"{_and(r['returned_epoch'] for r in runs)}")


def _differences(tuned, seed, tuned_runs=None):
    """How the tuned CNN differs from the seed CNN besides its tuned settings.

    Each clause completes "The tuned CNN is also ...". ``tuned_runs`` holds
    each seed's ``epochs_trained`` and ``returned_epoch``.
    """
    words = []
    ratio = tuned["weights"] / seed["weights"]
    if abs(ratio - 1) > 0.05:
        size = "larger" if ratio > 1 else "smaller"
        words.append(f"{size} ({ratio:.1f}x the weights: {tuned['weights']:,} against "
                     f"{seed['weights']:,}; {tuned['network']} against {seed['network']})")
    if tuned["early_stopping"] and not seed["early_stopping"]:
        words.append(f"trained with early stopping on the validation loss (it "
                     f"{_epochs_run(tuned, tuned_runs)}; the seed CNN ran "
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


def claim_sentence(comparison, tuned_label, seed_label, tuned, seed, tuned_runs=None):
    """The notebook's closing claim (the tuned CNN wins), judged by the paired tests.

    ``comparison`` is a :func:`~fmnist_estimators.metrics.combine_comparisons`
    result: with several seeds the claim is supported only when the tuned
    CNN is significantly more accurate at every seed. ``tuned`` and ``seed``
    are the two models' :func:`training_settings` and ``tuned_runs`` each
    seed's epochs; the sentence says when the tuned CNN differs by more than
    its tuned settings.
    """
    row = comparison.pair(tuned_label, seed_label)
    per_seed = row["per_seed"]
    every = "" if len(per_seed) == 1 else " at every seed"
    if row["winner"] == tuned_label:
        status, why = "supported", f"the {tuned_label} is significantly more accurate{every}"
    elif row["winner"] == seed_label:
        status, why = "contradicted", f"the {seed_label} is significantly more accurate{every}"
    else:
        status, why = "not supported", f"the difference is not significant{every}"
    holm = len(comparison.pairs) > 1
    if len(per_seed) == 1:
        one = per_seed[0]
        p_text = f"McNemar {p_equals(one['p_value'])}"
        if holm:
            p_text += f", Holm-adjusted {p_equals(one['p_value_holm'])}"
        figures = (f"{one['difference']:+.4f} [{one['difference_low']:+.4f}, "
                   f"{one['difference_high']:+.4f}], {p_text}")
        by = "this run"
    else:
        p_values = ", ".join(format_p_value(r["p_value_holm" if holm else "p_value"])
                             for r in per_seed)
        figures = (", ".join(f"{r['difference']:+.4f}" for r in per_seed)
                   + " at random_state "
                   + ", ".join(str(seed) for seed in comparison.random_states)
                   + f"; {'Holm-adjusted' if holm else 'McNemar'} p = {p_values}")
        by = f"this run's {len(per_seed)} seeds"
    sentence = (
        f"The notebook's closing claim, that the Optuna-tuned CNN beats the seed CNN, is "
        f"{status} by {by} at the {comparison.alpha:.0%} level: {why} "
        f"({tuned_label} - {seed_label} = {figures})."
    )
    differences = _differences(tuned, seed, tuned_runs)
    settings = _tuned_settings(tuned, seed)
    if settings:
        sentence += " Its tuned settings: " + ", ".join(settings) + "."
    if differences:
        listed = (", ".join(differences[:-1]) + " and " + differences[-1]
                  if len(differences) > 1 else differences[0])
        sentence += (f" It is not a like-for-like comparison: the tuned CNN is also "
                     f"{listed}, so a difference cannot be credited to tuning the seed "
                     "CNN's settings alone.")
    seeds = [{"random_state": _plain(seed), "accuracy_difference": r["difference"],
              "accuracy_difference_ci": [r["difference_low"], r["difference_high"]],
              "mcnemar_p_value": r["p_value"], "holm_p_value": r["p_value_holm"],
              "significant": bool(r["significant"]), "winner": r["winner"]}
             for seed, r in zip(comparison.random_states, per_seed)]
    one = seeds[0] if len(seeds) == 1 else {}
    # With several seeds the per-seed figures are in per_seed; the mean
    # difference has no single p-value or interval.
    return {"sentence": sentence, "status": status, "differences": differences,
            "tuned_settings": settings,
            "mcnemar_p_value": one.get("mcnemar_p_value"),
            "holm_p_value": one.get("holm_p_value"),
            "accuracy_difference": float(row["difference_mean"]),
            "accuracy_difference_ci": one.get("accuracy_difference_ci"),
            "per_seed": seeds}


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


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


def tuning_summary(config, study, tuned_settings, tuned_runs=None):
    """How the tuned CNN was searched and trained, in one sentence.

    ``tuned_runs`` holds each seed's ``epochs_trained`` and ``returned_epoch``.
    """
    best = study.best_trial
    n_pruned = sum(t.state.name == "PRUNED" for t in study.trials)
    sentence = (
        f"Optuna ran {len(study.trials)} trials ({n_pruned} pruned by the median rule), "
        f"each of up to {config.tune_epochs} epoch(s), scored by the best epoch's accuracy "
        f"on the validation hold-out; trial {best.number + 1} was best "
        f"({best.value:.4f}). Its settings were then trained on the same training images "
        f"for up to {config.epochs} epochs, stopped on the validation loss (patience "
        f"{tuned_settings['patience']}, best weights restored) because they "
        f"were chosen at {config.tune_epochs} epoch(s): it "
        f"{_epochs_run(tuned_settings, tuned_runs)}. "
        + ("" if config.seeds == 1 else
           f"The search ran once, at random_state {config.random_state}; each seed "
           "retrained its best settings. ")
        + "The test set was not used."
    )
    return {"protocol": "early stopping on the validation loss",
            "best_trial": best.number + 1, "best_validation_accuracy": float(best.value),
            "n_trials": len(study.trials), "n_pruned": int(n_pruned),
            "sentence": sentence}
