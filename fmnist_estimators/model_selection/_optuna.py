"""Optuna search with per-epoch pruning through a Keras callback.

optuna-integration's ``OptunaSearchCV`` prunes through ``partial_fit`` but
only samples scalar parameters, while layer sizes here are tuples; this thin
integration samples any parameter through a function of the trial and prunes
on the validation accuracy Keras reports after each epoch.
"""

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._split import holdout_split


def _import_optuna():
    try:
        import optuna
    except ImportError as error:
        raise ImportError(
            "Optuna tuning needs the optional dependency optuna: "
            "pip install 'fmnist-estimators[tune]' (or pip install optuna)."
        ) from error
    return optuna


def cnn_search_space(trial):
    """A search space for :class:`CNNClassifier`: rate, batch, dropout, widths.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial that samples the parameters.

    Returns
    -------
    params : dict
        Parameters for ``CNNClassifier.set_params``.
    """
    width = trial.suggest_categorical("width", [16, 32, 48])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [64, 128, 256]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "filters": (width, 2 * width),
        "dense_units": (trial.suggest_categorical("dense_units", [64, 128, 256]),),
    }


def ann_search_space(trial):
    """A search space for :class:`ANNClassifier`: rate, batch, dropout, widths.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial that samples the parameters.

    Returns
    -------
    params : dict
        Parameters for ``ANNClassifier.set_params``.
    """
    first = trial.suggest_categorical("first_layer", [128, 256, 512])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [64, 128, 256]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "hidden_layer_sizes": (first, first // 2),
    }


def _pruning_callback(trial, monitor):
    import keras

    optuna = _import_optuna()

    class _ReportAndPrune(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            value = (logs or {}).get(monitor)
            if value is None:
                return
            trial.report(float(value), step=epoch)
            if trial.should_prune():
                raise optuna.TrialPruned(f"pruned after epoch {epoch + 1}: {monitor}={value:.4f}")

    return _ReportAndPrune()


def tune_with_optuna(estimator, search_space, X, y, *, n_trials=20, timeout=None,
                     validation_fraction=0.1, random_state=None, study=None,
                     callbacks=None):
    """Search hyperparameters with Optuna, pruning bad trials epoch by epoch.

    Each trial sets the parameters that ``search_space(trial)`` returns on a
    clone of ``estimator`` and trains it on ``X`` with the same validation
    hold-out (:func:`holdout_split`) for every trial. After each epoch the
    validation accuracy is reported to Optuna, whose pruner (median by
    default) stops trials that fall behind.

    Parameters
    ----------
    estimator : ANNClassifier or CNNClassifier
        The unfitted template; its ``epochs`` is the budget of a full trial.
    search_space : callable
        ``search_space(trial) -> dict`` of parameters, e.g.
        :func:`cnn_search_space`.
    X, y : array-like
        Training data (never the test set).
    n_trials : int, default=20
        Number of trials.
    timeout : float, default=None
        Stop starting trials after this many seconds.
    validation_fraction : float, default=0.1
        Hold-out that scores every trial.
    random_state : int, default=None
        Seeds the sampler, the hold-out and every trial's estimator.
    study : optuna.Study, default=None
        A study to continue (e.g. with a storage for a cluster of workers);
        by default a new in-memory study maximising validation accuracy with
        a TPE sampler and a median pruner.
    callbacks : list of callable, default=None
        Passed to ``study.optimize``: each is called as ``callback(study,
        trial)`` after every trial, e.g. to log progress.

    Returns
    -------
    study : optuna.Study
        The study; ``study.best_trial.user_attrs["params"]`` holds the best
        estimator parameters, and :func:`optuna_results_table` tabulates it.
    """
    optuna = _import_optuna()
    if study is None:
        study = optuna.create_study(
            direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=random_state),
            pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1),
        )
    # Every trial's estimator holds out the same images: its split depends only
    # on y, validation_fraction and random_state, which all trials share.
    seed = np.random.randint(2**31 - 1) if random_state is None else random_state
    if not len(holdout_split(y, validation_fraction=validation_fraction, random_state=seed)[1]):
        raise ValueError("Too few samples to hold out validation data for the search.")

    def objective(trial):
        params = search_space(trial)
        trial.set_user_attr("params", params)
        candidate = clone(estimator).set_params(
            **params, validation_fraction=validation_fraction, random_state=seed
        )
        candidate.fit(X, y, callbacks=[_pruning_callback(trial, "val_accuracy")])
        return max(candidate.history_["val_accuracy"])

    study.optimize(objective, n_trials=n_trials, timeout=timeout, callbacks=callbacks)
    return study


def optuna_results_table(study):
    """One row per trial: parameters, state, best validation accuracy, epochs.

    Parameters
    ----------
    study : optuna.Study
        A study run by :func:`tune_with_optuna`.

    Returns
    -------
    table : pandas.DataFrame
        Sorted by validation accuracy, best first; pruned trials show the
        accuracy they had reached.
    """
    rows = []
    for trial in study.trials:
        intermediate = trial.intermediate_values
        rows.append({
            "trial": trial.number,
            "state": trial.state.name.lower(),
            "validation_accuracy": trial.value if trial.value is not None
            else (max(intermediate.values()) if intermediate else np.nan),
            "epochs": len(intermediate),
            **{k: str(v) if isinstance(v, tuple) else v
               for k, v in trial.user_attrs.get("params", {}).items()},
        })
    return pd.DataFrame(rows).sort_values("validation_accuracy", ascending=False,
                                          ignore_index=True)
