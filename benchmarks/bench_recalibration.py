"""Batch-norm recalibration in inference mode against one training-mode pass.

``fit`` ends by replacing every batch-norm layer's running statistics with
statistics of the trained network on training images. Until round two this
was one forward pass in training mode, so random flips, shifts, erasing and
dropout were active in it; now each layer's statistics come from its input
with the network in inference mode. This script trains each configuration
once per seed (with the library's recalibration), scores it, then sets the
statistics the old way from the same images and scores the same weights
again: a paired comparison, one pair per seed.

Usage::

    python benchmarks/bench_recalibration.py --recipes best-cnn --seeds 0 1 2
    python benchmarks/bench_recalibration.py --candidate "CNNClassifier()" cnn \\
        '{"random_flip": false}' --seeds 0 1 2 --keep /tmp/models

Each run's record (with the library's recalibration) is appended to
``accuracy.jsonl`` as ``bench_accuracy.py`` writes it; the pairs go to
``recalibration.jsonl`` and are summarised in ``recalibration.md``;
``--keep`` pickles the fitted estimators (with the library's statistics).
"""

import argparse
import json
from pathlib import Path

from bench_accuracy import (
    add_job_arguments,
    append_record,
    fit_and_record,
    jobs_and_data,
    shifted_accuracies,
    summarise,
)


def training_mode_recalibration(estimator, X):
    """Round one's recalibration: one training-mode pass with momentum 0."""
    import keras
    import numpy as np
    from sklearn.utils import check_random_state

    from fmnist_estimators._random import seeded
    from fmnist_estimators._training import RECALIBRATION_SAMPLES

    layers = [
        layer for layer in estimator.model_.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    rng = check_random_state(estimator._random_state)
    n = min(len(X), RECALIBRATION_SAMPLES)
    sample = np.asarray(X[np.sort(rng.choice(len(X), n, replace=False))],
                        dtype=keras.backend.floatx())
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    try:
        with seeded(estimator._random_state):
            estimator.model_(sample, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum


def scores(estimator, X_test, y_test):
    """Clean and shifted test accuracy."""
    return {
        "test_accuracy": round(float((estimator.predict(X_test) == y_test).mean()), 4),
        "shifted_test_accuracy": shifted_accuracies(estimator, X_test, y_test),
    }


def paired_run(name, params, seed, data, recipe, keep=None):
    """Fit once; score with both recalibrations of the same weights.

    With ``keep``, a directory, the fitted estimator is pickled there first.
    """
    from fmnist_estimators import _training

    recalibrated_on = {}
    library_recalibration = _training.recalibrate_batch_norm

    def recording(estimator, X):
        recalibrated_on["X"] = X
        library_recalibration(estimator, X)

    _training.recalibrate_batch_norm = recording
    try:
        record, estimator = fit_and_record(name, params, seed, data, recipe)
    finally:
        _training.recalibrate_batch_norm = library_recalibration
    X_test, y_test = data[2], data[3]
    if keep is not None:
        import pickle

        keep.mkdir(parents=True, exist_ok=True)
        with (keep / f"{name}-seed{seed}.pkl").open("wb") as f:
            pickle.dump(estimator, f)
    training_mode_recalibration(estimator, recalibrated_on["X"])
    pair = {
        "name": name, "recipe": recipe, "params": params, "seed": seed,
        "inference_mode": {
            "test_accuracy": record["test_accuracy"],
            "shifted_test_accuracy": record["shifted_test_accuracy"],
        },
        "training_mode": scores(estimator, X_test, y_test),
        "machine": record["machine"],
    }
    return record, pair


def summarise_pairs(path_jsonl, path_md):
    """Mean paired difference per configuration, with a paired t interval."""
    import numpy as np
    import pandas as pd
    from scipy import stats

    runs = [json.loads(line) for line in path_jsonl.read_text().splitlines() if line]
    lines = [
        "# Batch-norm recalibration: inference mode against a training-mode pass",
        "",
        "Same weights, scored twice per seed (`benchmarks/bench_recalibration.py`). "
        "Differences are inference mode minus training mode, in accuracy points; "
        "95% paired t intervals over seeds.",
        "",
        "| configuration | seeds | clean, training mode | clean, inference mode "
        "| difference | 2-px shift, training mode | 2-px shift, inference mode "
        "| difference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    frame = pd.DataFrame(runs)
    for name, group in frame.groupby("name", sort=False):
        row = [name, str(len(group))]
        for key in ("clean", "2"):
            def accuracy(mode, key=key):
                return np.array([
                    run[mode]["test_accuracy"] if key == "clean"
                    else run[mode]["shifted_test_accuracy"][key]
                    for run in group.to_dict("records")
                ])
            old, new = accuracy("training_mode"), accuracy("inference_mode")
            difference = 100 * (new - old)
            if len(difference) > 1:
                half = stats.t.ppf(0.975, len(difference) - 1) * difference.std(
                    ddof=1) / np.sqrt(len(difference))
                interval = f"{difference.mean():+.2f} [{difference.mean() - half:+.2f}, " \
                           f"{difference.mean() + half:+.2f}]"
            else:
                interval = f"{difference.mean():+.2f}"
            row += [f"{old.mean():.4f}", f"{new.mean():.4f}", interval]
        lines.append("| " + " | ".join(row) + " |")
    path_md.write_text("\n".join(lines) + "\n")
    return path_md.read_text()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_job_arguments(parser)
    parser.add_argument("--keep", type=Path, help="pickle the fitted estimators here")
    args = parser.parse_args()
    jobs, data = jobs_and_data(args)
    for name, params, recipe in jobs:
        for seed in args.seeds:
            record, pair = paired_run(name, params, seed, data, recipe, args.keep)
            print(json.dumps(pair), flush=True)
            append_record(args.output / "accuracy.jsonl", record)
            append_record(args.output / "recalibration.jsonl", pair)
    summarise(args.output / "accuracy.jsonl", args.output / "accuracy.md")
    print(summarise_pairs(args.output / "recalibration.jsonl",
                          args.output / "recalibration.md"))


if __name__ == "__main__":
    main()
