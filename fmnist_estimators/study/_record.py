"""The content of the study's metrics.json, built from its results."""

import dataclasses
import os
import platform
import sys

from .._version import __version__
from ._analysis import (
    LATENCY_CALLS,
    claim_sentence,
    confused_pairs,
    grid_choice,
    tuning_summary,
)
from ._config import (
    ALPHA,
    CONFIDENCE_LEVEL,
    ECE_BINS,
    N_RESAMPLES,
    TUNED_KEY,
    TUNED_LABEL,
    _random_states,
)


def _claim(comparison, results, labels):
    """The sentence on the tuned CNN against the CNN, when the study has both."""
    if TUNED_KEY not in results or "cnn" not in results:
        return None
    return claim_sentence(
        comparison, TUNED_LABEL, labels["cnn"], results[TUNED_KEY]["settings"],
        results["cnn"]["settings"], tuned_runs=results[TUNED_KEY]["seeds"],
    )


def _metrics_document(config, data, results, evaluation, searches, per_class, claim,
                      step_times):
    """metrics.json as a dict.

    ``per_class`` is the ``(rows, difference)`` pair of ``per_class_comparison``
    and ``claim`` the return value of ``_claim``.
    """
    labels = {key: entry["label"] for key, entry in results.items()}
    comparison = evaluation["comparison"]
    per_class_rows, per_class_difference = per_class
    grid_table, cv_table, optuna_table = (
        searches.grid_table, searches.cv_table, searches.optuna_table)
    return {
        "fmnist_estimators_version": __version__,
        "config": dataclasses.asdict(config),
        "data": {
            "n_train": int(len(data.train_idx)), "n_validation": int(len(data.val_idx)),
            "n_test": int(len(data.y_test)),
        },
        "data_source": data.source,
        "statistics": {
            "alpha": ALPHA, "confidence_level": CONFIDENCE_LEVEL,
            "accuracy_interval": "Clopper-Pearson (exact)",
            "other_intervals": "percentile bootstrap over the test images",
            "n_resamples": N_RESAMPLES, "random_state": config.random_state,
            "paired_test": "McNemar's exact test, Holm-adjusted over all pairs",
            "ece_bins": ECE_BINS, "latency_calls": LATENCY_CALLS,
        },
        "seeds": {
            "n_seeds": config.seeds, "random_states": _random_states(config),
            "rule": comparison.rule,
            "std": "sample standard deviation over the seeds (ddof=1)",
            "validation_hold_out": "drawn by each training run from its random_state",
            "single_seed_steps": "grid search, Optuna search, cross-validation",
            "figures": f"first seed (random_state {config.random_state})",
        },
        "model_keys": labels,
        "models": {entry["label"]: entry for entry in results.values()},
        "comparison": comparison.to_dict(),
        "claim": claim,
        "per_class_comparison": per_class_rows,
        "per_class_difference": per_class_difference,
        "most_confused_pairs": confused_pairs(
            data.y_test, {key: seeds[0] for key, seeds in evaluation["predictions"].items()},
            labels, data.target_names,
        ),
        "grid": None if grid_table is None else grid_table.to_dict(orient="records"),
        "grid_choice": None if grid_table is None else grid_choice(grid_table, config),
        "cross_validation": None if cv_table is None
        else cv_table.to_dict(orient="index"),
        "optuna_trials": None if optuna_table is None
        else optuna_table.to_dict(orient="records"),
        "tuning": None if TUNED_KEY not in results
        else tuning_summary(config, searches.study, results[TUNED_KEY]["settings"],
                            tuned_runs=results[TUNED_KEY]["seeds"]),
        "step_times_s": step_times,
        "environment": _environment(),
    }


def _environment():
    import keras
    import sklearn

    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "scikit_learn": sklearn.__version__,
        "cpu_count": os.cpu_count(),
    }
