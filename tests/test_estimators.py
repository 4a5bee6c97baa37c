"""ANNClassifier and CNNClassifier on real Fashion-MNIST images."""

import os
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_validate,
)
from sklearn.pipeline import make_pipeline

from fmnist_estimators import (
    ANNClassifier,
    CNNClassifier,
    ImageReshaper,
    ResNetClassifier,
    make_recipe,
)

FAMILIES = [ANNClassifier, CNNClassifier, ResNetClassifier]
# The study's plain training (no schedule, no regularisation) learns fastest on
# the few epochs and images these tests can afford.
PLAIN = {"lr_schedule": "constant", "learning_rate": 1e-3, "dropout": 0.0,
         "batch_normalization": False, "random_flip": False}
SMALL = {
    ANNClassifier: {"hidden_layer_sizes": (64,), "batch_size": 32, **PLAIN},
    CNNClassifier: {"filters": (8, 16), "dense_units": (32,), "batch_size": 32, **PLAIN},
    # Pre-activation blocks learn this fast only with their normalisation.
    ResNetClassifier: {"filters": (8, 16, 32), "batch_size": 32, **PLAIN,
                       "batch_normalization": True, "learning_rate": 3e-3},
}


def make_small(estimator_class, **params):
    """A small network that still learns something in a few epochs."""
    return estimator_class(
        **{**SMALL[estimator_class], "epochs": 3, "random_state": 0, **params}
    )


@pytest.fixture(scope="module", params=FAMILIES, ids=lambda c: c.__name__)
def fitted(request, fashion_train):
    """One fitted model per family, shared by the tests that only read it."""
    X, y = fashion_train
    return make_small(request.param).fit(X, y)


def test_is_classifier():
    assert is_classifier(ANNClassifier())
    assert is_classifier(CNNClassifier())
    cv = check_cv(3, np.arange(30) % 2, classifier=is_classifier(CNNClassifier()))
    assert isinstance(cv, StratifiedKFold)


def test_seed_cnn_layer_shapes(fashion_train):
    X, y = fashion_train
    cnn = make_recipe("seed-cnn").initialize(X[:50], y[:50])
    conv_shapes = [
        layer.output.shape[1:]
        for layer in cnn.model_.layers
        if type(layer).__name__ in ("Conv2D", "MaxPooling2D")
    ]
    assert conv_shapes == [(26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64)]


def test_fitted_model_learns(fitted, fashion_test):
    X_test, y_test = fashion_test
    # Ten balanced classes: chance is 0.1.
    assert fitted.score(X_test, y_test) > 0.7
    proba = fitted.predict_proba(X_test)
    assert proba.shape == (len(X_test), 10)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(fitted.classes_, np.arange(10))
    assert fitted.image_shape_ == (28, 28, 1)
    assert fitted.pixel_scale_ == 255.0
    assert fitted.n_features_in_ == 784


def test_history_has_per_epoch_metrics(fitted):
    history = fitted.history_
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert all(len(values) == 3 for values in history.values())
    assert history["loss"][-1] < history["loss"][0]
    assert fitted.n_iter_ == 3


@pytest.mark.parametrize(
    "reshape",
    [
        lambda X: X.reshape(len(X), -1),
        lambda X: X,
        lambda X: X[..., np.newaxis],
        lambda X: pd.DataFrame(X.reshape(len(X), -1)),
    ],
    ids=["flat", "images", "channel", "dataframe"],
)
def test_every_input_shape_gives_the_same_predictions(fitted, fashion_test, reshape):
    X_test, _ = fashion_test
    expected = fitted.predict_proba(X_test[:200])
    np.testing.assert_allclose(fitted.predict_proba(reshape(X_test[:200])), expected)


def test_predictions_do_not_depend_on_sample_order(fitted, fashion_test):
    """scikit-learn's order check at float32 resolution (see test_common.py)."""
    X_test = fashion_test[0][:300]
    order = np.random.default_rng(0).permutation(len(X_test))
    np.testing.assert_allclose(
        fitted.predict_proba(X_test[order]), fitted.predict_proba(X_test)[order],
        rtol=1e-5, atol=1e-7,
    )
    np.testing.assert_array_equal(fitted.predict(X_test[order]), fitted.predict(X_test)[order])


def test_prescaled_input_is_equivalent(fashion_train, fashion_test):
    X, y = fashion_train
    X_test, _ = fashion_test
    raw = make_small(ANNClassifier).fit(X, y)
    scaled = make_small(ANNClassifier).fit(X / 255.0, y)
    assert scaled.pixel_scale_ == 1.0
    np.testing.assert_allclose(
        raw.predict_proba(X_test[:100]),
        scaled.predict_proba(X_test[:100] / 255.0),
        atol=1e-4,
    )


@pytest.mark.parametrize("estimator_class", FAMILIES)
def test_string_labels_come_back_as_strings(estimator_class, fashion_train, target_names):
    X, y = fashion_train
    names = np.asarray(target_names)[y[:600]]
    clf = make_small(estimator_class, epochs=1).fit(X[:600], names)
    predicted = clf.predict(X[:20])
    assert predicted.dtype == names.dtype
    assert set(predicted) <= set(target_names)
    np.testing.assert_array_equal(clf.classes_, np.sort(np.unique(names)))


@pytest.mark.parametrize("estimator_class", FAMILIES)
def test_same_random_state_same_predictions(estimator_class, fashion_train, fashion_test):
    X, y = fashion_train
    X_test, _ = fashion_test
    first = make_small(estimator_class, epochs=1).fit(X[:1000], y[:1000])
    # Another fit in between must not change what the seed gives.
    make_small(estimator_class, epochs=1, random_state=1).fit(X[:500], y[:500])
    second = make_small(estimator_class, epochs=1).fit(X[:1000], y[:1000])
    np.testing.assert_array_equal(
        first.predict_proba(X_test[:200]), second.predict_proba(X_test[:200])
    )
    other = make_small(estimator_class, epochs=1, random_state=1).fit(X[:1000], y[:1000])
    assert not np.array_equal(
        first.predict_proba(X_test[:200]), other.predict_proba(X_test[:200])
    )


def test_fit_leaves_global_random_state_alone(fashion_train):
    X, y = fashion_train
    np.random.seed(123)
    expected = np.random.random_sample()
    np.random.seed(123)
    make_small(ANNClassifier, epochs=1).fit(X[:300], y[:300])
    assert np.random.random_sample() == expected


def test_fit_does_not_switch_on_tensorflow_op_determinism(fashion_train):
    # scikeras turns TensorFlow's op determinism on, globally, for every fit.
    pytest.importorskip("tensorflow")
    from tensorflow.python.framework import config

    X, y = fashion_train
    assert not config.is_op_determinism_enabled()
    make_small(CNNClassifier, epochs=1).fit(X[:300], y[:300])
    assert not config.is_op_determinism_enabled()


def test_routed_optimizer_parameters(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(
        hidden_layer_sizes=(8,), epochs=1, lr_schedule="constant", learning_rate=0.05,
        optimizer__beta_1=0.8,
    )
    assert clf.get_params()["optimizer__beta_1"] == 0.8
    clf.fit(X[:200], y[:200])
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.05)
    assert float(clf.model_.optimizer.beta_1) == pytest.approx(0.8)
    assert clone(clf).get_params()["optimizer__beta_1"] == 0.8  # survives cloning


def test_learning_rate_and_optimizer_parameters(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(
        hidden_layer_sizes=(8,), epochs=1, optimizer="sgd", learning_rate=0.02,
        lr_schedule="constant",
    ).fit(X[:200], y[:200])
    assert type(clf.model_.optimizer).__name__ == "SGD"
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.02)


def test_early_stopping_restores_best_epoch(fashion_train):
    X, y = fashion_train
    clf = make_small(
        ANNClassifier, epochs=30, early_stopping=True, n_iter_no_change=1,
        learning_rate=0.05,
    ).fit(X[:1000], y[:1000])
    assert clf.n_iter_ < 30


def test_early_stopping_needs_validation_data(fashion_train):
    X, y = fashion_train
    clf = make_small(ANNClassifier, early_stopping=True, validation_fraction=0.0)
    with pytest.raises(ValueError, match="validation_fraction"):
        clf.fit(X[:100], y[:100])


def test_no_validation_fraction_trains_on_all(fashion_train):
    X, y = fashion_train
    clf = make_small(ANNClassifier, epochs=1, validation_fraction=0.0).fit(X[:300], y[:300])
    assert set(clf.history_) == {"loss", "accuracy"}


def test_other_image_sizes(fashion_train):
    X, y = fashion_train
    # Crop to 20x20: the CNN adapts its layers to any grayscale size.
    cropped = X[:400, 4:24, 4:24]
    clf = make_small(CNNClassifier, epochs=1).fit(cropped, y[:400])
    assert clf.image_shape_ == (20, 20, 1)
    assert clf.predict(cropped[:5]).shape == (5,)
    with pytest.raises(ValueError, match="28x28"):
        clf.predict(X[:5])


def test_partial_fit_continues_training(fashion_train):
    X, y = fashion_train
    clf = make_small(ANNClassifier)
    clf.partial_fit(X[:500], y[:500], classes=np.arange(10))
    clf.partial_fit(X[500:1000], y[500:1000])
    assert len(clf.history_["loss"]) == 2


def test_pipeline_with_image_reshaper(fashion_train, fashion_test):
    X, y = fashion_train
    X_test, y_test = fashion_test
    pipe = make_pipeline(
        ImageReshaper(output="image", scale=255.0), make_small(CNNClassifier, epochs=2)
    )
    pipe.fit(X.reshape(len(X), -1), y)
    assert pipe[-1].pixel_scale_ == 1.0
    assert pipe.score(X_test, y_test) > 0.6


def test_grid_search_is_stratified_and_refits(fashion_train):
    X, y = fashion_train
    grid = GridSearchCV(
        make_small(ANNClassifier, epochs=1),
        {"learning_rate": [1e-3, 5e-3]},
        cv=2,
    ).fit(X[:600], y[:600])
    assert isinstance(check_cv(2, y, classifier=is_classifier(grid.estimator)), StratifiedKFold)
    assert grid.best_params_["learning_rate"] in (1e-3, 5e-3)
    assert grid.cv_results_["mean_test_score"].shape == (2,)
    assert grid.best_estimator_.predict(X[:5]).shape == (5,)


def test_cross_validate(fashion_train):
    X, y = fashion_train
    results = cross_validate(
        make_small(CNNClassifier, epochs=2), X[:1200], y[:1200], cv=2,
        scoring=["accuracy", "neg_log_loss"],
    )
    assert results["test_accuracy"].shape == (2,)
    assert np.all(results["test_accuracy"] > 0.3)
    assert np.all(results["test_neg_log_loss"] < 0)


def test_calibrated_and_voting_ensembles(fashion_train, fashion_test):
    X, y = fashion_train
    X_test, y_test = fashion_test
    calibrated = CalibratedClassifierCV(make_small(ANNClassifier, epochs=1), cv=2)
    calibrated.fit(X[:800], y[:800])
    assert calibrated.predict_proba(X_test[:10]).shape == (10, 10)
    voting = VotingClassifier(
        [("ann", make_small(ANNClassifier, epochs=1)),
         ("cnn", make_small(CNNClassifier, epochs=1))],
        voting="soft",
    ).fit(X[:800], y[:800])
    assert voting.score(X_test, y_test) > 0.5


def test_clone_is_unfitted_with_same_params(fitted):
    copy = clone(fitted)
    assert not hasattr(copy, "model_")
    assert copy.get_params() == fitted.get_params()


def test_pickle_round_trip(fitted, fashion_test):
    X_test, _ = fashion_test
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(
        restored.predict_proba(X_test), fitted.predict_proba(X_test)
    )
    assert restored.history_ == fitted.history_


def test_repr_shows_changed_parameters():
    assert repr(CNNClassifier(epochs=3)) == "CNNClassifier(epochs=3)"
    assert "optimizer__beta_1=0.5" in repr(ANNClassifier(optimizer__beta_1=0.5))


@pytest.mark.parametrize("backend", ["jax"])
def test_other_keras_backend_smoke(backend):
    pytest.importorskip(backend)
    script = textwrap.dedent(
        """
        import keras, numpy as np
        from fmnist_estimators import CNNClassifier
        from fmnist_estimators.datasets import fetch_fashion_mnist
        assert keras.backend.backend() == "{backend}"
        X, y = fetch_fashion_mnist(subset="test", return_X_y=True)
        params = dict(filters=(8,), dense_units=(16,), epochs=2, batch_size=32,
                      random_state=0)
        clf = CNNClassifier(**params).fit(X[:1500], y[:1500])
        again = CNNClassifier(**params).fit(X[:1500], y[:1500])
        score = clf.score(X[5000:6000], y[5000:6000])
        assert score > 0.5, score
        np.testing.assert_array_equal(clf.predict_proba(X[:50]),
                                      again.predict_proba(X[:50]))
        print("ok", score)
        """
    ).format(backend=backend)
    env = {**os.environ, "KERAS_BACKEND": backend}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok")
