"""Smoke tests: every estimator family trains, predicts and reloads.

Cheap enough for every ``python -m pytest`` run; CI also runs this module in
an environment with every dependency at its declared minimum
(``make test-minimum``), where it checks that the floors in
``pyproject.toml`` are true.
"""

import importlib.util
import os
import pickle
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import keras
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from fmnist_estimators import (
    ImageReshaper, MisclassifiedImagesDisplay, TrainingHistoryDisplay, list_recipes,
    make_recipe,
)

ROOT = Path(__file__).resolve().parents[2]
N_TRAIN = 300
N_TEST = 200
# Every recipe (their estimators' defaults included: "ann", "cnn", "resnet"), plus a
# CNN fed image tensors by ImageReshaper in a pipeline.
FAMILIES = [*list_recipes(), "reshaper-pipeline"]


def _make(family):
    if family == "reshaper-pipeline":
        return make_pipeline(ImageReshaper(output="image", scale=255), _make("cnn"))
    estimator = make_recipe(family, epochs=1, random_state=0)
    params = estimator.get_params()
    # Each recipe's layers and training, on an eighth of its width: the
    # versions decide whether these run, the width only how long they take.
    narrower = {
        "filters": tuple(max(4, n // 8) for n in params.get("filters", ())),
        "dense_units": tuple(max(8, n // 8) for n in params.get("dense_units", ())),
    }
    return estimator.set_params(
        **{name: value for name, value in narrower.items() if name in params}
    )


def _network(estimator):
    return estimator[-1].model_ if hasattr(estimator, "steps") else estimator.model_


@pytest.fixture(scope="module")
def data(fashion_train, fashion_test):
    (X, y), (X_test, _) = fashion_train, fashion_test
    return X[:N_TRAIN], y[:N_TRAIN], X_test[:N_TEST]


@pytest.fixture(scope="module", params=FAMILIES)
def fitted(request, data):
    """One estimator per family, fitted for one epoch, shared by the tests."""
    X, y, _ = data
    return request.param, _make(request.param).fit(X, y)


def test_fit_predicts_probabilities(fitted, data):
    _, estimator = fitted
    X_test = data[2]
    proba = estimator.predict_proba(X_test)
    assert proba.shape == (N_TEST, 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    assert set(estimator.predict(X_test)) <= set(range(10))
    history = (estimator[-1] if hasattr(estimator, "steps") else estimator).history_
    assert len(history["loss"]) == 1 and np.isfinite(history["loss"][0])


def test_pickle_round_trip_predicts_the_same(fitted, data):
    _, estimator = fitted
    X_test = data[2]
    reloaded = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(reloaded.predict(X_test), estimator.predict(X_test))
    np.testing.assert_allclose(
        reloaded.predict_proba(X_test), estimator.predict_proba(X_test), rtol=1e-6, atol=1e-7
    )


def test_keras_file_loads_without_this_package(fitted, data, tmp_path):
    _, estimator = fitted
    network = _network(estimator)
    images = np.asarray(data[2].reshape(N_TEST, -1), dtype="float32")
    path = tmp_path / "network.keras"
    network.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded.predict_on_batch(images)),
        keras.ops.convert_to_numpy(network.predict_on_batch(images)),
        rtol=1e-5, atol=1e-6,
    )


def test_displays_draw(data, close_figures):
    X, y, _ = data
    estimator = _make("seed-ann").fit(X, y)
    history = TrainingHistoryDisplay.from_estimator(estimator)
    assert len(history.lines_) == 4  # accuracy and loss, training and validation
    errors = MisclassifiedImagesDisplay.from_estimator(estimator, X, y, n_images=4)
    assert np.all(errors.y_pred != errors.y_true)


def test_optuna_search(data):
    pytest.importorskip("optuna")
    from fmnist_estimators.model_selection import (
        ann_search_space, optuna_results_table, tune_with_optuna,
    )

    X, y, _ = data
    study = tune_with_optuna(
        make_recipe("ann", epochs=1), ann_search_space, X, y, n_trials=2, random_state=0
    )
    table = optuna_results_table(study)
    assert len(table) == 2
    assert 0.0 <= study.best_value <= 1.0


def test_dask_search(data):
    distributed = pytest.importorskip("dask.distributed")
    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y, _ = data
    # Threads, not processes: this checks the Dask versions, not the start-up of
    # worker processes (tests/test_model_selection.py does that). Two threads,
    # since joblib runs a single-thread backend's tasks itself.
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        with distributed.get_task_stream(client) as tasks:
            with joblib.parallel_config(backend="dask"):
                search = GridSearchCV(
                    make_recipe("ann", epochs=1, random_state=0),
                    {"learning_rate": [1e-3]}, cv=2, refit=False,
                ).fit(X, y)
    assert len(tasks.data) >= 2  # the two fits ran as the cluster's tasks
    assert search.cv_results_["mean_test_score"].shape == (1,)


_JAX_SCRIPT = textwrap.dedent("""
    import pickle
    import numpy as np
    from fmnist_estimators import make_recipe
    from fmnist_estimators._backend import _jax_steps
    from fmnist_estimators.datasets import fetch_fashion_mnist

    bunch = fetch_fashion_mnist(subset="train")
    X, y = bunch.images[:256], bunch.target[:256]
    # The recipe with the most layers and options, narrowed (XLA's compilation
    # is most of the cost). 256 images in batches of 8 make one whole
    # execution, so the scanned loop runs, over the training set on the
    # device, as on a GPU (a CPU keeps Keras' loop unless told otherwise).
    _jax_steps._LOOPED_PLATFORMS = frozenset()
    clf = make_recipe("best-cnn", filters=(4, 8), dense_units=(16,), epochs=1,
                      batch_size=8, validation_fraction=0.0, random_state=0).fit(X, y)
    assert clf.model_._fmnist_scanned_steps[0] == "on device"
    reloaded = pickle.loads(pickle.dumps(clf))
    assert (reloaded.predict(X) == clf.predict(X)).all()
    assert np.isfinite(clf.history_["loss"][0])
    print("ok")
""")


def test_jax_backend():
    pytest.importorskip("jax")
    result = subprocess.run(
        [sys.executable, "-c", _JAX_SCRIPT], env={**os.environ, "KERAS_BACKEND": "jax"},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("ok")


def test_every_floor_is_pinned_to_a_full_release():
    spec = importlib.util.spec_from_file_location(
        "minimum_versions", ROOT / ".ci" / "minimum_versions.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    pins = dict(pin.split("==") for pin in script.constraints(pyproject))
    assert {"keras", "tensorflow", "numpy", "scikit-learn", "scikeras"} <= set(pins)
    # major.minor.micro, so that "==" names one release and not a series.
    assert all(len(version.split(".")) == 3 for version in pins.values()), pins
    assert script.floor("dask[distributed]>=2024.1.0,<2025") == "dask==2024.1.0"
    assert script.floor("scikeras==0.13.*") == "scikeras==0.13.0"
    with pytest.raises(ValueError, match="lower bound"):
        script.floor("keras<4")
