"""The ANN-vs-CNN study, from data to report, with standard scikit-learn tools."""

import dataclasses
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.metrics import classification_report
from sklearn.model_selection import GridSearchCV, train_test_split

from .._io import atomic_path, write_text
from .._recipes import make_recipe
from .._registry import FAMILIES
from .._version import __version__
from ..datasets import fetch_fashion_mnist
from ..datasets._files import _describe_source
from ..metrics import combine_comparisons, compare_models, reliability_table
from ..model_selection import holdout_split
from ._analysis import (
    LATENCY_CALLS,
    claim_sentence,
    confused_pairs,
    grid_choice,
    latency,
    per_class_comparison,
    training_settings,
    tuning_summary,
    validation_figures,
)
from ._progress import EpochProgress, format_seconds

# Every network family of the registry, as (label, seed recipe).
MODEL_RECIPES = {
    name: (family.label, family.seed_recipe) for name, family in FAMILIES.items()
}
TUNED_KEY, TUNED_LABEL = "tuned-cnn", "Tuned CNN"

# The level of every test and the coverage of every interval in the report.
ALPHA, CONFIDENCE_LEVEL = 0.05, 0.95
N_RESAMPLES = 2000
ECE_BINS = 15


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Settings of one study run.

    Parameters
    ----------
    models : tuple of str
        Models to train, among ``"ann"`` and ``"cnn"``.
    n_train, n_test : int or None
        Stratified subsets of the training and test sets; None uses all of it.
    epochs, batch_size, learning_rate : int, int, float
        Training settings, identical for every model.
    validation_fraction : float
        Hold-out of the training set for validation curves and the grid.
    grid : dict of str to list
        The CNN's learning-rate x batch-size grid.
    grid_epochs : int
        Epochs per grid point; 0 skips the grid search.
    tune_trials : int
        Optuna trials for the "tuned CNN" (learning rate, batch size, dropout,
        widths), pruned per epoch on the validation hold-out; 0 skips it.
    tune_epochs : int
        Epochs of a full Optuna trial. Its settings being chosen at this
        budget, the tuned CNN is then trained for up to ``epochs`` epochs with
        early stopping on the validation loss (best weights restored), not
        for a fixed ``epochs`` like the ANN and the CNN.
    cv_folds : int
        Stratified folds of an extra cross-validation of the ANN and the CNN
        on the training set (mean +- std of accuracy and log loss); 0 skips it.
    random_state : int
        Seed of the subsets, the grid's split, the searches and the first
        training run of every model.
    seeds : int
        Training runs of every model (the ANN, the CNN and the tuned CNN's
        final training), with ``random_state + k`` for ``k`` in
        ``range(seeds)``, on the same training images and test images; each
        run's validation hold-out is drawn from its own ``random_state``, as
        the estimators draw it. The grid and the Optuna search run once, at
        ``random_state``. The paired tests are computed at each seed and a
        difference is significant only when it is significant at every seed,
        in the same direction
        (:func:`~fmnist_estimators.metrics.combine_comparisons`).
    """

    models: tuple = ("ann", "cnn")
    n_train: int | None = None
    n_test: int | None = None
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 1e-3
    validation_fraction: float = 0.1
    grid: dict = dataclasses.field(
        default_factory=lambda: {"learning_rate": [1e-3, 5e-4], "batch_size": [64, 128]}
    )
    grid_epochs: int = 3
    tune_trials: int = 10
    tune_epochs: int = 3
    cv_folds: int = 0
    random_state: int = 0
    seeds: int = 1


PRESETS = {
    # The notebook's settings on the full data (the CNN recipe computes in
    # mixed bfloat16 with TensorFlow on CPUs with bfloat16 instructions),
    # every model trained with 3 seeds.
    "seed": StudyConfig(seeds=3),
    # Minutes on a laptop: 6,000 training and 2,000 test images, one seed
    # (a second trains the three models again: about a minute more on 2 cores).
    "quick": StudyConfig(
        n_train=6000, n_test=2000, epochs=4, grid_epochs=1, tune_trials=4, tune_epochs=2
    ),
}


class _Steps:
    """Numbered step banners with their wall times."""

    def __init__(self, n_steps, log):
        self.n_steps, self.log = n_steps, log
        self.times, self.current, self._count = {}, None, 0

    def start(self, name):
        self._count += 1
        self.current, self._start = name, time.perf_counter()
        self.log(f"[{self._count}/{self.n_steps}] {name} ...")

    def done(self):
        elapsed = time.perf_counter() - self._start
        self.times[self.current] = round(elapsed, 2)
        self.log(f"      done in {format_seconds(elapsed)}")
        self.current = None


def _subset(X, y, n, random_state):
    if n is None or n >= len(y):
        return X, y
    # A left-over part too small to hold every class cannot be stratified.
    stratify = y if len(y) - n >= len(np.unique(y)) else None
    X, _, y, _ = train_test_split(
        X, y, train_size=n, stratify=stratify, random_state=random_state
    )
    return X, y


def _prepare_output(output, overwrite):
    """Staging folder beside ``output``; the result only appears when complete."""
    output = Path(output)
    if output.exists() and not overwrite:
        raise FileExistsError(
            f"Output folder '{output}' already exists. Choose another --output, "
            "or pass --overwrite to replace it once the new study has finished."
        )
    staging = output.with_name(f"{output.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return output, staging


def _what_was_kept(staging, output):
    """Remove an empty staging folder; say what a stopped run left behind."""
    kept = sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []
    if kept:
        names = ", ".join(kept[:4]) + (", ..." if len(kept) > 4 else "")
        kept_text = (f"Kept {len(kept)} file(s) in '{staging}' ({names}) until the next "
                     "run with this output")
    else:
        shutil.rmtree(staging, ignore_errors=True)
        kept_text = "Nothing was kept"
    state = "was left as it was" if output.exists() else "was not created"
    return f"{kept_text}; '{output}' {state}."


def _publish(staging, output):
    if output.exists():
        old = output.with_name(f"{output.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old)
    else:
        os.replace(staging, output)


def _save_figure(figure, path):
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def _write_csv(frame, path, **kwargs):
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, **kwargs)


def _random_states(config):
    return [config.random_state + k for k in range(config.seeds)]


def _fit_seeds(recipe, label, config, X, y, log, **params):
    """One fitted estimator and its fit time per seed of ``config``."""
    runs = []
    for random_state in _random_states(config):
        name = label if config.seeds == 1 else f"{label} (random_state {random_state})"
        runs.append(_fit_model(recipe, name, config, X, y, log,
                               **params, random_state=random_state))
    return runs


def _fit_model(recipe, label, config, X, y, log, **params):
    settings = {
        "epochs": config.epochs,
        "batch_size": config.batch_size,
        "learning_rate": config.learning_rate,
        "validation_fraction": config.validation_fraction,
        "random_state": config.random_state,
    }
    estimator = make_recipe(recipe, **{**settings, **params})
    start = time.perf_counter()
    estimator.fit(X, y, callbacks=[EpochProgress(label, log=log)])
    return estimator, time.perf_counter() - start


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


def _evaluate_all(runs, results, X_test, y_test, target_names, config, log):
    """Test-set figures of every model and seed with intervals, and the paired tests.

    ``runs`` maps each model key to its fitted estimators, one per seed. The
    paired tests are computed for each seed's models and combined by
    :func:`~fmnist_estimators.metrics.combine_comparisons`; the figures and
    per-class tables describe the first seed.
    """
    random_states = _random_states(config)
    probas, predictions, reports = {}, {}, {}
    for key, estimators in runs.items():
        probas[key], predictions[key], times = [], [], []
        for estimator in estimators:
            proba, y_pred, predict_time, report = _evaluate(
                estimator, X_test, y_test, target_names)
            probas[key].append(proba)
            predictions[key].append(y_pred)
            times.append(predict_time)
            reports.setdefault(key, report)  # the first seed's
        first = estimators[0]
        settings = training_settings(first)
        results[key].update(
            predict_time_s=round(float(np.mean(times)), 3),
            latency_s=latency(first, X_test),
            n_params=settings["weights"],
            dtype_policy=settings["numeric_type"],
            settings=settings,
            **validation_figures(first),
            per_class={
                name: {k: float(v) for k, v in reports[key][name].items()}
                for name in target_names
            },
        )
        for entry, estimator, predict_time in zip(results[key]["seeds"], estimators, times):
            run_settings = training_settings(estimator)
            entry.update(
                predict_time_s=round(predict_time, 3),
                epochs_trained=run_settings["epochs_trained"],
                returned_epoch=run_settings["returned_epoch"],
                **validation_figures(estimator),
            )
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
    comparison = combine_comparisons(comparisons, random_states=random_states)
    for key in runs:
        label, r = labels[key], results[key]
        for entry, seed_comparison in zip(r["seeds"], comparisons):
            entry.update(_seed_figures(seed_comparison, label))
        for metric in _SEED_METRICS:
            values = [entry[metric] for entry in r["seeds"]]
            r[metric] = float(np.mean(values))
            r[f"{metric}_std"] = float(np.std(values, ddof=1)) if len(values) > 1 else None
            if f"{metric}_ci" in r["seeds"][0]:
                # An interval over the test images belongs to one trained model.
                r[f"{metric}_ci"] = r["seeds"][0][f"{metric}_ci"] if len(values) == 1 else None
        reliability = reliability_table(y_test, probas[key][0], n_bins=ECE_BINS, labels=classes)
        # Empty bins have no accuracy: null in JSON, not NaN.
        r["reliability"] = (reliability.astype(object).where(reliability.notna(), None)
                            .to_dict(orient="list"))
        for entry in r["seeds"]:
            prefix = "" if config.seeds == 1 else f"random_state {entry['random_state']}: "
            log(f"      {label}: {prefix}test accuracy {entry['test_accuracy']:.4f} "
                f"[{entry['test_accuracy_ci'][0]:.4f}, {entry['test_accuracy_ci'][1]:.4f}], "
                f"macro-F1 {entry['test_macro_f1']:.4f}, log loss {entry['test_loss']:.4f}")
        if config.seeds > 1:
            log(f"      {label}: test accuracy {r['test_accuracy']:.4f} ± "
                f"{r['test_accuracy_std']:.4f} over {config.seeds} seeds")
    for sentence in comparison.verdicts:
        log(f"      {sentence}")
    return {"comparison": comparison, "probas": probas, "predictions": predictions,
            "reports": reports}


def _ci_text(bounds):
    return "" if bounds is None else f"[{bounds[0]:.4f}, {bounds[1]:.4f}]"


def _summary_table(results):
    """One row per model: test figures with intervals (one seed) or std (seeds).

    With several seeds the figures are means over the seeds, with their
    standard deviations; the intervals are in :func:`_seeds_table`.
    """
    rows = []
    for r in results.values():
        s = r["settings"]
        n_seeds = len(r["seeds"])
        spread = (
            {"accuracy 95% CI": _ci_text(r["test_accuracy_ci"])} if n_seeds == 1
            else {"accuracy std": r["test_accuracy_std"]}
        )
        rows.append({
            "model": r["label"],
            "seeds": n_seeds,
            "test accuracy": r["test_accuracy"],
            **spread,
            "macro-F1": r["test_macro_f1"],
            **({"macro-F1 95% CI": _ci_text(r["test_macro_f1_ci"])} if n_seeds == 1
               else {"macro-F1 std": r["test_macro_f1_std"]}),
            "log loss": r["test_loss"],
            **({"log loss 95% CI": _ci_text(r["test_loss_ci"])} if n_seeds == 1
               else {"log loss std": r["test_loss_std"]}),
            "Brier score": r["test_brier"],
            "ECE": r["test_ece"],
            "weights": s["weights"],
            # Early stopping can end each seed's training at another epoch.
            "epochs trained": ", ".join(str(e["epochs_trained"]) for e in r["seeds"]),
            "batch size": s["batch_size"],
            "learning rate": s["learning_rate"],
            "regularisation": s["regularisation"],
            "numeric type": s["numeric_type"],
            "training time (s)": r["fit_time_s"],
            "test-set prediction time (s)": r["predict_time_s"],
            "latency per image (s)": r["latency_s"],
        })
    return pd.DataFrame.from_records(rows, index="model")


def _seeds_table(results):
    """One row per model and seed: test figures with their 95% intervals."""
    rows = []
    for r in results.values():
        for entry in r["seeds"]:
            rows.append({
                "model": r["label"], "random_state": entry["random_state"],
                "test accuracy": entry["test_accuracy"],
                "accuracy 95% CI": _ci_text(entry["test_accuracy_ci"]),
                "macro-F1": entry["test_macro_f1"],
                "macro-F1 95% CI": _ci_text(entry["test_macro_f1_ci"]),
                "log loss": entry["test_loss"],
                "log loss 95% CI": _ci_text(entry["test_loss_ci"]),
                "Brier score": entry["test_brier"], "ECE": entry["test_ece"],
                "epochs trained": entry["epochs_trained"],
                "training time (s)": entry["fit_time_s"],
            })
    return pd.DataFrame.from_records(rows)


def _paired_tests_table(comparison):
    """Each seed's paired tests, one row per pair and seed."""
    frames = [c.pairs.assign(random_state=seed)
              for c, seed in zip(comparison.comparisons, comparison.random_states)]
    table = pd.concat(frames, ignore_index=True)
    return table[["random_state", *frames[0].columns]]


def _cross_validate(config, X, y, log):
    """cross_validate each model with the study's settings; a tidy summary."""
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from ..model_selection import cross_validation_report

    results = {}
    for key in config.models:
        label, recipe = MODEL_RECIPES[key]
        estimator = make_recipe(
            recipe, epochs=config.epochs, batch_size=config.batch_size,
            learning_rate=config.learning_rate, validation_fraction=0.0,
            random_state=config.random_state,
        )
        cv = StratifiedKFold(config.cv_folds, shuffle=True, random_state=config.random_state)
        results[label] = cross_validate(
            estimator, X, y, cv=cv, scoring=["accuracy", "neg_log_loss"]
        )
        log(f"      {label}: accuracy {results[label]['test_accuracy'].mean():.4f} "
            f"± {results[label]['test_accuracy'].std():.4f}")
    return cross_validation_report(results)


def _optuna_search(config, X, y, log, **storage):
    """Optuna over the CNN's space on the validation hold-out; None without optuna.

    ``storage`` holds the ``storage``, ``study_name`` and ``load_if_exists``
    of :func:`~fmnist_estimators.model_selection.tune_with_optuna`.
    """
    from ..model_selection import cnn_search_space, optuna_results_table, tune_with_optuna

    try:
        import optuna
    except ImportError:
        log("      skipped: Optuna is not installed (pip install optuna)")
        return None, None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    base = make_recipe(
        "seed-cnn", epochs=config.tune_epochs, random_state=config.random_state
    )

    def report(study, trial):
        value = trial.value if trial.value is not None else max(
            trial.intermediate_values.values(), default=float("nan"))
        log(f"    trial {trial.number + 1}/{config.tune_trials} {trial.state.name.lower()} "
            f"after {len(trial.intermediate_values)} epoch(s): validation accuracy "
            f"{value:.4f}  {trial.user_attrs.get('params')}")

    # tune_with_optuna's default study: seeded TPE sampler, median pruner.
    study = tune_with_optuna(
        base, cnn_search_space, X, y, n_trials=config.tune_trials,
        validation_fraction=config.validation_fraction,
        random_state=config.random_state, callbacks=[report], **storage,
    )
    table = optuna_results_table(study)
    table["trial"] += 1  # numbered from 1, as in the progress lines above
    return study, table


def _grid_search(config, X, y, train_idx, val_idx):
    base = make_recipe(
        "seed-cnn", epochs=config.grid_epochs, validation_fraction=0.0,
        random_state=config.random_state,
    )
    search = GridSearchCV(
        base, config.grid, cv=[(train_idx, val_idx)], scoring="accuracy",
        refit=False, verbose=3, error_score="raise",
    )
    search.fit(X, y)
    results = pd.DataFrame(search.cv_results_)
    table = pd.DataFrame(
        {
            **{name: results[f"param_{name}"] for name in config.grid},
            "validation_accuracy": results["mean_test_score"],
            "fit_time_s": results["mean_fit_time"].round(2),
            "rank": results["rank_test_score"],
        }
    ).sort_values("rank")
    return search, table


def _run_entry(label, recipe, config, fitted):
    """A model's entry of metrics.json before evaluation: its seeds and fit times."""
    times = [fit_time for _, fit_time in fitted]
    return {
        "label": label, "recipe": recipe,
        "fit_time_s": round(float(np.mean(times)), 2),
        "seeds": [{"random_state": random_state, "fit_time_s": round(fit_time, 2)}
                  for random_state, fit_time in zip(_random_states(config), times)],
    }


def _model_stem(key, random_state, config):
    """``cnn`` for the first seed's files, ``cnn-seed1`` for random_state 1."""
    return key if random_state == config.random_state else f"{key}-seed{random_state}"


def _save_models(estimator, stem, staging, X_check):
    """joblib for the estimator, .keras for the network; check that both reload."""
    import keras

    estimator_path = staging / f"{stem}.joblib"
    network_path = staging / f"{stem}.keras"
    with atomic_path(estimator_path) as tmp:
        joblib.dump(estimator, tmp)
    with atomic_path(network_path) as tmp:
        keras_tmp = tmp.with_suffix(".keras")
        estimator.model_.save(keras_tmp)
        os.replace(keras_tmp, tmp)
    expected = estimator.predict_proba(X_check)
    reloaded = joblib.load(estimator_path).predict_proba(X_check)
    network = keras.saving.load_model(network_path, safe_mode=True)
    from_network = np.asarray(network.predict(
        X_check.reshape(len(X_check), -1).astype("float32"), verbose=0
    ))
    return {
        "estimator_file": estimator_path.name,
        "network_file": network_path.name,
        "reload_identical": bool(np.array_equal(expected, reloaded)),
        "network_reload_max_abs_diff": float(np.max(np.abs(expected - from_network))),
    }


def run_study(config=None, output="study-output", *, overwrite=False, data_home=None,
              log=print, tune_storage=None, tune_study_name=None, tune_load_if_exists=False):
    """Run the ANN-vs-CNN study and write its report.

    Both models get the same training images, the same validation hold-out and
    the same settings. The learning-rate x batch-size grid is a
    ``GridSearchCV`` ranked on the validation hold-out; the test set is used
    once, for the final figures.

    Parameters
    ----------
    config : StudyConfig, default=None
        Settings; None uses ``PRESETS["seed"]``.
    output : str or path, default="study-output"
        Folder to create. The study writes into ``<output>.partial`` and
        renames it when everything is written.
    overwrite : bool, default=False
        Replace an existing output folder (only once the new study is done).
    data_home : str or path, default=None
        Passed to :func:`~fmnist_estimators.datasets.fetch_fashion_mnist`.
    log : callable, default=print
        Receives the progress lines.
    tune_storage : str or optuna.storages.BaseStorage, default=None
        Keep the Optuna step's study in this database (e.g.
        ``sqlite:///tune.db``), so that an interrupted study resumes its
        search and several runs can share it; in memory by default.
    tune_study_name : str, default=None
        Name of that study in ``tune_storage``.
    tune_load_if_exists : bool, default=False
        Continue the study ``tune_study_name`` if ``tune_storage`` has it.

    Returns
    -------
    metrics : dict
        The content of ``metrics.json``.
    """
    from ._report import render_report, plot_figures

    config = PRESETS["seed"] if config is None else config
    unknown = set(config.models) - set(MODEL_RECIPES)
    if unknown or not config.models:
        raise ValueError(
            f"models must be a non-empty subset of {sorted(MODEL_RECIPES)}, got "
            f"{list(config.models)}."
        )
    if not isinstance(config.seeds, int) or config.seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {config.seeds!r}.")
    output, staging = _prepare_output(output, overwrite)
    tune = config.tune_trials > 0 and "cnn" in config.models
    n_steps = (4 + len(config.models) + (config.grid_epochs > 0) + 2 * tune
               + (config.cv_folds > 1))
    steps = _Steps(n_steps, log)
    try:
        steps.start("Loading Fashion-MNIST")
        train = fetch_fashion_mnist(subset="train", data_home=data_home)
        test = fetch_fashion_mnist(subset="test", data_home=data_home)
        files = {**train.source, **test.source}
        data_source = {"description": _describe_source(files), "files": files}
        log(f"      data: {data_source['description']}")
        target_names = list(train.target_names)
        X, y = _subset(train.images, train.target, config.n_train, config.random_state)
        X_test, y_test = _subset(test.images, test.target, config.n_test, config.random_state)
        train_idx, val_idx = holdout_split(
            y, validation_fraction=config.validation_fraction,
            random_state=config.random_state,
        )
        log(f"      train {len(train_idx)}, validation {len(val_idx)}, test {len(y_test)} images")
        steps.done()

        # runs: every seed's estimator; models: the first seed's, for the figures.
        runs, results = {}, {}
        seeds_text = "" if config.seeds == 1 else f", {config.seeds} seeds"
        for key in config.models:
            label, recipe = MODEL_RECIPES[key]
            steps.start(f"Training the {label} ({config.epochs} epochs{seeds_text})")
            fitted = _fit_seeds(recipe, label, config, X, y, log)
            runs[key] = [estimator for estimator, _ in fitted]
            results[key] = _run_entry(label, recipe, config, fitted)
            steps.done()

        grid_table = search = None
        if config.grid_epochs > 0:
            steps.start(f"Grid search of the CNN ({config.grid_epochs} epoch(s) per point)")
            search, grid_table = _grid_search(config, X, y, train_idx, val_idx)
            steps.done()

        cv_table = None
        if config.cv_folds > 1:
            steps.start(f"{config.cv_folds}-fold cross-validation of the models")
            cv_table = _cross_validate(config, X, y, log)
            steps.done()

        optuna_table = None
        if tune:
            steps.start(
                f"Optuna search of the CNN ({config.tune_trials} trials, up to "
                f"{config.tune_epochs} epoch(s) each, pruned per epoch)"
            )
            study, optuna_table = _optuna_search(
                config, X, y, log, storage=tune_storage, study_name=tune_study_name,
                load_if_exists=tune_load_if_exists,
            )
            steps.done()
            steps.start(
                f"Training the tuned CNN (up to {config.epochs} epochs, stopped on the "
                f"validation loss{seeds_text})"
            )
            if study is None:
                log("      skipped: no Optuna search")
            else:
                best = study.best_trial.user_attrs["params"]
                # Chosen at tune_epochs, trained for up to epochs: stop on the
                # validation loss rather than overfit the longer budget.
                fitted = _fit_seeds(
                    "seed-cnn", TUNED_LABEL, config, X, y, log, **best, early_stopping=True
                )
                runs[TUNED_KEY] = [estimator for estimator, _ in fitted]
                results[TUNED_KEY] = {
                    **_run_entry(TUNED_LABEL, "seed-cnn", config, fitted), "params": best,
                }
            steps.done()
        models = {key: estimators[0] for key, estimators in runs.items()}

        steps.start("Evaluating on the test set (used once)")
        evaluation = _evaluate_all(runs, results, X_test, y_test, target_names, config, log)
        steps.done()

        steps.start("Saving the models and checking that they reload")
        for key, estimators in runs.items():
            saved = [
                _save_models(estimator, _model_stem(key, entry["random_state"], config),
                             staging, X_test[:500])
                for estimator, entry in zip(estimators, results[key]["seeds"])
            ]
            for entry, files in zip(results[key]["seeds"], saved):
                entry.update(files)
            results[key].update(
                saved[0],
                reload_identical=all(files["reload_identical"] for files in saved),
                network_reload_max_abs_diff=max(
                    files["network_reload_max_abs_diff"] for files in saved),
            )
        steps.done()

        steps.start("Writing tables, figures and the report")
        labels = {key: results[key]["label"] for key in models}
        comparison = evaluation["comparison"]
        summary = _summary_table(results)
        _write_csv(summary, staging / "comparison.csv")
        _write_csv(_seeds_table(results), staging / "seeds.csv", index=False)
        _write_csv(_paired_tests_table(comparison), staging / "paired_tests.csv", index=False)
        per_class_rows, per_class_difference = per_class_comparison(
            evaluation["reports"], labels, target_names
        )
        _write_csv(pd.DataFrame(per_class_rows), staging / "per_class.csv", index=False)
        for key in models:
            frame = pd.DataFrame(results[key]["per_class"]).T
            frame.index.name = "class"
            _write_csv(frame, staging / f"classification_report_{key}.csv")
        if grid_table is not None:
            _write_csv(grid_table, staging / "grid_results.csv", index=False)
        if optuna_table is not None:
            _write_csv(optuna_table, staging / "optuna_trials.csv", index=False)
        if cv_table is not None:
            _write_csv(cv_table, staging / "cross_validation.csv")
        first_seed = {key: probas[0] for key, probas in evaluation["probas"].items()}
        figures = plot_figures(
            models, labels, first_seed, X_test, y_test, target_names, search, config, results
        )
        for name, figure in figures.items():
            _save_figure(figure, staging / name)
        claim = None
        if TUNED_KEY in models and "cnn" in models:
            claim = claim_sentence(
                comparison, TUNED_LABEL, labels["cnn"], results[TUNED_KEY]["settings"],
                results["cnn"]["settings"], tuned_runs=results[TUNED_KEY]["seeds"],
            )
        metrics = {
            "fmnist_estimators_version": __version__,
            "config": dataclasses.asdict(config),
            "data": {
                "n_train": int(len(train_idx)), "n_validation": int(len(val_idx)),
                "n_test": int(len(y_test)),
            },
            "data_source": data_source,
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
            "models": {results[k]["label"]: results[k] for k in models},
            "comparison": comparison.to_dict(),
            "claim": claim,
            "per_class_comparison": per_class_rows,
            "per_class_difference": per_class_difference,
            "most_confused_pairs": confused_pairs(
                y_test, {key: seeds[0] for key, seeds in evaluation["predictions"].items()},
                labels, target_names,
            ),
            "grid": None if grid_table is None else grid_table.to_dict(orient="records"),
            "grid_choice": None if grid_table is None else grid_choice(grid_table, config),
            "cross_validation": None if cv_table is None
            else cv_table.to_dict(orient="index"),
            "optuna_trials": None if optuna_table is None
            else optuna_table.to_dict(orient="records"),
            "tuning": None if TUNED_KEY not in models
            else tuning_summary(config, study, results[TUNED_KEY]["settings"],
                                tuned_runs=results[TUNED_KEY]["seeds"]),
            "step_times_s": steps.times,
            "environment": _environment(),
        }
        write_text(staging / "metrics.json", json.dumps(metrics, indent=2, default=_json_default))
        write_text(staging / "report.html", render_report(metrics, staging))
        steps.done()
    except BaseException as error:
        reason = "was interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        log(
            f"\nThe study {reason} during '{steps.current}'. Finished steps: "
            f"{', '.join(steps.times) or 'none'}. No report was written. "
            f"{_what_was_kept(staging, output)}"
        )
        raise
    _publish(staging, output)
    log("")
    spread = "accuracy 95% CI" if config.seeds == 1 else "accuracy std"
    log(summary[["test accuracy", spread, "macro-F1", "log loss", "weights",
                 "training time (s)"]].to_string(
        float_format=lambda v: f"{v:.4f}",
        formatters={"weights": "{:,}".format, "training time (s)": "{:.1f}".format},
    ))
    log("")
    for sentence in comparison.verdicts + ([] if claim is None else [claim["sentence"]]):
        log(sentence)
    log(f"\nReport: {output / 'report.html'}")
    return metrics


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


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
