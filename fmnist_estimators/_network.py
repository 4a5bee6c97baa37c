"""Network building blocks, as functions of the estimators' parameters.

A family's module builds its hidden layers from these (``augmented_images``,
``activated``); :func:`build_network` puts them between the input's pixel
scaling and the softmax output that every family shares.
"""

import keras

from ._backend import dtype_policy


def build_network(hidden_layers, *, n_features, n_classes, pixel_scale, policy, name):
    """The whole network: pixels -> rescaling -> hidden layers -> class probabilities.

    Parameters
    ----------
    hidden_layers : callable
        Maps the rescaled flat pixels to the last hidden representation.
    n_features : int
        Values per image, height * width * channels (flat input).
    n_classes : int
        Number of output probabilities.
    pixel_scale : float
        Divisor of the input.
    policy : str
        Keras dtype policy of the hidden layers; the output stays float32.
    name : str
        The model's name.

    Returns
    -------
    model : keras.Model
        Uncompiled.
    """
    inputs = keras.Input(shape=(n_features,), name="pixels")
    with dtype_policy(policy):
        x = keras.layers.Rescaling(1.0 / pixel_scale, name="rescaling")(inputs)
        x = hidden_layers(x)
    outputs = keras.layers.Dense(
        n_classes, activation="softmax", name="class_probabilities", dtype="float32",
    )(x)
    return keras.Model(inputs, outputs, name=name)


def is_image(image_shape):
    """False for a single row of pixels: flat features that no flip may permute."""
    return image_shape[0] > 1


def augments(image_shape, *, random_flip, random_translation, random_erasing):
    """Whether training images are augmented at all."""
    return is_image(image_shape) and (
        random_flip or random_translation > 0 or random_erasing > 0
    )


def augmented_images(x, image_shape, *, random_flip, random_translation, random_erasing):
    """Flat pixels -> (height, width, channels) images, augmented in training only.

    Every augmentation moves or erases whole pixels, all their channels
    together.

    Parameters
    ----------
    x : tensor of shape (n_samples, height * width * channels)
        Rescaled pixels.
    image_shape : tuple of (int, int, int)
        Height, width and channels.
    random_flip : bool
        Left-right flips.
    random_translation : float
        Largest shift, as a fraction of the height and width.
    random_erasing : float
        Probability of erasing a random rectangle.

    Returns
    -------
    images : tensor of shape (n_samples, height, width, channels)
    """
    x = keras.layers.Reshape(tuple(image_shape))(x)
    if not augments(image_shape, random_flip=random_flip,
                    random_translation=random_translation, random_erasing=random_erasing):
        return x
    if random_flip:
        x = keras.layers.RandomFlip("horizontal")(x)
    if random_translation > 0:
        # Whole-pixel shifts: bilinear interpolation would blur the
        # training images only, unlike anything seen at test time.
        translation = keras.layers.RandomTranslation(
            random_translation, random_translation,
            fill_mode="constant", interpolation="nearest",
        )
        if keras.backend.backend() == "jax":
            # Keras marks the layer as not XLA-compilable on every backend,
            # which would leave the whole network to Keras' eager loop; its
            # JAX implementation (map_coordinates) compiles, and the tests
            # check that it trains as it does uncompiled.
            translation.supports_jit = True
        x = translation(x)
    if random_erasing > 0:
        # A fixed probability: Keras draws it from [0, factor] for a scalar.
        x = keras.layers.RandomErasing(
            factor=(random_erasing, random_erasing), value_range=(0.0, 1.0)
        )(x)
    return x


def augmentation(estimator):
    """The augmentation parameters of an estimator, for :func:`augmented_images`."""
    return {
        "random_flip": estimator.random_flip,
        "random_translation": estimator.random_translation,
        "random_erasing": estimator.random_erasing,
    }


def activated(x, layer_class, *args, activation, batch_normalization, **kwargs):
    """A Dense or Conv2D layer and its activation, batch-normalised if asked.

    Parameters
    ----------
    x : tensor
        Input.
    layer_class : type
        ``keras.layers.Dense`` or ``keras.layers.Conv2D``.
    *args : tuple
        The layer's positional arguments (units, or filters and kernel size).
    activation : str
        Activation name.
    batch_normalization : bool
        Normalise between the layer and its activation.
    **kwargs : dict
        The layer's other arguments.

    Returns
    -------
    x : tensor
    """
    if not batch_normalization:
        return layer_class(*args, activation=activation, **kwargs)(x)
    # The normalisation's shift replaces the layer's bias.
    x = layer_class(*args, use_bias=False, **kwargs)(x)
    return normalised_activation(x, activation=activation, batch_normalization=True)


def normalised_activation(x, *, activation, batch_normalization):
    """An activation, batch-normalised first if asked.

    Parameters
    ----------
    x : tensor
        Input.
    activation : str
        Activation name.
    batch_normalization : bool
        Normalise before the activation.

    Returns
    -------
    x : tensor
    """
    if batch_normalization:
        # Momentum 0.9 (Keras: 0.99) lets the running statistics follow the
        # weights; fit then recalibrates them (_training.recalibrate_batch_norm).
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
    return keras.layers.Activation(activation)(x)
