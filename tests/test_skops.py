"""skops.io: a fitted estimator round-trips with its untrusted types listed."""

import pickle

import numpy as np
import pytest

from fmnist_estimators._registry import FAMILIES

sio = pytest.importorskip("skops.io")


@pytest.fixture(scope="module", params=list(FAMILIES))
def fitted(request, fashion_train):
    family = FAMILIES[request.param]
    X, y = fashion_train
    return family.estimator_class()(
        **family.check_params, batch_normalization=True, epochs=1, random_state=0
    ).fit(X[:500], y[:500])


def test_round_trip_predicts_as_before(fitted, fashion_test):
    X_test, _ = fashion_test
    data = sio.dumps(fitted)
    untrusted = sio.get_untrusted_types(data=data)
    # Only the estimator's own class: the network travels as .keras bytes.
    assert untrusted == [f"{type(fitted).__module__}.{type(fitted).__name__}"]
    restored = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(restored.predict_proba(X_test), fitted.predict_proba(X_test))
    assert restored.history_ == fitted.history_
    np.testing.assert_array_equal(restored.classes_, fitted.classes_)


def test_untrusted_estimator_is_not_loaded(fitted):
    from skops.io.exceptions import UntrustedTypesFoundException

    with pytest.raises(UntrustedTypesFoundException):
        sio.loads(sio.dumps(fitted))


def test_restored_estimator_trains_on(fitted, fashion_train, fashion_test):
    X, y = fashion_train
    data = sio.dumps(fitted)
    restored = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    # The optimizer state came along: one more epoch continues the same run.
    assert restored.model_.optimizer.iterations.numpy() == fitted.model_.optimizer.iterations.numpy()
    restored.partial_fit(X[500:1000], y[500:1000])
    assert restored.n_iter_ == fitted.n_iter_ + 1
    assert len(restored._fit_callbacks) == len(fitted._fit_callbacks)


def test_saving_leaves_the_estimator_unchanged(fitted):
    before = dict(vars(fitted))
    sio.dumps(fitted)
    pickle.dumps(fitted)
    assert vars(fitted).keys() == before.keys()
    assert fitted.model_ is before["model_"]
