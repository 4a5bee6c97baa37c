"""The study's training steps: every model at every seed, the grid, CV and Optuna."""

import dataclasses
import time

import numpy as np
import pandas as pd
from sklearn.model_selection import GridSearchCV

from .._recipes import make_recipe
from ._config import MODEL_RECIPES, TUNED_LABEL, _random_states
from ._progress import EpochProgress


@dataclasses.dataclass
class _Searches:
    """What the optional steps found; None where a step did not run."""

    grid: object = None  # the fitted GridSearchCV
    grid_table: object = None
    cv_table: object = None
    study: object = None  # the Optuna study
    optuna_table: object = None


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


def _run_entry(label, recipe, config, fitted):
    """A model's entry of metrics.json before evaluation: its seeds and fit times."""
    times = [fit_time for _, fit_time in fitted]
    return {
        "label": label, "recipe": recipe,
        "fit_time_s": round(float(np.mean(times)), 2),
        "seeds": [{"random_state": random_state, "fit_time_s": round(fit_time, 2)}
                  for random_state, fit_time in zip(_random_states(config), times)],
    }


def _fit_tuned(study, config, X, y, log):
    """The seed CNN with the best trial's settings, one fit per seed."""
    best = study.best_trial.user_attrs["params"]
    # Chosen at tune_epochs, trained for up to epochs: stop on the
    # validation loss rather than overfit the longer budget.
    fitted = _fit_seeds(
        "seed-cnn", TUNED_LABEL, config, X, y, log, **best, early_stopping=True
    )
    return fitted, {**_run_entry(TUNED_LABEL, "seed-cnn", config, fitted), "params": best}


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
