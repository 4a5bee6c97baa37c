"""Parallel searches without more threads than cores."""

import contextlib
import os

# TensorFlow reads the first two when its runtime starts in a worker process;
# the others cover OpenMP and BLAS builds (NumPy, oneDNN).
_THREAD_VARIABLES = (
    "TF_NUM_INTRAOP_THREADS",
    "TF_NUM_INTEROP_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
)


def threads_per_worker(n_jobs, n_cores=None):
    """Threads each of ``n_jobs`` workers may use so that they fill the cores.

    Parameters
    ----------
    n_jobs : int or None
        The ``n_jobs`` of a search; None or 1 for one worker, -1 for one per
        core.
    n_cores : int, default=None
        Cores to share; ``os.cpu_count()`` by default.

    Returns
    -------
    n_threads : int
        At least 1.

    Examples
    --------
    >>> from fmnist_estimators.model_selection import threads_per_worker
    >>> threads_per_worker(2, n_cores=8)
    4
    """
    n_cores = os.cpu_count() if n_cores is None else n_cores
    if n_jobs is None or n_jobs == 1:
        return n_cores
    n_workers = n_cores if n_jobs < 0 else min(n_jobs, n_cores)
    return max(1, n_cores // n_workers)


@contextlib.contextmanager
def worker_thread_limits(n_jobs, *, n_cores=None):
    """Limit the threads of the worker processes a parallel search starts.

    Each Keras worker would otherwise start one thread per core, so
    ``GridSearchCV(n_jobs=2)`` on 2 cores runs 4 busy threads. Inside this
    context, worker processes started by joblib's default (loky) backend, or
    by a local Dask cluster, inherit environment variables that cap
    TensorFlow's, OpenMP's and BLAS's thread pools at
    ``n_cores // n_jobs``. The current process's own thread pools, already
    started, are not affected.

    Parameters
    ----------
    n_jobs : int
        The ``n_jobs`` of the search (-1 for one worker per core).
    n_cores : int, default=None
        Cores to share; ``os.cpu_count()`` by default.

    Yields
    ------
    n_threads : int
        Threads allowed per worker.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> from fmnist_estimators.model_selection import worker_thread_limits
    >>> with worker_thread_limits(n_jobs=2):  # doctest: +SKIP
    ...     GridSearchCV(CNNClassifier(), grid, n_jobs=2).fit(X, y)
    """
    n_threads = threads_per_worker(n_jobs, n_cores)
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    os.environ.update({name: str(n_threads) for name in _THREAD_VARIABLES})
    os.environ["TF_NUM_INTEROP_THREADS"] = "1"
    try:
        yield n_threads
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
