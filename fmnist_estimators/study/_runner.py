"""The ANN-vs-CNN study, from data to report: its steps, in order."""

import contextlib
import json
import time

from .._io import write_text
from ._analysis import per_class_comparison
from ._config import MODEL_RECIPES, TUNED_KEY, _checked_config
from ._data import _load_data
from ._evaluation import _evaluate_all
from ._fitting import (
    _cross_validate,
    _fit_seeds,
    _fit_tuned,
    _grid_search,
    _optuna_search,
    _run_entry,
    _Searches,
)
from ._output import (
    _json_default,
    _prepare_output,
    _publish,
    _save_all_models,
    _save_figure,
    _what_was_kept,
)
from ._progress import format_seconds
from ._record import _claim, _metrics_document
from ._tables import _write_tables


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

    @contextlib.contextmanager
    def step(self, name):
        """Announce the step ``name``; record its time only if it finishes."""
        self.start(name)
        yield
        self.done()


def _tunes(config):
    return config.tune_trials > 0 and "cnn" in config.models


def _n_steps(config):
    return (4 + len(config.models) + (config.grid_epochs > 0) + 2 * _tunes(config)
            + (config.cv_folds > 1))


def _seeds_text(config):
    return "" if config.seeds == 1 else f", {config.seeds} seeds"


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
    config = _checked_config(config)
    output, staging = _prepare_output(output, overwrite)
    steps = _Steps(_n_steps(config), log)
    try:
        with steps.step("Loading Fashion-MNIST"):
            data = _load_data(config, data_home, log)
        runs, results = _train_models(steps, config, data, log)
        searches = _Searches()
        if config.grid_epochs > 0:
            with steps.step(
                f"Grid search of the CNN ({config.grid_epochs} epoch(s) per point)"
            ):
                searches.grid, searches.grid_table = _grid_search(
                    config, data.X, data.y, data.train_idx, data.val_idx)
        if config.cv_folds > 1:
            with steps.step(f"{config.cv_folds}-fold cross-validation of the models"):
                searches.cv_table = _cross_validate(config, data.X, data.y, log)
        if _tunes(config):
            _tune_cnn(steps, config, data, searches, runs, results, log,
                      storage=tune_storage, study_name=tune_study_name,
                      load_if_exists=tune_load_if_exists)
        with steps.step("Evaluating on the test set (used once)"):
            evaluation = _evaluate_all(runs, results, data.X_test, data.y_test,
                                       data.target_names, config, log)
        with steps.step("Saving the models and checking that they reload"):
            _save_all_models(runs, results, staging, data.X_test[:500], config)
        with steps.step("Writing tables, figures and the report"):
            metrics, summary = _write_report(
                staging, config, data, runs, results, evaluation, searches, steps.times)
    except BaseException as error:
        log(_stopped_message(error, steps, staging, output))
        raise
    _publish(staging, output)
    _log_outcome(summary, evaluation["comparison"], metrics["claim"], config, output, log)
    return metrics


def _train_models(steps, config, data, log):
    """Every model of ``config`` at every seed: the fitted estimators and their entries.

    Returns ``runs`` (each model's estimators, one per seed) and ``results``
    (each model's entry of metrics.json).
    """
    runs, results = {}, {}
    for key in config.models:
        label, recipe = MODEL_RECIPES[key]
        with steps.step(f"Training the {label} ({config.epochs} epochs{_seeds_text(config)})"):
            fitted = _fit_seeds(recipe, label, config, data.X, data.y, log)
            runs[key] = [estimator for estimator, _ in fitted]
            results[key] = _run_entry(label, recipe, config, fitted)
    return runs, results


def _tune_cnn(steps, config, data, searches, runs, results, log, **storage):
    """The Optuna search of the CNN, then the tuned CNN trained with its best settings."""
    with steps.step(
        f"Optuna search of the CNN ({config.tune_trials} trials, up to "
        f"{config.tune_epochs} epoch(s) each, pruned per epoch)"
    ):
        searches.study, searches.optuna_table = _optuna_search(
            config, data.X, data.y, log, **storage)
    with steps.step(
        f"Training the tuned CNN (up to {config.epochs} epochs, stopped on the "
        f"validation loss{_seeds_text(config)})"
    ):
        if searches.study is None:
            log("      skipped: no Optuna search")
        else:
            fitted, results[TUNED_KEY] = _fit_tuned(
                searches.study, config, data.X, data.y, log)
            runs[TUNED_KEY] = [estimator for estimator, _ in fitted]


def _write_report(staging, config, data, runs, results, evaluation, searches, step_times):
    """Tables, figures, metrics.json and report.html into ``staging``.

    Returns the content of metrics.json and the summary table.
    """
    from ._figures import plot_figures
    from ._report import render_report

    models = {key: estimators[0] for key, estimators in runs.items()}  # the first seed's
    labels = {key: results[key]["label"] for key in models}
    comparison = evaluation["comparison"]
    per_class = per_class_comparison(evaluation["reports"], labels, data.target_names)
    summary = _write_tables(staging, results, comparison, per_class[0], searches)
    first_seed = {key: probas[0] for key, probas in evaluation["probas"].items()}
    figures = plot_figures(models, labels, first_seed, data.X_test, data.y_test,
                           data.target_names, searches.grid, config, results)
    for name, figure in figures.items():
        _save_figure(figure, staging / name)
    claim = _claim(comparison, results, labels)
    metrics = _metrics_document(config, data, results, evaluation, searches, per_class,
                                claim, step_times)
    write_text(staging / "metrics.json", json.dumps(metrics, indent=2, default=_json_default))
    write_text(staging / "report.html", render_report(metrics, staging))
    return metrics, summary


def _stopped_message(error, steps, staging, output):
    """What a failed or interrupted study says: the step, the finished ones, what was kept."""
    reason = "was interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
    return (
        f"\nThe study {reason} during '{steps.current}'. Finished steps: "
        f"{', '.join(steps.times) or 'none'}. No report was written. "
        f"{_what_was_kept(staging, output)}"
    )


def _log_outcome(summary, comparison, claim, config, output, log):
    """The summary table, the verdicts and where the report is."""
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
