"""The residual family: its network, and that it trains like the others."""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from fmnist_estimators import ResNetClassifier, make_recipe
from fmnist_estimators._registry import FAMILIES

TINY = {"epochs": 1, "batch_size": 32, "random_state": 0}


def _layers(clf, name):
    return [layer for layer in clf.model_.layers if type(layer).__name__ == name]


def test_default_network_shapes(fashion_train):
    X, y = fashion_train
    clf = ResNetClassifier().initialize(X[:50], y[:50])
    # A stem and two convolutions per block, plus the two stride-2 blocks' shortcuts.
    convolutions = _layers(clf, "Conv2D")
    assert len(convolutions) == 1 + 3 * 2 + 2
    stage_outputs = [tuple(add.output.shape[1:]) for add in _layers(clf, "Add")]
    assert stage_outputs == [(28, 28, 16), (14, 14, 32), (7, 7, 64)]
    # The first block keeps its input as the shortcut; the later ones project it.
    shortcuts = [conv for conv in convolutions if conv.kernel_size == (1, 1)]
    assert [conv.strides for conv in shortcuts] == [(2, 2), (2, 2)]
    # Pre-activation: each convolution's bias is replaced by the next normalisation.
    assert not any(conv.use_bias for conv in convolutions)
    assert len(_layers(clf, "BatchNormalization")) == 3 * 2 + 1
    assert _layers(clf, "GlobalAveragePooling2D")
    assert clf.model_.count_params() == 78_042


def test_without_batch_normalization_convolutions_keep_their_bias(fashion_train):
    X, y = fashion_train
    clf = ResNetClassifier(batch_normalization=False).initialize(X[:50], y[:50])
    assert not _layers(clf, "BatchNormalization")
    assert all(conv.use_bias for conv in _layers(clf, "Conv2D"))


@pytest.mark.parametrize("blocks_per_stage", [1, 2])
def test_blocks_per_stage(blocks_per_stage, fashion_train):
    X, y = fashion_train
    clf = ResNetClassifier(filters=(8, 16), blocks_per_stage=blocks_per_stage)
    clf.initialize(X[:50], y[:50])
    assert len(_layers(clf, "Add")) == 2 * blocks_per_stage


@pytest.mark.parametrize("image_shape", [(8, 8), (1, 64), (5, 3)])
def test_any_image_size(image_shape):
    # Real data: the 8x8 digits, reshaped to other sizes of 64 pixels or cut to 15.
    X, y = load_digits(return_X_y=True)
    n_pixels = image_shape[0] * image_shape[1]
    clf = ResNetClassifier(filters=(4, 8, 16), image_shape=image_shape, **TINY)
    clf.fit(X[:200, :n_pixels], y[:200])
    assert clf.predict_proba(X[:5, :n_pixels]).shape == (5, 10)
    strides = [conv.strides for conv in _layers(clf, "Conv2D") if conv.kernel_size == (1, 1)]
    # Axes of length 1 are never strided.
    assert all(s[0] == 1 for s in strides) if image_shape[0] == 1 else strides


def test_filters_are_checked(fashion_train):
    X, y = fashion_train
    with pytest.raises(ValueError, match="filters must be a non-empty sequence"):
        ResNetClassifier(filters=(), **TINY).fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="positive integers"):
        ResNetClassifier(filters=(8, 0), **TINY).fit(X[:50], y[:50])


def test_learns_digits_better_than_chance_by_far():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    clf = ResNetClassifier(filters=(16, 32), epochs=8,
                           batch_size=32, random_state=0).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.9


def test_registry_row_and_recipe():
    family = FAMILIES["resnet"]
    assert family.estimator_class() is ResNetClassifier
    assert make_recipe("resnet").get_params() == ResNetClassifier(random_flip=True).get_params()


def test_search_space_gives_valid_parameters():
    optuna = pytest.importorskip("optuna")
    space = FAMILIES["resnet"].search_space_function()
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(5):
        params = space(study.ask())
        ResNetClassifier(**params)._validate_params()
        assert params["filters"][1] == 2 * params["filters"][0]


def test_pickle_keeps_predictions(fashion_train, fashion_test):
    import pickle

    X, y = fashion_train
    X_test, _ = fashion_test
    clf = ResNetClassifier(filters=(4, 8), **TINY).fit(X[:200], y[:200])
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_allclose(again.predict_proba(X_test[:20]), clf.predict_proba(X_test[:20]),
                               rtol=1e-6, atol=1e-7)
