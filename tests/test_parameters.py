"""Parameters that must never be silently ignored or silently wrong."""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.metrics import recall_score
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from fmnist_estimators import ANNClassifier, CNNClassifier, ImageReshaper

from test_estimators import make_small

FAMILIES = [ANNClassifier, CNNClassifier]


@pytest.mark.parametrize("estimator_class", FAMILIES, ids=lambda c: c.__name__)
@pytest.mark.parametrize(
    "params, match",
    [
        ({"lerning_rate": 1e-3}, "'lerning_rate'. Did you mean 'learning_rate'"),
        ({"dropuot": 0.2}, "Did you mean 'dropout'"),
        ({"epoch": 3}, "Did you mean 'epochs'"),
        ({"optimizer__betta_1": 0.9}, "Did you mean 'optimizer__beta_1'"),
        ({"fitt__batch_size": 8}, "Did you mean 'fit__batch_size'"),
        ({"fit__shufle": False}, "Did you mean 'fit__shuffle'"),
        ({"compile__jit_compil": False}, "Did you mean 'compile__jit_compile'"),
        ({"predict__verbose": 1}, "Accepted: predict__batch_size"),
        ({"model__units": 3}, "'model__' routes to nothing"),
    ],
)
def test_unknown_parameters_name_the_closest_valid_one(
    estimator_class, params, match, fashion_train
):
    X, y = fashion_train
    estimator = estimator_class(epochs=1, **params)
    with pytest.raises(InvalidParameterError, match=match):
        estimator.fit(X[:50], y[:50])
    assert not hasattr(estimator, "model_")
    with pytest.raises(InvalidParameterError, match=match):
        estimator_class().set_params(**params)


@pytest.mark.parametrize(
    "params, own",
    [
        ({"fit__epochs": 2}, "the epochs parameter"),
        ({"fit__batch_size": 64}, "the batch_size parameter"),
        ({"fit__validation_split": 0.2}, "the validation_fraction parameter"),
        ({"fit__class_weight": {0: 2}}, "the class_weight parameter"),
        ({"fit__initial_epoch": 1}, "warm_start=True or partial_fit"),
        ({"optimizer__learning_rate": 0.1}, "the learning_rate and lr_schedule"),
        ({"compile__loss": "mse"}, "the label_smoothing parameter"),
    ],
)
def test_routed_parameters_that_override_our_own_are_refused(params, own, fashion_train):
    X, y = fashion_train
    with pytest.raises(InvalidParameterError, match=f"refused: use {own}"):
        ANNClassifier(epochs=1, **params).fit(X[:50], y[:50])


def test_optimizer_arguments_depend_on_the_optimizer():
    ANNClassifier(optimizer="sgd").set_params(optimizer__momentum=0.9)
    with pytest.raises(InvalidParameterError, match="takes no argument 'beta_1'"):
        ANNClassifier(optimizer="sgd").set_params(optimizer__beta_1=0.9)
    # Both at once: checked against the optimizer being set.
    ANNClassifier().set_params(optimizer="sgd", optimizer__momentum=0.5)
    import keras

    with pytest.raises(InvalidParameterError, match="optimizer is an instance"):
        ANNClassifier(optimizer=keras.optimizers.Adam()).set_params(optimizer__beta_1=0.5)


def test_valid_routed_parameters_still_work(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(
        hidden_layer_sizes=(8,), epochs=1, optimizer__beta_1=0.8,
        fit__validation_freq=1, predict__batch_size=7, compile__steps_per_execution=4,
    )
    clf.fit(X[:200], y[:200])
    assert float(clf.model_.optimizer.beta_1) == pytest.approx(0.8)
    assert clf.predict_proba(X[:20]).shape == (20, 10)
    assert clone(clf).get_params()["predict__batch_size"] == 7


@pytest.mark.parametrize("size", [0, -1, 2.5])
@pytest.mark.parametrize(
    "name", ["predict__batch_size", "fit__validation_batch_size", "fit__steps_per_epoch"]
)
def test_size_parameters_below_one_are_refused(name, size, fashion_train):
    X, y = fashion_train
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter .* range \\[1, inf\\)"):
        ANNClassifier(epochs=1, **{name: size}).fit(X[:50], y[:50])


def test_predict_batch_size_below_one_set_after_fit_is_refused(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(hidden_layer_sizes=(8,), epochs=1).fit(X[:100], y[:100])
    expected = clf.predict_proba(X[:30])
    for size in (-1, 0):
        clf.set_params(predict__batch_size=size)  # values are checked when used
        with pytest.raises(InvalidParameterError, match="predict__batch_size"):
            clf.predict_proba(X[:30])
    clf.set_params(predict__batch_size=4)
    np.testing.assert_allclose(clf.predict_proba(X[:30]), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------- class_weight
@pytest.fixture(scope="module")
def imbalanced(fashion_train):
    """T-shirts against a few shirts, the most confused pair of Fashion-MNIST."""
    X, y = fashion_train
    tshirts = np.flatnonzero(y == 0)
    shirts = np.flatnonzero(y == 6)[:20]
    index = np.sort(np.concatenate([tshirts, shirts]))
    return X[index], y[index]


def test_class_weight_balanced_raises_recall_of_the_rare_class(imbalanced, fashion_test):
    X, y = imbalanced
    X_test, y_test = fashion_test
    keep = np.isin(y_test, [0, 6])
    params = {"epochs": 5, "validation_fraction": 0.0}
    plain = make_small(ANNClassifier, **params).fit(X, y)
    balanced = make_small(ANNClassifier, class_weight="balanced", **params).fit(X, y)
    recall_plain = recall_score(y_test[keep], plain.predict(X_test[keep]), pos_label=6)
    recall_balanced = recall_score(y_test[keep], balanced.predict(X_test[keep]), pos_label=6)
    assert recall_balanced > recall_plain + 0.2


def test_class_weight_is_a_weight_in_the_loss(imbalanced, fashion_test):
    X, y = imbalanced
    X_test, _ = fashion_test
    weights = {0: 0.5, 6: 4.0}
    sample_weight = np.linspace(0.5, 1.5, len(y))
    per_sample = np.where(y == 6, 4.0, 0.5) * sample_weight
    by_class = make_small(ANNClassifier, class_weight=weights, epochs=1).fit(
        X, y, sample_weight=sample_weight
    )
    by_sample = make_small(ANNClassifier, epochs=1).fit(X, y, sample_weight=per_sample)
    unweighted = make_small(ANNClassifier, epochs=1).fit(X, y, sample_weight=sample_weight)
    np.testing.assert_allclose(
        by_class.predict_proba(X_test[:50]), by_sample.predict_proba(X_test[:50]),
        rtol=1e-4, atol=1e-6,
    )
    assert not np.allclose(
        by_class.predict_proba(X_test[:50]), unweighted.predict_proba(X_test[:50]),
        atol=1e-3,
    )


def test_class_weight_errors(imbalanced):
    X, y = imbalanced
    with pytest.raises(ValueError, match="classes \\[3\\] that are not among"):
        make_small(ANNClassifier, class_weight={3: 2.0}, epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        make_small(ANNClassifier, class_weight="balanced").partial_fit(X, y)
    with pytest.raises(ValueError, match="'class_weight' parameter"):
        make_small(ANNClassifier, class_weight="uniform").fit(X, y)


# --------------------------------------------------------------- schedules
@pytest.mark.parametrize("lr_schedule", ["one-cycle", "cosine"])
def test_partial_fit_keeps_learning_new_classes(lr_schedule, fashion_train, fashion_test):
    """Each call runs a whole schedule: later calls do not train at its floor."""
    X, y = fashion_train
    X_test, y_test = fashion_test
    # A small first call, whose schedule used to be the only one: later,
    # larger calls then trained at its floor (recall 0.445 on the new classes
    # with "one-cycle" before, 0.884 now; 0.916 with a constant rate).
    first, later = np.flatnonzero(y < 5)[:300], y >= 5
    clf = make_small(ANNClassifier, lr_schedule=lr_schedule, learning_rate=3e-3)
    clf.partial_fit(X[first], y[first], classes=np.arange(10))
    for _ in range(3):
        clf.partial_fit(X[later], y[later])
    new = y_test >= 5
    recall = recall_score(y_test[new], clf.predict(X_test[new]), average="macro",
                          labels=np.arange(5, 10))
    assert recall > 0.75
    optimizer = clf.model_.optimizer
    # Adam's step count runs on, and the learning rate ended the call near its floor.
    assert int(optimizer.iterations) == clf.model_.optimizer.iterations.numpy() > 0
    assert float(optimizer.learning_rate) < 3e-3 / 20


def test_warm_start_runs_a_new_schedule(fashion_train):
    X, y = fashion_train
    clf = make_small(ANNClassifier, lr_schedule="one-cycle", learning_rate=3e-3,
                     epochs=2, warm_start=True)
    clf.fit(X[:1000], y[:1000])
    steps = int(clf.model_.optimizer.iterations)
    schedule = clf.model_.optimizer._learning_rate
    assert float(schedule(steps)) < 3e-4  # the first fit ended at its floor
    clf.fit(X[1000:2000], y[1000:2000])
    assert int(clf.model_.optimizer.iterations) == 2 * steps
    # The second fit warmed up from lr / 25 again and peaked at lr.
    lrs = [float(schedule(step)) for step in range(steps, 2 * steps + 1)]
    assert lrs[0] == pytest.approx(3e-3 / 25, rel=1e-4)
    assert max(lrs) == pytest.approx(3e-3, rel=1e-3)
    assert lrs[-1] < 3e-4


def test_fit_schedule_is_unchanged_by_planning(fashion_train):
    """A single fit's one cycle starts at lr / 25 and ends at lr / 1000."""
    X, y = fashion_train
    clf = make_small(ANNClassifier, lr_schedule="one-cycle", learning_rate=1e-2,
                     epochs=2, validation_fraction=0.0).fit(X[:640], y[:640])
    schedule = clf.model_.optimizer._learning_rate
    steps = 2 * 640 // 32
    assert int(clf.model_.optimizer.iterations) == steps
    assert float(schedule(0)) == pytest.approx(1e-2 / 25)
    assert float(schedule(steps)) == pytest.approx(1e-5, rel=1e-3)


# ------------------------------------------------- what the fit reports
def test_validation_score_describes_the_returned_model(fashion_train):
    X, y = fashion_train
    clf = make_small(CNNClassifier, batch_normalization=True, epochs=1).fit(X, y)
    assert 0 < clf.validation_score_ <= 1 and clf.validation_loss_ > 0
    # The recalibrated network, not the last epoch's: compared on the loss,
    # which two networks cannot share by chance as their accuracy can.
    assert clf.history_["val_loss"][-1] != clf.validation_loss_
    no_holdout = make_small(ANNClassifier, epochs=1, validation_fraction=0.0).fit(
        X[:200], y[:200]
    )
    assert no_holdout.validation_score_ is None


def test_pandas_output_passes_images_through_a_pipeline(fashion_train, fashion_test):
    X, y = fashion_train
    X_test, _ = fashion_test
    with sklearn.config_context(transform_output="pandas"):
        pipe = make_pipeline(
            ImageReshaper(output="image"), make_small(CNNClassifier, epochs=1)
        ).fit(X[:300], y[:300])
        assert pipe.predict(X_test[:5]).shape == (5,)
