"""The study's test-set evaluation: figures with intervals, paired tests, calibration."""

import time

import numpy as np
from sklearn.metrics import classification_report

from ..metrics import combine_comparisons, compare_models, reliability_table
from ._analysis import latency, training_settings, validation_figures
from ._config import ALPHA, CONFIDENCE_LEVEL, ECE_BINS, N_RESAMPLES, _random_states


def _evaluate(estimator, X_test, y_test, target_names):
    start = time.perf_counter()
    proba = estimator.predict_proba(X_test)
    predict_time = time.perf_counter() - start
    y_pred = estimator.classes_[np.argmax(proba, axis=1)]
    report = classification_report(
        y_test, y_pred, labels=np.arange(len(target_names)), target_names=target_names,
        output_dict=True, zero_division=0,
    )
    return proba, y_pred, predict_time, report


_SEED_METRICS = ("test_accuracy", "test_macro_f1", "test_loss", "test_brier", "test_ece")


def _seed_figures(comparison, label):
    """One seed's test figures of one model, with their intervals."""
    row = comparison.scores.loc[label]
    return {
        "test_accuracy": float(row["accuracy"]),
        "test_accuracy_ci": [float(row["accuracy_low"]), float(row["accuracy_high"])],
        "test_macro_f1": float(row["macro_f1"]),
        "test_macro_f1_ci": [float(row["macro_f1_low"]), float(row["macro_f1_high"])],
        "test_loss": float(row["log_loss"]),
        "test_loss_ci": [float(row["log_loss_low"]), float(row["log_loss_high"])],
        "test_brier": float(row["brier"]),
        "test_ece": float(row["ece"]),
    }


def _evaluate_model(estimators, entry, X_test, y_test, target_names):
    """Predict with every seed's model of one entry; record their fit and timing figures.

    Returns the test probabilities and predictions of each seed.
    """
    probas, predictions, times, report = [], [], [], None
    for estimator in estimators:
        proba, y_pred, predict_time, seed_report = _evaluate(
            estimator, X_test, y_test, target_names)
        probas.append(proba)
        predictions.append(y_pred)
        times.append(predict_time)
        report = seed_report if report is None else report  # the first seed's
    first = estimators[0]
    settings = training_settings(first)
    entry.update(
        predict_time_s=round(float(np.mean(times)), 3),
        latency_s=latency(first, X_test),
        n_params=settings["weights"],
        dtype_policy=settings["numeric_type"],
        settings=settings,
        **validation_figures(first),
        per_class={
            name: {k: float(v) for k, v in report[name].items()} for name in target_names
        },
    )
    for seed_entry, estimator, predict_time in zip(entry["seeds"], estimators, times):
        run_settings = training_settings(estimator)
        seed_entry.update(
            predict_time_s=round(predict_time, 3),
            epochs_trained=run_settings["epochs_trained"],
            returned_epoch=run_settings["returned_epoch"],
            **validation_figures(estimator),
        )
    return probas, predictions, report


def _record_test_figures(entry, comparisons, proba, y_test, classes):
    """Each seed's test figures, their mean and spread, the first seed's reliability."""
    label = entry["label"]
    for seed_entry, seed_comparison in zip(entry["seeds"], comparisons):
        seed_entry.update(_seed_figures(seed_comparison, label))
    for metric in _SEED_METRICS:
        values = [seed_entry[metric] for seed_entry in entry["seeds"]]
        entry[metric] = float(np.mean(values))
        entry[f"{metric}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else None
        if f"{metric}_ci" in entry["seeds"][0]:
            # An interval over the test images belongs to one trained model.
            entry[f"{metric}_ci"] = (entry["seeds"][0][f"{metric}_ci"] if len(values) == 1
                                     else None)
    reliability = reliability_table(y_test, proba, n_bins=ECE_BINS, labels=classes)
    # Empty bins have no accuracy: null in JSON, not NaN.
    entry["reliability"] = (reliability.astype(object).where(reliability.notna(), None)
                            .to_dict(orient="list"))


def _log_test_figures(entry, config, log):
    label = entry["label"]
    for seed_entry in entry["seeds"]:
        prefix = "" if config.seeds == 1 else f"random_state {seed_entry['random_state']}: "
        low, high = seed_entry["test_accuracy_ci"]
        log(f"      {label}: {prefix}test accuracy {seed_entry['test_accuracy']:.4f} "
            f"[{low:.4f}, {high:.4f}], "
            f"macro-F1 {seed_entry['test_macro_f1']:.4f}, "
            f"log loss {seed_entry['test_loss']:.4f}")
    if config.seeds > 1:
        log(f"      {label}: test accuracy {entry['test_accuracy']:.4f} ± "
            f"{entry['test_accuracy_std']:.4f} over {config.seeds} seeds")


def _evaluate_all(runs, results, X_test, y_test, target_names, config, log):
    """Test-set figures of every model and seed with intervals, and the paired tests.

    ``runs`` maps each model key to its fitted estimators, one per seed. The
    paired tests are computed for each seed's models and combined by
    :func:`~fmnist_estimators.metrics.combine_comparisons`; the figures and
    per-class tables describe the first seed.
    """
    probas, predictions, reports = {}, {}, {}
    for key, estimators in runs.items():
        probas[key], predictions[key], reports[key] = _evaluate_model(
            estimators, results[key], X_test, y_test, target_names)
    labels = {key: results[key]["label"] for key in runs}
    classes = np.arange(len(target_names))
    comparisons = [
        compare_models(
            y_test, {labels[k]: predictions[k][seed] for k in runs},
            y_proba={labels[k]: probas[k][seed] for k in runs}, labels=classes,
            alpha=ALPHA, confidence_level=CONFIDENCE_LEVEL, n_resamples=N_RESAMPLES,
            random_state=config.random_state, n_bins=ECE_BINS,
        )
        for seed in range(config.seeds)
    ]
    comparison = combine_comparisons(comparisons, random_states=_random_states(config))
    for key in runs:
        _record_test_figures(results[key], comparisons, probas[key][0], y_test, classes)
        _log_test_figures(results[key], config, log)
    for sentence in comparison.verdicts:
        log(f"      {sentence}")
    return {"comparison": comparison, "probas": probas, "predictions": predictions,
            "reports": reports}
