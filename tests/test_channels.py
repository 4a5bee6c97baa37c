"""Colour and multi-channel images, on real photographs and coloured Fashion-MNIST.

The photographs are scikit-learn's two sample images (``china.jpg`` and
``flower.jpg``, 427x640 RGB); the task is to tell which photograph a 32x32
patch comes from. The non-overlapping patches of each photograph are split
like the squares of a chessboard, training on the "white" and testing on the
"black" ones, so that no test pixel was seen in training.
"""

import pickle

import keras
import numpy as np
import pytest
from sklearn.datasets import load_sample_images

from fmnist_estimators import (
    ANNClassifier,
    CNNClassifier,
    ImageReshaper,
    MisclassifiedImagesDisplay,
)
from fmnist_estimators._registry import FAMILIES

PATCH = 32
SMALL = {
    "ann": {"hidden_layer_sizes": (32,)},
    "cnn": {"filters": (8, 16), "dense_units": (16,)},
    "resnet": {"filters": (8, 16)},
}
FAST = {"epochs": 8, "batch_size": 32, "validation_fraction": 0.0, "random_state": 0}


def _patches(image):
    """The non-overlapping 32x32 patches of one photograph, row by row."""
    rows, cols = image.shape[0] // PATCH, image.shape[1] // PATCH
    grid = image[:rows * PATCH, :cols * PATCH].reshape(rows, PATCH, cols, PATCH, 3)
    return grid.transpose(0, 2, 1, 3, 4)  # (rows, cols, 32, 32, 3)


@pytest.fixture(scope="module")
def photo_patches():
    """Train and test patches of the two photographs, uint8, labelled by photograph."""
    photographs = load_sample_images()
    names = [name.rsplit("/", 1)[-1] for name in photographs.filenames]
    parts = {"train": ([], []), "test": ([], [])}
    for name, image in zip(names, photographs.images):
        grid = _patches(image)
        rows, cols = np.indices(grid.shape[:2])
        for part, square in (("train", (rows + cols) % 2 == 0),
                             ("test", (rows + cols) % 2 == 1)):
            parts[part][0].append(grid[square])
            parts[part][1].append(np.full(square.sum(), name))
    return {part: (np.concatenate(X), np.concatenate(y)) for part, (X, y) in parts.items()}


@pytest.fixture(scope="module", params=list(FAMILIES), ids=str)
def fitted_colour(request, photo_patches):
    """One model per network family, fitted on the colour patches."""
    X, y = photo_patches["train"]
    estimator_class = FAMILIES[request.param].estimator_class()
    return estimator_class(**SMALL[request.param], **FAST).fit(X, y)


def test_fitted_shape_records_the_channels(fitted_colour, photo_patches):
    X, _ = photo_patches["train"]
    assert X.dtype == np.uint8 and X.shape[1:] == (32, 32, 3)
    assert fitted_colour.image_shape_ == (32, 32, 3)
    assert fitted_colour.n_features_in_ == 32 * 32 * 3
    # "auto" scaling on colour uint8: one divisor for every channel.
    assert fitted_colour.pixel_scale_ == 255.0


def test_colour_patches_are_told_apart(fitted_colour, photo_patches):
    X_test, y_test = photo_patches["test"]
    # Two photographs, 130 test patches each: chance is 0.5. Measured: 0.88
    # (ANN) and 0.98 (CNN), against 0.75 and 0.95 on the channels' mean.
    minimum = 0.8 if isinstance(fitted_colour, ANNClassifier) else 0.9
    assert fitted_colour.score(X_test, y_test) > minimum


def test_flat_colour_rows_give_the_same_predictions(fitted_colour, photo_patches):
    X_test, _ = photo_patches["test"]
    np.testing.assert_array_equal(
        fitted_colour.predict_proba(X_test.reshape(len(X_test), -1)),
        fitted_colour.predict_proba(X_test),
    )


@pytest.mark.parametrize(
    "make_X, match",
    [
        (lambda X: X.mean(axis=3), r"32x32 with 1 channel, but \w+ was fitted on "
                                   r"32x32 with 3 channels"),
        (lambda X: np.concatenate([X, X[..., :1]], axis=3), "32x32 with 4 channels.*"
                                                            "32x32 with 3 channels"),
        (lambda X: X[:, :28, :28], "28x28 with 3 channels.*32x32 with 3 channels"),
        (lambda X: X.transpose(0, 3, 1, 2), r"channels-first.*transpose\(0, 2, 3, 1\)"),
        (lambda X: X.reshape(len(X), -1)[:, :1024], "1024 features"),
    ],
    ids=["grayscale", "rgba", "smaller", "channels-first", "flat-grayscale"],
)
def test_predict_names_both_shapes(fitted_colour, photo_patches, make_X, match):
    X_test, _ = photo_patches["test"]
    with pytest.raises(ValueError, match=match):
        fitted_colour.predict(make_X(X_test[:4]))


def test_test_time_flips_mirror_every_channel(fitted_colour, photo_patches):
    X_test, _ = photo_patches["test"]
    X_test = X_test[:50]
    model = pickle.loads(pickle.dumps(fitted_colour))
    model.set_params(test_time_augmentation=True)
    expected = (fitted_colour.predict_proba(X_test)
                + fitted_colour.predict_proba(X_test[:, :, ::-1])) / 2
    np.testing.assert_allclose(model.predict_proba(X_test), expected, rtol=1e-5, atol=1e-6)


def test_pickle_and_keras_file_keep_colour_predictions(fitted_colour, photo_patches, tmp_path):
    X_test, _ = photo_patches["test"]
    expected = fitted_colour.predict_proba(X_test)
    restored = pickle.loads(pickle.dumps(fitted_colour))
    assert restored.image_shape_ == (32, 32, 3)
    np.testing.assert_allclose(restored.predict_proba(X_test), expected, rtol=1e-5, atol=1e-6)
    path = tmp_path / "colour.keras"
    fitted_colour.model_.save(path)
    network = keras.saving.load_model(path)
    flat = X_test.reshape(len(X_test), -1).astype("float32")
    np.testing.assert_allclose(network.predict(flat, verbose=0), expected, rtol=1e-4, atol=1e-5)


def test_misclassified_colour_images_are_drawn_in_colour(fitted_colour, photo_patches,
                                                         close_figures):
    X_test, y_test = photo_patches["test"]
    display = MisclassifiedImagesDisplay.from_estimator(fitted_colour, X_test, y_test,
                                                        n_images=3)
    assert display.images.shape[1:] == (32, 32, 3)
    drawn = display.ax_[0].get_images()[0].get_array()
    assert drawn.shape == (32, 32, 3)
    np.testing.assert_array_equal(drawn, display.images[0])


def test_augmentation_moves_whole_pixels(photo_patches):
    """Flips and shifts move every channel of a pixel together."""
    X, y = photo_patches["train"]
    X = X[::10]
    cnn = CNNClassifier(**SMALL["cnn"], random_flip=True, random_translation=0.1,
                        random_state=0).initialize(X, y[::10])
    augment = keras.Sequential([
        layer for layer in cnn.model_.layers
        if type(layer).__name__ in ("Reshape", "RandomFlip", "RandomTranslation")
    ])
    images = X.astype("float32")
    out = keras.ops.convert_to_numpy(augment(images.reshape(len(X), -1), training=True))
    assert out.shape == images.shape
    n_moved = 0
    for original, moved in zip(images, out):
        candidates = [original, original[:, ::-1]]
        matched = False
        for candidate in candidates:
            for dy in range(-3, 4):
                for dx in range(-3, 4):
                    shifted = np.zeros_like(candidate)
                    src = candidate[max(-dy, 0):PATCH - max(dy, 0),
                                    max(-dx, 0):PATCH - max(dx, 0)]
                    shifted[max(dy, 0):max(dy, 0) + src.shape[0],
                            max(dx, 0):max(dx, 0) + src.shape[1]] = src
                    if np.array_equal(shifted, moved):
                        matched = True
                        n_moved += (dy, dx) != (0, 0)
        assert matched
    assert n_moved > len(X) // 2


def test_random_erasing_erases_all_channels(photo_patches):
    X, y = photo_patches["train"]
    X = X[::10]
    cnn = CNNClassifier(**SMALL["cnn"], random_flip=False, random_erasing=1.0,
                        random_state=0).initialize(X, y[::10])
    augment = keras.Sequential([
        layer for layer in cnn.model_.layers
        if type(layer).__name__ in ("Rescaling", "Reshape", "RandomErasing")
    ])
    images = X.astype("float32") / 255.0
    out = keras.ops.convert_to_numpy(augment(X.reshape(len(X), -1).astype("float32"),
                                             training=True))
    changed = ~np.isclose(out, images, atol=1e-6)
    # The fill values are clipped to [0, 1], so only pixels strictly inside
    # that range in every channel surely change when erased.
    inside = ((images > 0) & (images < 1)).all(axis=3)
    erased_any, erased_all = changed.any(axis=3) & inside, changed.all(axis=3) & inside
    assert erased_any.sum() > 100
    np.testing.assert_array_equal(erased_any, erased_all)


def test_batch_norm_is_recalibrated_per_filter(photo_patches):
    # Flips, shifts, erasing and dropout are all active in training; the
    # statistics fit leaves are those of each layer's input at prediction.
    X, y = photo_patches["train"]
    cnn = CNNClassifier(**SMALL["cnn"], random_flip=True, random_translation=0.1,
                        random_erasing=0.5, dropout=0.5, epochs=2, batch_size=32,
                        validation_fraction=0.0, random_state=0).fit(X, y)
    flat = X.reshape(len(X), -1).astype("float32")
    layers = [layer for layer in cnn.model_.layers
              if isinstance(layer, keras.layers.BatchNormalization)]
    assert len(layers) == 3
    for layer in layers:
        inputs = keras.Model(cnn.model_.input, layer.input).predict(flat, verbose=0)
        assert inputs.shape[-1] in (8, 16)
        axes = tuple(range(inputs.ndim - 1))
        np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.moving_mean),
                                   inputs.mean(axis=axes), rtol=1e-3, atol=1e-4)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.moving_variance),
                                   inputs.var(axis=axes), rtol=1e-3, atol=1e-4)


@pytest.mark.parametrize("channels", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_any_number_of_channels(family, channels, photo_patches):
    X, y = photo_patches["train"]
    X = np.concatenate([X, X, X], axis=3)[::8, :16, :24, :channels]
    estimator = FAMILIES[family].estimator_class()(**SMALL[family], random_state=0)
    estimator.initialize(X, y[::8])
    assert estimator.image_shape_ == (16, 24, channels)
    assert estimator.model_.input_shape == (None, 16 * 24 * channels)
    assert estimator.predict_proba(X).shape == (len(X), 2)


def test_image_shape_parameter_with_channels(photo_patches):
    X, y = photo_patches["train"]
    X, y = X[::8], y[::8]
    flat = X.reshape(len(X), -1)
    cnn = CNNClassifier(**SMALL["cnn"], image_shape=(32, 32, 3)).initialize(flat, y)
    assert cnn.image_shape_ == (32, 32, 3)
    # (height, width) takes the channels of a 4-D array...
    assert CNNClassifier(image_shape=(32, 32)).initialize(X, y).image_shape_ == (32, 32, 3)
    # ... and means one channel for flat rows.
    with pytest.raises(ValueError, match=r"holds 1024 pixels.*image_shape=\(height, "
                                         r"width, channels\)"):
        CNNClassifier(image_shape=(32, 32)).fit(flat, y)
    with pytest.raises(ValueError, match="configured for 32x32 with 4 channels"):
        CNNClassifier(image_shape=(32, 32, 4)).fit(X, y)
    with pytest.raises(ValueError, match="'image_shape' parameter"):
        CNNClassifier(image_shape=(32, 32, 3, 1)).fit(X, y)


def test_channels_first_is_refused_with_the_transpose(photo_patches):
    X, y = photo_patches["train"]
    channels_first = X[::8].transpose(0, 3, 1, 2)
    for estimator in (CNNClassifier(), ANNClassifier(), ImageReshaper()):
        with pytest.raises(ValueError, match=r"\(n_samples, channels, height, width\).*"
                                             r"X.transpose\(0, 2, 3, 1\)"):
            estimator.fit(channels_first, y[::8])
    # Given explicitly, the same array is read as 3x32 images with 32 channels.
    reshaper = ImageReshaper(output="image", image_shape=(3, 32, 32)).fit(channels_first)
    assert reshaper.image_shape_ == (3, 32, 32)


def test_image_reshaper_keeps_the_channels(photo_patches):
    X, _ = photo_patches["test"]
    X = X[:10]
    flat = ImageReshaper().fit_transform(X)
    assert flat.shape == (10, 32 * 32 * 3)
    np.testing.assert_array_equal(flat, X.reshape(10, -1))
    back = ImageReshaper(output="image", image_shape=(32, 32, 3), scale=255).fit_transform(flat)
    np.testing.assert_allclose(back, X / 255.0, rtol=1e-6)
    names = ImageReshaper().fit(X).get_feature_names_out()
    assert list(names[:4]) == ["pixel_0_0_0", "pixel_0_0_1", "pixel_0_0_2", "pixel_0_1_0"]


# ------------------------------------------------ colour Fashion-MNIST
def _in_colour(images, channel):
    """Grayscale images drawn in pure red, green or blue (one channel each)."""
    coloured = np.zeros((*images.shape, 3), dtype=np.uint8)
    coloured[np.arange(len(images)), ..., channel] = images
    return coloured


@pytest.fixture(scope="module")
def colour_fashion(fashion_train, fashion_test):
    """Fashion-MNIST garments, each in a random pure colour."""
    rng = np.random.default_rng(0)
    (X, y), (X_test, y_test) = fashion_train, fashion_test
    X, y = X[:2000], y[:2000]
    channel, channel_test = rng.integers(0, 3, len(X)), rng.integers(0, 3, len(X_test))
    return {"train": (_in_colour(X, channel), y, channel),
            "test": (_in_colour(X_test, channel_test), y_test, channel_test)}


def test_pure_colours_have_the_same_grayscale(colour_fashion, fashion_train):
    """By construction, a model of the grayscale images cannot see the colour."""
    X, _, channel = colour_fashion["train"]
    original, _ = fashion_train
    # Reduced to one channel (max or sum of the channels), every image is the
    # original garment whatever its colour: the colour is lost.
    np.testing.assert_array_equal(X.max(axis=3), original[:len(X)])
    np.testing.assert_array_equal(X.sum(axis=3, dtype=np.int64), original[:len(X)])
    assert set(np.unique(channel)) == {0, 1, 2}


def test_cnn_uses_colour_when_it_carries_the_label(colour_fashion):
    X, _, channel = colour_fashion["train"]
    X_test, _, channel_test = colour_fashion["test"]
    cnn = CNNClassifier(**SMALL["cnn"], epochs=3, batch_size=32, random_state=0)
    cnn.fit(X, channel)
    # Any function of the grayscale images scores at most the largest class share.
    grayscale_ceiling = np.bincount(channel_test).max() / len(channel_test)
    assert grayscale_ceiling < 0.4
    assert cnn.score(X_test, channel_test) > 0.95


def test_cnn_ignores_colour_when_it_does_not_carry_the_label(colour_fashion):
    X, y, _ = colour_fashion["train"]
    X_test, y_test, _ = colour_fashion["test"]
    cnn = CNNClassifier(**SMALL["cnn"], epochs=5, batch_size=32, random_state=0)
    cnn.fit(X, y)
    accuracy = cnn.score(X_test, y_test)
    # The garment is recognised in any colour (chance is 0.1), and the
    # predictions hardly change when the same garments are recoloured.
    assert accuracy > 0.7
    recoloured = np.roll(X_test, 1, axis=3)
    assert np.mean(cnn.predict(recoloured) == cnn.predict(X_test)) > 0.8
