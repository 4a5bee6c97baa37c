"""Residual network classifier: pre-activation ResNet blocks for small images."""

from numbers import Integral

import keras
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval

from ._base import _BaseImageClassifier
from ._docstrings import shared_docstring
from ._network import augmentation, augmented_images, normalised_activation


@shared_docstring
class ResNetClassifier(ClassifierMixin, _BaseImageClassifier):
    """Residual convolutional network (pre-activation ResNet) for small images.

    A 3x3 convolution stem, then one stage of ``blocks_per_stage`` residual
    blocks for each width in ``filters``, then batch normalisation, the
    activation and global average pooling before the output layer. Each
    block computes ``x + conv(act(bn(conv(act(bn(x))))))`` (He et al., 2016,
    "Identity mappings in deep residual networks"); every stage after the
    first starts with a stride-2 block whose shortcut is a 1x1 convolution.
    With the defaults, 28x28 images go through stages of 28, 14 and 7 pixels
    with 16, 32 and 64 channels (78,042 weights for 10 classes; about as
    many multiply-adds per image as ``make_recipe("best-cnn")``). Axes of
    length 1 are not strided, so any image size works, down to a single row
    of features.

    Training is that of :class:`CNNClassifier`: Adam with a one-cycle
    schedule peaking at 3e-3, batch size 128, 12 epochs (more on small data
    sets, see ``epochs``), 10% of the training data held out for validation,
    no augmentation; ``make_recipe("resnet")`` adds random left-right flips.
    Images may have any number of channels, passed channels-last.

    Parameters
    ----------
    filters : tuple of int, default=(16, 32, 64)
        Number of channels of each stage; the stem has ``filters[0]``.
    blocks_per_stage : int, default=1
        Residual blocks (two 3x3 convolutions each) per stage.
    {activation}
    dropout : float, default=0.2
        Dropout rate after the global average pooling; 0 adds no dropout
        layer.
    batch_normalization : bool, default=True
        Batch normalisation before each activation (the blocks'
        pre-activation); without it the blocks are
        ``x + conv(act(conv(act(x))))``. At the end of ``fit`` the
        statistics are recomputed from the trained weights on up to 4,096
        training images, in inference mode (without augmentation or
        dropout).
    random_flip : bool, default=False
        Flip training images left-right at random (a training-only Keras
        preprocessing layer). Right where a mirrored image has the same
        class, as for Fashion-MNIST's garments, wrong for digits or letters.
        Like every augmentation, skipped for flat features that are not
        images (an inferred image of a single row).
    {random_translation}
    {training_parameters}

    {fitted_attributes}

    See Also
    --------
    CNNClassifier : Plain convolution blocks with max pooling, as in the study.
    ANNClassifier : Dense network on the flattened pixels.

    Examples
    --------
    >>> from fmnist_estimators import ResNetClassifier
    >>> from fmnist_estimators.datasets import fetch_fashion_mnist
    >>> X, y = fetch_fashion_mnist(return_X_y=True)  # doctest: +SKIP
    >>> clf = ResNetClassifier(epochs=2, random_state=0).fit(X[:5000], y[:5000])  # doctest: +SKIP
    >>> clf.predict(X[:3])  # doctest: +SKIP
    array([9, 0, 0])
    """

    _parameter_constraints = {
        **_BaseImageClassifier._parameter_constraints,
        "filters": [tuple, list],
        "blocks_per_stage": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        *,
        filters=(16, 32, 64),
        blocks_per_stage=1,
        activation="relu",
        dropout=0.2,
        batch_normalization=True,
        random_flip=False,
        random_translation=0.0,
        random_erasing=0.0,
        label_smoothing=0.0,
        class_weight=None,
        weight_decay=0.0,
        lr_schedule="one-cycle",
        test_time_augmentation=False,
        dtype_policy="float32",
        image_shape=None,
        pixel_scale="auto",
        optimizer="adam",
        learning_rate=3e-3,
        batch_size=128,
        epochs="auto",
        validation_fraction=0.1,
        early_stopping=False,
        n_iter_no_change=3,
        callbacks=None,
        warm_start=False,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.filters = filters
        self.blocks_per_stage = blocks_per_stage
        self.activation = activation
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.random_flip = random_flip
        self.random_translation = random_translation
        self.random_erasing = random_erasing
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.test_time_augmentation = test_time_augmentation
        self.dtype_policy = dtype_policy
        self.image_shape = image_shape
        self.pixel_scale = pixel_scale
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.epochs = epochs
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.callbacks = callbacks
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose
        vars(self).update(kwargs)

    def _validate_params(self):
        super()._validate_params()
        if not self.filters or any(
            not isinstance(width, Integral) or width < 1 for width in self.filters
        ):
            raise ValueError(
                "filters must be a non-empty sequence of positive integers (the "
                f"channels of each stage), got {self.filters!r}."
            )

    def _describe_network(self):
        stages = "-".join(str(n) for n in self.filters)
        return f"ResNet {stages}, {self.blocks_per_stage} block(s) per stage"

    def _build_hidden_layers(self, x):
        x = augmented_images(x, self.image_shape_, **augmentation(self))
        size = tuple(self.image_shape_[:2])
        x = _convolution(x, self.filters[0], 1, bias=not self.batch_normalization)
        for stage, width in enumerate(self.filters):
            for block in range(self.blocks_per_stage):
                strides = _strides(size) if stage > 0 and block == 0 else (1, 1)
                x = self._residual_block(x, width, strides)
                size = tuple(-(-side // stride) for side, stride in zip(size, strides))
        x = self._pre_activation(x)
        x = keras.layers.GlobalAveragePooling2D()(x)
        if self.dropout:
            x = keras.layers.Dropout(self.dropout)(x)
        return x

    def _pre_activation(self, x):
        return normalised_activation(
            x, activation=self.activation, batch_normalization=self.batch_normalization
        )

    def _residual_block(self, x, width, strides):
        bias = not self.batch_normalization
        activated = self._pre_activation(x)
        if strides != (1, 1) or x.shape[-1] != width:
            shortcut = keras.layers.Conv2D(
                width, 1, strides=strides, use_bias=bias
            )(activated)
        else:
            shortcut = x
        y = _convolution(activated, width, strides, bias=bias)
        y = _convolution(self._pre_activation(y), width, 1, bias=bias)
        return keras.layers.Add()([shortcut, y])


def _convolution(x, width, strides, *, bias):
    # Without batch normalisation after it, a convolution keeps its bias.
    return keras.layers.Conv2D(
        width, 3, strides=strides, padding="same", use_bias=bias
    )(x)


def _strides(size):
    """Stride 2 along every axis long enough to be halved."""
    return tuple(2 if side >= 2 else 1 for side in size)


def resnet_search_space(trial):
    """A search space for :class:`ResNetClassifier`: rate, batch, dropout, size.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial that samples the parameters.

    Returns
    -------
    params : dict
        Parameters for ``ResNetClassifier.set_params``: the width of the first
        of three stages (doubled at each of the next two) and the blocks per
        stage among them.
    """
    width = trial.suggest_categorical("width", [16, 32, 48])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 5e-4, 5e-3, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [64, 128, 256]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.4),
        "filters": (width, 2 * width, 4 * width),
        "blocks_per_stage": trial.suggest_int("blocks_per_stage", 1, 2),
    }
