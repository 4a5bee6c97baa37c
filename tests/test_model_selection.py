"""Searches and cross-validation reports with standard tools, on real images."""

import os
import sys

import joblib
import numpy as np
import pytest
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    cross_validate,
)
from sklearn.pipeline import make_pipeline

from fmnist_estimators import ANNClassifier, CNNClassifier, ImageReshaper
from fmnist_estimators.model_selection import (
    cnn_search_space,
    cross_validation_report,
    holdout_split,
    optuna_results_table,
    search_results_table,
    threads_per_worker,
    tune_with_optuna,
    worker_thread_limits,
)

# Plain training (no schedule, no regularisation) learns fastest in few epochs.
PLAIN = {"lr_schedule": "constant", "learning_rate": 1e-3, "dropout": 0.0,
         "batch_normalization": False, "random_flip": False}
SMALL_CNN = {"filters": (8, 16), "dense_units": (32,), "batch_size": 32, "random_state": 0,
             **PLAIN}
SEED_GRID = {"learning_rate": [1e-3, 5e-4], "batch_size": [64, 128]}


@pytest.fixture(scope="module")
def data(fashion_train):
    X, y = fashion_train
    return X[:1200], y[:1200]


@pytest.fixture(scope="module")
def seed_grid(data):
    """The seed's grid as a plain GridSearchCV on one validation hold-out."""
    X, y = data
    search = GridSearchCV(
        CNNClassifier(**{**SMALL_CNN, "epochs": 1, "validation_fraction": 0.0}),
        SEED_GRID,
        cv=[holdout_split(y, validation_fraction=0.1, random_state=0)],
        refit=False,
    )
    return search.fit(X, y)


def test_seed_grid_tidy_table(seed_grid):
    table = search_results_table(seed_grid)
    assert list(table.columns[:2]) == ["batch_size", "learning_rate"]
    assert len(table) == 4
    assert table["mean_score"].is_monotonic_decreasing
    assert table.loc[0, "rank"] == 1
    assert set(table["learning_rate"]) == {1e-3, 5e-4}
    assert table["batch_size"].dtype.kind == "i"


def test_grid_over_a_pipeline_with_image_reshaper(data):
    X, y = data
    pipe = make_pipeline(ImageReshaper(output="image"), CNNClassifier(**{**SMALL_CNN, "epochs": 1}))
    search = GridSearchCV(
        pipe, {"cnnclassifier__learning_rate": [1e-3, 5e-3]}, cv=2, refit=False,
    ).fit(X.reshape(len(X), -1), y)
    table = search_results_table(search)
    assert "cnnclassifier__learning_rate" in table.columns
    assert np.all(table["mean_score"] > 0.2)


def test_halving_search_with_epochs_as_resource(data):
    X, y = data
    search = HalvingGridSearchCV(
        CNNClassifier(**SMALL_CNN), {"learning_rate": [3e-4, 1e-3, 3e-3]},
        resource="epochs", min_resources=1, max_resources=3, factor=3, cv=2,
        refit=False, random_state=0,
    ).fit(X, y)
    table = search_results_table(search)
    assert list(search.n_resources_) == [1, 3]
    assert set(table["n_resources"]) == {1, 3}
    assert (table["iter"] == 1).sum() == 1  # one candidate survives to 3 epochs


def test_halving_random_search_with_samples_as_resource(data):
    X, y = data
    search = HalvingRandomSearchCV(
        ANNClassifier(hidden_layer_sizes=(32,), epochs=1, random_state=0, lr_schedule="constant"),
        {"learning_rate": [1e-4, 1e-3, 1e-2], "batch_size": [32, 64]},
        n_candidates=4, resource="n_samples", min_resources=300, factor=2, cv=2,
        random_state=0, refit=False,
    ).fit(X, y)
    assert search.n_resources_[0] == 300
    assert len(search_results_table(search)) == len(search.cv_results_["params"])


def test_cross_validation_report(data):
    X, y = data
    results = {
        name: cross_validate(est, X, y, cv=2, scoring=["accuracy", "neg_log_loss"])
        for name, est in {
            "ANN": ANNClassifier(hidden_layer_sizes=(32,), epochs=1, random_state=0),
            "CNN": CNNClassifier(**{**SMALL_CNN, "epochs": 1}),
        }.items()
    }
    report = cross_validation_report(results)
    assert list(report.index) == ["ANN", "CNN"]
    assert {"accuracy", "neg_log_loss", "fit_time", "score_time"} <= set(report.columns)
    mean = results["CNN"]["test_accuracy"].mean()
    assert report.loc["CNN", "accuracy mean"] == pytest.approx(mean)
    assert report.loc["CNN", "accuracy"].startswith(f"{mean:.4f} ± ")
    with pytest.raises(ValueError, match="empty"):
        cross_validation_report({})


def test_optuna_search_reports_every_epoch(data):
    pytest.importorskip("optuna")
    X, y = data
    study = tune_with_optuna(
        CNNClassifier(**{**SMALL_CNN, "epochs": 2}), cnn_search_space, X, y,
        n_trials=3, random_state=0,
    )
    assert len(study.trials) == 3
    completed = [t for t in study.trials if t.state.name == "COMPLETE"]
    assert completed and all(len(t.intermediate_values) == 2 for t in completed)
    best = study.best_trial.user_attrs["params"]
    assert set(best) == {"learning_rate", "batch_size", "dropout", "filters", "dense_units"}
    table = optuna_results_table(study)
    assert table["validation_accuracy"].is_monotonic_decreasing
    assert table.loc[0, "validation_accuracy"] == pytest.approx(study.best_value)


def test_optuna_prunes_after_an_epoch(data):
    optuna = pytest.importorskip("optuna")
    X, y = data
    study = optuna.create_study(
        direction="maximize", pruner=optuna.pruners.ThresholdPruner(lower=0.999)
    )
    tune_with_optuna(
        CNNClassifier(**{**SMALL_CNN, "epochs": 3}), cnn_search_space, X, y,
        n_trials=1, random_state=0, study=study,
    )
    trial = study.trials[0]
    assert trial.state.name == "PRUNED"
    assert list(trial.intermediate_values) == [0]
    assert optuna_results_table(study).loc[0, "state"] == "pruned"


def test_missing_optuna_has_a_clear_message(monkeypatch, data):
    X, y = data
    monkeypatch.setitem(sys.modules, "optuna", None)
    with pytest.raises(ImportError, match="pip install"):
        tune_with_optuna(CNNClassifier(), cnn_search_space, X, y)


def test_threads_per_worker():
    assert threads_per_worker(1, n_cores=8) == 8
    assert threads_per_worker(2, n_cores=8) == 4
    assert threads_per_worker(-1, n_cores=8) == 1
    assert threads_per_worker(16, n_cores=2) == 1


def test_worker_thread_limits_reach_the_workers(data):
    X, y = data
    before = os.environ.get("TF_NUM_INTRAOP_THREADS")
    with worker_thread_limits(n_jobs=2, n_cores=2) as n_threads:
        assert n_threads == 1
        seen = joblib.Parallel(n_jobs=2)(
            joblib.delayed(os.environ.get)("TF_NUM_INTRAOP_THREADS") for _ in range(2)
        )
        search = GridSearchCV(
            ANNClassifier(hidden_layer_sizes=(16,), epochs=1, random_state=0, **PLAIN),
            {"learning_rate": [1e-3, 1e-2]}, cv=2, n_jobs=2, refit=False,
        ).fit(X[:400], y[:400])
    assert seen == ["1", "1"]
    assert os.environ.get("TF_NUM_INTRAOP_THREADS") == before
    assert search.cv_results_["mean_test_score"].shape == (2,)


def test_search_on_a_dask_cluster(data):
    distributed = pytest.importorskip("dask.distributed")
    X, y = data
    with worker_thread_limits(n_jobs=2, n_cores=2):
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_config(backend="dask"):
                search = GridSearchCV(
                    ANNClassifier(hidden_layer_sizes=(16,), epochs=1, random_state=0, **PLAIN),
                    {"learning_rate": [1e-3, 1e-2]}, cv=2, refit=False,
                ).fit(X[:400], y[:400])
    # The four fits ran as tasks on the cluster's worker processes.
    assert len(tasks.data) >= 4
    assert all(task["worker"].startswith("tcp://127.0.0.1") for task in tasks.data)
    assert np.all(search.cv_results_["mean_test_score"] > 0.1)
