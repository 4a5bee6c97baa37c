"""Optuna studies in a database: the storage, its errors, opening a study.

A study can live in an Optuna RDB storage (SQLite, PostgreSQL, MySQL), where
it outlives the process and is shared by workers.
"""

import contextlib
import os
import re
import time
import warnings


def _import_optuna():
    try:
        import optuna
    except ImportError as error:
        raise ImportError(
            "Optuna tuning needs the optional dependency optuna: "
            "pip install 'fmnist-estimators[tune]' (or pip install optuna)."
        ) from error
    return optuna


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
