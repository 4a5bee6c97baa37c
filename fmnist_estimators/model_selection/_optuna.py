"""Optuna search with per-epoch pruning through a Keras callback.

optuna-integration's ``OptunaSearchCV`` prunes through ``partial_fit`` but
only samples scalar parameters, while layer sizes here are tuples; this thin
integration samples any parameter through a function of the trial and prunes
on the validation accuracy Keras reports after each epoch.

A study can live in an Optuna RDB storage (SQLite, PostgreSQL, MySQL), where
it outlives the process and is shared by workers: ``n_trials`` is then the
study's total, and the search it was created for is stored with it so that a
different one cannot add trials to it (``_study_definition``). The storage
itself is opened by ``_optuna_storage``, the search spaces are in
``_search_spaces``.
"""

import os
import socket
import time

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._optuna_storage import _import_optuna, _open_study, _quiet_experimental, optuna_storage
from ._split import holdout_split
from ._study_definition import _check_definition, _search_definition


class _SurplusTrial(Exception):
    """A trial asked for while the study's other workers were filling its total."""


_FINISHED = ("COMPLETE", "PRUNED")


def _wait_for_room(study, n_trials, heartbeat, *, before=None, deadline=None):
    """Whether the study needs another trial, waiting on running ones that may fail.

    Trials running elsewhere hold their place while their heartbeat is alive;
    if their worker dies they are marked failed, and their place is free
    again. Without a heartbeat, a killed worker's trial would look alive for
    ever, so running trials are not counted then.
    """
    optuna = _import_optuna()
    states = tuple(optuna.trial.TrialState[name] for name in (*_FINISHED, "RUNNING"))
    while True:
        trials = [t for t in study.get_trials(deepcopy=False, states=states)
                  if before is None or t.number < before]
        n_finished = sum(t.state.name in _FINISHED for t in trials)
        if n_finished >= n_trials:
            return False
        n_running = len(trials) - n_finished if heartbeat else 0
        if n_finished + n_running < n_trials:
            return True
        if deadline is not None and time.monotonic() >= deadline:
            return False
        time.sleep(heartbeat)
        with _quiet_experimental():
            optuna.storages.fail_stale_trials(study)


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
                     callbacks=None, storage=None, study_name=None, load_if_exists=False):
    """Search hyperparameters with Optuna, pruning bad trials epoch by epoch.

    Each trial sets the parameters that ``search_space(trial)`` returns on a
    clone of ``estimator`` and trains it on ``X`` with the same validation
    hold-out (:func:`holdout_split`) for every trial. After each epoch the
    validation accuracy is reported to Optuna, whose pruner (median by
    default) stops trials that fall behind.

    With a ``storage``, the study is kept in a database: a search that was
    interrupted (Ctrl-C, a killed process) continues with
    ``load_if_exists=True`` and keeps its finished trials, and several
    processes or machines running the same call share one study. The search
    space, direction, estimator and training data are stored with a new study
    and compared when it is loaded, so that a different search cannot add
    its trials to it.

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
        Number of finished (complete or pruned) trials the study should have
        in all: trials kept from an earlier run or run by other workers on
        the same storage count, failed ones do not. A trial running in
        another worker holds its place while its heartbeat lasts, so workers
        sharing a storage stop at ``n_trials`` rather than each running
        ``n_trials``.
    timeout : float, default=None
        Stop starting trials after this many seconds.
    validation_fraction : float, default=0.1
        Hold-out that scores every trial.
    random_state : int, default=None
        Seeds the hold-out and every trial's estimator, and the sampler of a
        new in-memory study. A study on a storage takes the seed it was
        created with when ``random_state`` is None; its sampler is not
        seeded, so that workers and resumed runs do not repeat each other's
        first trials.
    study : optuna.Study, default=None
        A study to continue, maximising validation accuracy; by default a new
        in-memory study with a TPE sampler and a median pruner. Give either
        ``study`` or ``storage``.
    callbacks : list of callable, default=None
        Passed to ``study.optimize``: each is called as ``callback(study,
        trial)`` after every trial, e.g. to log progress.
    storage : str or optuna.storages.BaseStorage, default=None
        Where the study is kept: a database URL such as ``sqlite:///tune.db``
        or ``postgresql://user:password@host/database``, opened by
        :func:`optuna_storage` (a heartbeat every 10 s; a killed worker's
        trial is failed after 60 s), or a storage object.
    study_name : str, default=None
        Name of the study in ``storage``; Optuna picks a unique one if None.
    load_if_exists : bool, default=False
        Continue the study ``study_name`` if ``storage`` already has it;
        otherwise an existing study is an error.

    Returns
    -------
    study : optuna.Study
        The study; ``study.best_trial.user_attrs["params"]`` holds the best
        estimator parameters, and :func:`optuna_results_table` tabulates it.

    Raises
    ------
    ValueError
        If the study exists and ``load_if_exists`` is False, or it was
        created for another search space, direction, estimator or data.
    ConnectionError
        If the storage's database cannot be reached.
    """
    optuna = _import_optuna()
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive integer, got {n_trials!r}.")
    if storage is not None and study is not None:
        raise ValueError("Give either a study or a storage, not both.")
    if load_if_exists and storage is None:
        raise ValueError("load_if_exists=True needs a storage to load the study from.")
    pruner = optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=1)
    if storage is not None:
        if isinstance(storage, (str, os.PathLike)):
            storage = optuna_storage(str(storage))
        study, where = _open_study(
            optuna, storage, study_name, load_if_exists, optuna.samplers.TPESampler(), pruner
        )
    elif study is None:
        study = optuna.create_study(
            study_name=study_name, direction="maximize",
            sampler=optuna.samplers.TPESampler(seed=random_state), pruner=pruner,
        )
        where = "memory"
    else:
        where = "the given storage"
    # Every trial's estimator holds out the same images: its split depends only
    # on y, validation_fraction and random_state, which all trials share.
    seed = np.random.randint(2**31 - 1) if random_state is None else random_state
    definition = _check_definition(
        study, _search_definition(estimator, search_space, X, y, validation_fraction, seed),
        random_state, where,
    )
    seed = definition["holdout_seed"]
    if not len(holdout_split(y, validation_fraction=validation_fraction, random_state=seed)[1]):
        raise ValueError("Too few samples to hold out validation data for the search.")
    heartbeat = getattr(storage if storage is not None else getattr(study, "_storage", None),
                        "get_heartbeat_interval", lambda: None)()
    deadline = None if timeout is None else time.monotonic() + timeout
    worker = f"{socket.gethostname()}:{os.getpid()}"

    def objective(trial):
        # Two workers may ask for the last place at once: the later one gives way.
        if not _wait_for_room(trial.study, n_trials, heartbeat, before=trial.number,
                              deadline=deadline):
            trial.set_user_attr("surplus", True)
            raise _SurplusTrial(f"the study already has its {n_trials} trials")
        trial.set_user_attr("worker", worker)
        params = search_space(trial)
        trial.set_user_attr("params", params)
        candidate = clone(estimator).set_params(
            **params, validation_fraction=validation_fraction, random_state=seed
        )
        candidate.fit(X, y, callbacks=[_pruning_callback(trial, "val_accuracy")])
        return max(candidate.history_["val_accuracy"])

    def stop_when_full(study, trial):
        if not _wait_for_room(study, n_trials, heartbeat, deadline=deadline):
            study.stop()

    if _wait_for_room(study, n_trials, heartbeat, deadline=deadline):
        study.optimize(
            objective, timeout=timeout, catch=(_SurplusTrial,),
            callbacks=[*(callbacks or []), stop_when_full],
        )
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
        accuracy they had reached. Failed trials (e.g. of a killed worker)
        are listed; the places a worker gave way to another one are not.
    """
    rows = []
    for trial in study.trials:
        if trial.user_attrs.get("surplus"):
            continue
        intermediate = trial.intermediate_values
        rows.append({
            "trial": trial.number,
            "state": trial.state.name.lower(),
            "validation_accuracy": trial.value if trial.value is not None
            else (max(intermediate.values()) if intermediate else np.nan),
            "epochs": len(intermediate),
            # Tuples come back from a database storage as lists.
            **{k: str(tuple(v)) if isinstance(v, (tuple, list)) else v
               for k, v in trial.user_attrs.get("params", {}).items()},
        })
    return pd.DataFrame(rows).sort_values("validation_accuracy", ascending=False,
                                          ignore_index=True)
