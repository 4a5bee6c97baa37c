"""The accuracy building blocks: each is a parameter, and off changes nothing."""

import keras
import numpy as np
import pytest

from fmnist_estimators import ANNClassifier, CNNClassifier, make_recipe

TINY = {"epochs": 1, "batch_size": 64, "random_state": 0}
SMALL_CNN = {"filters": (4, 8), "dense_units": (16,)}


def _layer_types(estimator):
    return [type(layer).__name__ for layer in estimator.model_.layers]


@pytest.fixture(scope="module")
def data(fashion_train):
    X, y = fashion_train
    return X[:400], y[:400]


def test_seed_recipes_have_no_extra_layers(data):
    X, y = data
    cnn = make_recipe("seed-cnn", **TINY).initialize(X, y)
    assert _layer_types(cnn) == [
        "InputLayer", "Rescaling", "Reshape", "Conv2D", "MaxPooling2D", "Conv2D",
        "MaxPooling2D", "Flatten", "Dense", "Dense",
    ]
    ann = make_recipe("seed-ann", **TINY).initialize(X, y)
    assert _layer_types(ann) == ["InputLayer", "Rescaling", "Dense", "Dense", "Dense"]


@pytest.mark.parametrize("estimator_class", [ANNClassifier, CNNClassifier])
def test_batch_normalization(estimator_class, data):
    X, y = data
    params = SMALL_CNN if estimator_class is CNNClassifier else {"hidden_layer_sizes": (16, 8)}
    clf = estimator_class(**params, **TINY, batch_normalization=True).fit(X, y)
    n_hidden = 3 if estimator_class is CNNClassifier else 2
    assert _layer_types(clf).count("BatchNormalization") == n_hidden
    hidden = [l for l in clf.model_.layers if type(l).__name__ in ("Dense", "Conv2D")][:-1]
    assert all(not layer.use_bias for layer in hidden)


@pytest.mark.parametrize("estimator_class", [ANNClassifier, CNNClassifier])
def test_augmentation_only_in_training(estimator_class, data, fashion_test):
    X, y = data
    X_test, _ = fashion_test
    params = SMALL_CNN if estimator_class is CNNClassifier else {"hidden_layer_sizes": (16,)}
    clf = estimator_class(
        **params, **TINY, random_flip=True, random_translation=0.1, random_erasing=0.5
    ).fit(X, y)
    assert {"RandomFlip", "RandomTranslation", "RandomErasing"} <= set(_layer_types(clf))
    np.testing.assert_array_equal(clf.predict_proba(X_test[:50]), clf.predict_proba(X_test[:50]))


def test_random_erasing_erases_the_asked_fraction_of_images(data):
    X, y = data
    clf = CNNClassifier(**SMALL_CNN, **TINY, random_erasing=0.25).fit(X, y)
    (erasing,) = [l for l in clf.model_.layers if type(l).__name__ == "RandomErasing"]
    images = np.ones((2000, 28, 28, 1), dtype="float32")
    erased = keras.ops.convert_to_numpy(erasing(images, training=True))
    changed = (erased != 1).reshape(len(images), -1)
    assert 0.2 < changed.any(axis=1).mean() < 0.3
    area = changed.mean(axis=1)[changed.any(axis=1)]
    assert area.max() <= 0.4
    assert np.all((erased >= 0) & (erased <= 1))
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(erasing(images, training=False)), images
    )


def test_label_smoothing_uses_one_hot_targets(data):
    X, y = data
    clf = ANNClassifier(
        hidden_layer_sizes=(16,), **{**TINY, "epochs": 3}, label_smoothing=0.1,
        lr_schedule="constant",
    ).fit(X, y)
    assert isinstance(clf.model_.loss, keras.losses.CategoricalCrossentropy)
    assert clf.model_.loss.label_smoothing == pytest.approx(0.1)
    assert set(clf.history_) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]
    assert clf.history_["val_accuracy"][-1] > 0.3


def test_weight_decay_and_schedules(data):
    X, y = data
    clf = ANNClassifier(
        hidden_layer_sizes=(16,), **{**TINY, "epochs": 2}, optimizer="adamw",
        weight_decay=1e-3, lr_schedule="one-cycle", learning_rate=3e-3,
    ).fit(X, y)
    optimizer = clf.model_.optimizer
    assert type(optimizer).__name__ == "AdamW"
    assert optimizer.weight_decay == pytest.approx(1e-3)
    schedule = optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    steps = 2 * int(np.ceil(360 / 64))  # 400 images minus the 10% hold-out
    assert schedule.warmup_steps + schedule.decay_steps == steps
    assert float(schedule(0)) == pytest.approx(3e-3 / 25)
    assert float(schedule(schedule.warmup_steps)) == pytest.approx(3e-3)
    cosine = ANNClassifier(hidden_layer_sizes=(16,), **TINY, lr_schedule="cosine").fit(X, y)
    assert float(cosine.model_.optimizer._learning_rate(steps // 2)) < 1e-3


def test_test_time_augmentation_averages_mirror_images(data, fashion_test):
    X, y = data
    X_test, _ = fashion_test
    clf = CNNClassifier(**SMALL_CNN, **TINY).fit(X, y)
    plain = clf.predict_proba(X_test[:20])
    mirrored = clf.predict_proba(X_test[:20, :, ::-1])
    clf.set_params(test_time_augmentation=True)
    np.testing.assert_allclose(clf.predict_proba(X_test[:20]), (plain + mirrored) / 2, rtol=1e-5)


def test_vgg_style_blocks(data):
    X, y = data
    clf = CNNClassifier(filters=(4, 8), convs_per_block=2, dense_units=(8,), **TINY).initialize(X, y)
    assert _layer_types(clf).count("Conv2D") == 4
    assert clf.model_.layers[-1].output.shape[-1] == 10


def test_batch_norm_works_after_a_short_training(fashion_train, fashion_test):
    # Two epochs of 11 steps: the running statistics alone gave 0.19 accuracy
    # before fit recalibrated them on the trained network.
    X, y = fashion_train
    X_test, y_test = fashion_test
    clf = CNNClassifier(epochs=2, random_state=0).fit(X[:1500], y[:1500])
    assert clf.score(X_test, y_test) > 0.6


def test_test_time_augmentation_without_flips_warns(data):
    X, y = data
    with pytest.warns(UserWarning, match="random_flip=True"):
        CNNClassifier(
            **SMALL_CNN, **TINY, random_flip=False, test_time_augmentation=True
        ).fit(X, y)


def test_same_padding_fits_three_blocks(data):
    X, y = data
    params = {"filters": (4, 8, 8), "convs_per_block": 2, "dense_units": (8,), **TINY}

    def layers(estimator, type_name):
        return [layer for layer in estimator.model_.layers if type(layer).__name__ == type_name]

    same = CNNClassifier(**params, padding="same").initialize(X, y)
    assert {layer.padding for layer in layers(same, "Conv2D")} == {"same"}
    (flatten,) = layers(same, "Flatten")
    assert tuple(flatten.output.shape[1:]) == (3 * 3 * 8,)
    valid = CNNClassifier(**params).initialize(X, y)
    (flatten,) = layers(valid, "Flatten")
    assert tuple(flatten.output.shape[1:]) == (1 * 1 * 8,)
