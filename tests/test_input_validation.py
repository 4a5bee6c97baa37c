"""Bad input fails early, before any Keras code runs, with a message that names it."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import sparse

from fmnist_estimators import ANNClassifier, CNNClassifier

FAST = {"epochs": 1, "batch_size": 64, "random_state": 0}


@pytest.fixture(scope="module")
def fitted_cnn(fashion_train):
    X, y = fashion_train
    return CNNClassifier(filters=(4,), dense_units=(8,), **FAST).fit(X[:300], y[:300])


@pytest.fixture
def no_keras_calls(monkeypatch):
    """Fail the test if validation lets bad data reach Keras."""
    import keras

    def forbidden(*args, **kwargs):
        raise AssertionError("bad input reached Keras")

    monkeypatch.setattr(keras.Model, "fit", forbidden)
    monkeypatch.setattr(keras.Model, "predict", forbidden)
    monkeypatch.setattr(keras.Model, "__call__", forbidden)


def _nan_images(X):
    X = X[:20].astype(float)
    X[3, 5, 5] = np.nan
    return X


def _inf_images(X):
    X = X[:20].astype(float)
    X[0, 0, 0] = np.inf
    return X


BAD_FIT_INPUTS = [
    ("nan", _nan_images, None, ValueError, "NaN"),
    ("inf", _inf_images, None, ValueError, "infinity"),
    ("1-d", lambda X: X[0].ravel(), None, ValueError, "Expected 2D array"),
    ("empty", lambda X: X[:0], None, ValueError, "0 sample"),
    ("strings", lambda X: np.full((20, 4), "a"), None, TypeError, "numeric pixel"),
    ("objects", lambda X: np.array([[object()] * 4] * 20), None, TypeError, "numeric pixel"),
    ("sparse", lambda X: sparse.csr_matrix(X[:20].reshape(20, -1)), None, TypeError, "sparse"),
    # Colour is valid (tests/test_channels.py); channels-first and 5-D are not.
    ("channels-first", lambda X: np.repeat(X[:20, None], 3, axis=1), None, ValueError,
     "channels-first"),
    ("5-d", lambda X: X[:20, ..., None, None], None, ValueError, "5 dimensions"),
    ("lengths", lambda X: X[:20], lambda y: y[:19], ValueError, "inconsistent numbers"),
    ("one-class", lambda X: X[:20], lambda y: np.zeros(20, int), ValueError, "one class"),
    ("continuous-y", lambda X: X[:20], lambda y: np.linspace(0, 1, 20), ValueError, "Unknown label type"),
]


@pytest.mark.parametrize("estimator_class", [ANNClassifier, CNNClassifier])
@pytest.mark.parametrize(
    "make_X, make_y, error, match",
    [case[1:] for case in BAD_FIT_INPUTS],
    ids=[case[0] for case in BAD_FIT_INPUTS],
)
def test_bad_fit_input(estimator_class, make_X, make_y, error, match, fashion_train, no_keras_calls):
    X, y = fashion_train
    y = y[:20] if make_y is None else make_y(y[:20])
    with pytest.raises(error, match=match):
        estimator_class(**FAST).fit(make_X(X), y)


BAD_PREDICT_INPUTS = [
    ("27x27", lambda X: X[:5, :27, :27], "27x27"),
    ("32x32", lambda X: np.pad(X[:5], ((0, 0), (2, 2), (2, 2))), "32x32"),
    ("rgb", lambda X: np.repeat(X[:5, ..., None], 3, axis=3), "3 channels"),
    ("features", lambda X: X[:5].reshape(5, -1)[:, :700], "700 features"),
    ("nan", _nan_images, "NaN"),
]


@pytest.mark.parametrize(
    "make_X, match", [case[1:] for case in BAD_PREDICT_INPUTS],
    ids=[case[0] for case in BAD_PREDICT_INPUTS],
)
@pytest.mark.parametrize("method", ["predict", "predict_proba", "score"])
def test_bad_predict_input(fitted_cnn, fashion_test, make_X, match, method, no_keras_calls):
    X, y = fashion_test
    bad = make_X(X)
    args = (bad, y[: len(bad)]) if method == "score" else (bad,)
    with pytest.raises(ValueError, match=match):
        getattr(fitted_cnn, method)(*args)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    X=hnp.arrays(
        dtype=st.sampled_from([np.float32, np.float64, np.int64, np.uint8]),
        shape=hnp.array_shapes(min_dims=1, max_dims=5, min_side=0, max_side=6),
        elements={"allow_nan": True, "allow_infinity": True},
    )
)
def test_random_arrays_at_predict_never_reach_keras(fitted_cnn, no_keras_calls, X):
    """Whatever the shape or content, a mismatch is a ValueError or TypeError."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises((ValueError, TypeError)):
            fitted_cnn.predict_proba(X)


def test_double_scaling_warns(fitted_cnn, fashion_test):
    X, _ = fashion_test
    with pytest.warns(UserWarning, match="already scaled"):
        fitted_cnn.predict(X[:10] / 255.0)


def test_raw_pixels_into_a_model_fitted_on_scaled_data(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(hidden_layer_sizes=(8,), **FAST).fit(X[:200] / 255.0, y[:200])
    with pytest.warns(UserWarning, match="fitted on pixels in \\[0, 1\\]"):
        clf.predict(X[:10])


def test_invalid_hyperparameters_are_named(fashion_train):
    X, y = fashion_train
    with pytest.raises(ValueError, match="'dropout' parameter"):
        ANNClassifier(dropout=1.5).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="'epochs' parameter"):
        CNNClassifier(epochs=0).fit(X[:20], y[:20])
    with pytest.raises(ValueError, match="image_shape=\\(20, 20\\)"):
        CNNClassifier(image_shape=(20, 20), **FAST).fit(X[:20].reshape(20, -1), y[:20])
