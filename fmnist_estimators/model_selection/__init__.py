"""Helpers to select and compare models with scikit-learn's tools."""

from ._optuna import optuna_results_table, tune_with_optuna
from ._optuna_storage import optuna_storage
from ._parallel import threads_per_worker, worker_thread_limits
from ._reports import cross_validation_report, search_results_table
from ._search_spaces import ann_search_space, cnn_search_space
from ._split import holdout_split

__all__ = [
    "ann_search_space",
    "cnn_search_space",
    "cross_validation_report",
    "holdout_split",
    "optuna_results_table",
    "optuna_storage",
    "search_results_table",
    "threads_per_worker",
    "tune_with_optuna",
    "worker_thread_limits",
]
