"""Optuna search with per-epoch pruning through a Keras callback.

optuna-integration's ``OptunaSearchCV`` prunes through ``partial_fit`` but
only samples scalar parameters, while layer sizes here are tuples; this thin
integration samples any parameter through a function of the trial and prunes
on the validation accuracy Keras reports after each epoch.

A study can live in an Optuna RDB storage (SQLite, PostgreSQL, MySQL), where
it outlives the process and is shared by workers: ``n_trials`` is then the
study's total, and the search it was created for is stored with it so that a
different one cannot add trials to it.
"""

import contextlib
import hashlib
import os
import re
import socket
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.base import clone

from ._split import holdout_split

# The study user attribute that records the search a study was created for.
_DEFINITION_ATTR = "fmnist_estimators_search"


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


def _masked(url):
    """``url`` with its password replaced by ``***``."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL SQLAlchemy can parse: mask what looks like one
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", str(url))


def _where(storage):
    """Names a storage in messages: its URL, password masked, or its type."""
    if isinstance(storage, (str, os.PathLike)):
        return _masked(str(storage))
    url = getattr(storage, "url", None)
    return _masked(url) if url else type(storage).__name__


class StudyConflictError(ValueError):
    """A study name that is taken, or a study created for another search."""


def _first_line(error):
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0].strip() if text else type(error).__name__


@contextlib.contextmanager
def _quiet_experimental():
    # Optuna flags the heartbeat as experimental: a warning nobody can act on.
    optuna = _import_optuna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        yield


def optuna_storage(url, *, heartbeat_interval=10, grace_period=60, connect_timeout=10):
    """An Optuna RDB storage that fails fast and notices killed workers.

    A thin wrapper of ``optuna.storages.RDBStorage``: it gives up connecting
    after ``connect_timeout`` seconds (PostgreSQL and MySQL) with one clear
    line naming the URL, password masked, and it records a heartbeat of
    every running trial, so that a trial whose worker was killed is marked
    failed ``grace_period`` seconds after its last heartbeat instead of
    staying "running" for ever.

    Parameters
    ----------
    url : str
        A SQLAlchemy database URL: ``sqlite:///tune.db`` for one machine,
        ``postgresql://user:password@host/database`` (the ``postgres`` extra)
        or ``mysql://...`` for workers on several machines.
    heartbeat_interval : int, default=10
        Seconds between two heartbeats of a running trial.
    grace_period : int, default=60
        Seconds without a heartbeat after which a running trial counts as
        failed.
    connect_timeout : int, default=10
        Seconds to wait for a PostgreSQL or MySQL server to answer.

    Returns
    -------
    storage : optuna.storages.RDBStorage
        Pass it as ``storage`` to :func:`tune_with_optuna`.

    Raises
    ------
    ValueError
        If ``url`` is not a database URL SQLAlchemy knows.
    ImportError
        If the database's Python driver is not installed.
    ConnectionError
        If the database cannot be reached or opened.
    """
    optuna = _import_optuna()
    import sqlalchemy.exc
    from sqlalchemy.engine import make_url

    where = _masked(url)
    try:
        backend = make_url(url).get_backend_name()
    except sqlalchemy.exc.ArgumentError:
        raise ValueError(
            f"Not a database URL: {where!r}; expected e.g. 'sqlite:///tune.db' or "
            "'postgresql://user:password@host/database'."
        ) from None
    if backend == "sqlite":
        # Workers sharing one SQLite file wait for each other's writes.
        connect_args = {"timeout": 60}
    elif backend in ("postgresql", "mysql"):
        connect_args = {"connect_timeout": int(connect_timeout)}
    else:
        connect_args = {}
    try:
        return _create_storage(
            optuna, url, engine_kwargs={"connect_args": connect_args},
            heartbeat_interval=heartbeat_interval, grace_period=grace_period,
        )
    except sqlalchemy.exc.NoSuchModuleError:
        raise ValueError(
            f"The storage URL {where!r} names a database SQLAlchemy does not know ({backend!r})."
        ) from None
    except ImportError as error:
        # Optuna re-raises SQLAlchemy's ModuleNotFoundError without its name.
        driver = getattr(error.__cause__, "name", None) or error.name
        extra = ""
        if backend == "postgresql":
            extra = " (pip install 'fmnist-estimators[postgres]'" + (
                ")" if driver == "psycopg" else ", whose driver postgresql+psycopg:// names)")
        raise ImportError(
            f"The Optuna storage {where} needs the Python driver "
            f"{repr(driver) if driver else 'of its database'}, which is not installed{extra}."
        ) from error
    except sqlalchemy.exc.SQLAlchemyError as error:
        reason = _first_line(error)
        password = make_url(url).password
        if password:
            reason = reason.replace(str(password), "***")
        if backend == "sqlite":
            reason += " (does its folder exist?)"
        raise ConnectionError(f"Cannot reach the Optuna storage {where}: {reason}") from None


def _create_storage(optuna, url, *, attempts=3, **kwargs):
    """An ``RDBStorage``, tried again when another worker creates its tables too.

    Workers started together on an empty database create Optuna's schema at
    the same moment; PostgreSQL then refuses all but one with a duplicate
    key. The schema exists by the next attempt.
    """
    import sqlalchemy.exc

    for attempt in range(attempts):
        try:
            with _quiet_experimental():
                return optuna.storages.RDBStorage(url, **kwargs)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError) as error:
            racing = any(text in str(error) for text in ("duplicate key", "already exists"))
            if not racing or attempt == attempts - 1:
                raise
            time.sleep(0.5 * (attempt + 1))


def _search_definition(estimator, search_space, X, y, validation_fraction, seed):
    """What makes trials comparable: space, direction, estimator and data."""
    optuna = _import_optuna()
    # One throw-away trial records the distributions the space samples.
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        dry_trial = optuna.create_study(
            sampler=optuna.samplers.RandomSampler(seed=0)
        ).ask()
    finally:
        optuna.logging.set_verbosity(verbosity)
    search_space(dry_trial)
    data = hashlib.sha256()
    for array in (X, y):
        array = np.ascontiguousarray(np.asarray(array))
        data.update(str((array.shape, array.dtype.str)).encode())
        data.update(array.data)
    return {
        "direction": "maximize",
        "search_space": {
            name: optuna.distributions.distribution_to_json(distribution)
            for name, distribution in dry_trial.distributions.items()
        },
        "estimator": type(estimator).__name__,
        "epochs": estimator.get_params().get("epochs"),
        "validation_fraction": float(validation_fraction),
        "n_samples": int(len(y)),
        "data_sha256": data.hexdigest(),
        "holdout_seed": int(seed),
    }


def _space_differences(stored, current):
    optuna = _import_optuna()
    to_distribution = optuna.distributions.json_to_distribution
    lines = []
    for name in sorted(set(stored) | set(current)):
        if name not in current:
            lines.append(f"{name} only in the stored space")
        elif name not in stored:
            lines.append(f"{name} only in this space")
        elif to_distribution(stored[name]) != to_distribution(current[name]):
            lines.append(f"{name} is {to_distribution(stored[name])} there, "
                         f"{to_distribution(current[name])} here")
    return lines


def _check_definition(study, definition, random_state, where):
    """The stored definition, or a StudyConflictError naming how this search differs."""
    optuna = _import_optuna()
    name = f"Study {study.study_name!r} in {where}"
    if list(study.directions) != [optuna.study.StudyDirection.MAXIMIZE]:
        directions = ", ".join(d.name.lower() for d in study.directions)
        raise StudyConflictError(
            f"{name} has direction {directions}, but this search maximizes the validation "
            "accuracy; choose another study name."
        )
    stored = study.user_attrs.get(_DEFINITION_ATTR)
    if stored is None:
        if study.trials:
            raise StudyConflictError(
                f"{name} has {len(study.trials)} trial(s) that tune_with_optuna did not "
                "run (it records no search space); choose another study name."
            )
        study.set_user_attr(_DEFINITION_ATTR, definition)
        stored = study.user_attrs[_DEFINITION_ATTR]
    if random_state is None:
        definition = {**definition, "holdout_seed": stored.get("holdout_seed")}
    differences = _space_differences(stored.get("search_space", {}),
                                     definition["search_space"])
    labels = {
        "direction": "direction", "estimator": "estimator", "epochs": "epochs",
        "validation_fraction": "validation_fraction", "n_samples": "training images",
        "data_sha256": "training data (SHA-256)", "holdout_seed": "random_state",
    }
    for key, label in labels.items():
        if stored.get(key) != definition[key]:
            differences.append(f"{label} {stored.get(key)!r} there, {definition[key]!r} here")
    if differences:
        raise StudyConflictError(
            f"{name} was created for another search, and its trials would be mixed with "
            f"this one's: {'; '.join(differences)}. Choose another study name, or run the "
            "search it was created for."
        )
    return stored


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


def _open_study(optuna, storage, study_name, load_if_exists, sampler, pruner):
    where = _where(storage)
    try:
        study = optuna.create_study(
            storage=storage, study_name=study_name, load_if_exists=load_if_exists,
            direction="maximize", sampler=sampler, pruner=pruner,
        )
    except optuna.exceptions.DuplicatedStudyError:
        raise StudyConflictError(
            f"Study {study_name!r} already exists in {where}; pass load_if_exists=True "
            "(--resume on the command line) to continue it, or choose another study name."
        ) from None
    return study, where


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
