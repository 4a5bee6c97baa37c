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
from sklearn.metrics import accuracy_score, classification_report, log_loss
from sklearn.model_selection import GridSearchCV, train_test_split

from .._io import atomic_path, write_text
from .._recipes import make_recipe
from .._version import __version__
from ..datasets import fetch_fashion_mnist
from ..datasets._fashion_mnist import _describe_source
from ..model_selection import holdout_split
from ._progress import EpochProgress, format_seconds

MODEL_RECIPES = {"ann": ("ANN", "seed-ann"), "cnn": ("CNN", "seed-cnn")}
TUNED_KEY, TUNED_LABEL = "tuned-cnn", "Tuned CNN"


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
        Epochs of a full Optuna trial. The tuned CNN is then trained like the
        others, for ``epochs``.
    cv_folds : int
        Stratified folds of an extra cross-validation of the ANN and the CNN
        on the training set (mean +- std of accuracy and log loss); 0 skips it.
    random_state : int
        Seed of the subsets, the split and every model.
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


PRESETS = {
    # The notebook's settings on the full data (the CNN recipe computes in
    # mixed bfloat16 with TensorFlow on CPUs with bfloat16 instructions).
    "seed": StudyConfig(),
    # Minutes on a laptop: 6,000 training and 2,000 test images.
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


def _optuna_search(config, X, y, log):
    """Optuna over the CNN's space on the validation hold-out; None without optuna."""
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
        random_state=config.random_state, callbacks=[report],
    )
    return study, optuna_results_table(study)


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
              log=print):
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

        models, results = {}, {}
        for key in config.models:
            label, recipe = MODEL_RECIPES[key]
            steps.start(f"Training the {label} ({config.epochs} epochs)")
            estimator, fit_time = _fit_model(recipe, label, config, X, y, log)
            models[key] = estimator
            results[key] = {"label": label, "recipe": recipe, "fit_time_s": round(fit_time, 2)}
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
            study, optuna_table = _optuna_search(config, X, y, log)
            steps.done()
            steps.start(f"Training the tuned CNN ({config.epochs} epochs)")
            if study is None:
                log("      skipped: no Optuna search")
            else:
                best = study.best_trial.user_attrs["params"]
                estimator, fit_time = _fit_model(
                    "seed-cnn", TUNED_LABEL, config, X, y, log, **best
                )
                models[TUNED_KEY] = estimator
                results[TUNED_KEY] = {
                    "label": TUNED_LABEL, "recipe": "seed-cnn", "params": best,
                    "fit_time_s": round(fit_time, 2),
                }
            steps.done()

        steps.start("Evaluating on the test set (used once)")
        predictions = {}
        for key, estimator in models.items():
            proba, y_pred, predict_time, report = _evaluate(
                estimator, X_test, y_test, target_names
            )
            predictions[key] = proba
            results[key].update(
                test_accuracy=float(accuracy_score(y_test, y_pred)),
                test_loss=float(log_loss(y_test, proba, labels=estimator.classes_)),
                best_val_accuracy=float(max(estimator.history_.get("val_accuracy", [np.nan]))),
                predict_time_s=round(predict_time, 3),
                n_params=int(estimator.model_.count_params()),
                dtype_policy=estimator.dtype_policy_,
                per_class={
                    name: {k: float(v) for k, v in report[name].items()}
                    for name in target_names
                },
            )
            log(f"      {results[key]['label']}: test accuracy "
                f"{results[key]['test_accuracy']:.4f}, test loss {results[key]['test_loss']:.4f}")
        steps.done()

        steps.start("Saving the models and checking that they reload")
        for key, estimator in models.items():
            results[key].update(_save_models(estimator, key, staging, X_test[:500]))
        steps.done()

        steps.start("Writing tables, figures and the report")
        comparison = pd.DataFrame.from_records(
            [
                {
                    "model": results[k]["label"],
                    "test accuracy": results[k]["test_accuracy"],
                    "test loss": results[k]["test_loss"],
                    "best validation accuracy": results[k]["best_val_accuracy"],
                    "training time (s)": results[k]["fit_time_s"],
                    "predict time, test set (s)": results[k]["predict_time_s"],
                    "parameters": results[k]["n_params"],
                    "precision": results[k]["dtype_policy"],
                }
                for k in models
            ],
            index="model",
        )
        _write_csv(comparison, staging / "comparison.csv")
        reports = {}
        for key in models:
            frame = pd.DataFrame(results[key]["per_class"]).T
            frame.index.name = "class"
            reports[key] = frame
            _write_csv(frame, staging / f"classification_report_{key}.csv")
        if grid_table is not None:
            _write_csv(grid_table, staging / "grid_results.csv", index=False)
        if optuna_table is not None:
            _write_csv(optuna_table, staging / "optuna_trials.csv", index=False)
        if cv_table is not None:
            _write_csv(cv_table, staging / "cross_validation.csv")
        labels = {key: results[key]["label"] for key in models}
        figures = plot_figures(
            models, labels, predictions, X_test, y_test, target_names, search, config
        )
        for name, figure in figures.items():
            _save_figure(figure, staging / name)
        metrics = {
            "fmnist_estimators_version": __version__,
            "config": dataclasses.asdict(config),
            "data": {
                "n_train": int(len(train_idx)), "n_validation": int(len(val_idx)),
                "n_test": int(len(y_test)),
            },
            "data_source": data_source,
            "models": {results[k]["label"]: results[k] for k in models},
            "grid": None if grid_table is None else grid_table.to_dict(orient="records"),
            "cross_validation": None if cv_table is None
            else cv_table.to_dict(orient="index"),
            "optuna_trials": None if optuna_table is None
            else optuna_table.to_dict(orient="records"),
            "step_times_s": steps.times,
            "environment": _environment(),
        }
        write_text(staging / "metrics.json", json.dumps(metrics, indent=2, default=_json_default))
        write_text(
            staging / "report.html",
            render_report(
                metrics, comparison, reports, labels, grid_table, optuna_table, staging,
                cv_table=cv_table,
            ),
        )
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
    log(comparison.to_string(float_format=lambda v: f"{v:.4f}"))
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
