"""Convolutional network classifier."""

from numbers import Integral

import keras
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval

from ._base import _BaseImageClassifier


class CNNClassifier(ClassifierMixin, _BaseImageClassifier):
    """Convolutional neural network for grayscale image classification.

    The defaults are the small CNN of the ANN-vs-CNN study:
    ``Conv(32, 3x3) -> MaxPool -> Conv(64, 3x3) -> MaxPool -> Dense(64) ->
    Dense(n_classes)`` with ReLU, Adam at 1e-3, batch size 128, 12 epochs and
    10% of the training data held out for validation (121,930 weights on
    28x28 images).

    Images smaller than the kernel are padded ("same" convolution) and pooling
    is skipped along axes of length 1, so any image size works, down to a
    single row of features.

    Parameters
    ----------
    filters : tuple of int, default=(32, 64)
        Number of filters of each convolution block (convolution + 2x2 max
        pooling).
    kernel_size : int, default=3
        Side of the square convolution kernels.
    dense_units : tuple of int, default=(64,)
        Units of the dense layers after the convolution blocks.
    activation : str, default="relu"
        Activation of the hidden layers, any name Keras knows.
    dropout : float, default=0.0
        Dropout rate before each dense layer; 0 adds no dropout layer.
    image_shape : tuple of (int, int), default=None
        Height and width of one image. None infers it from ``X`` in ``fit``:
        from the array shape for 3-D or 4-D input, else a square image when the
        number of features is a perfect square, else one row of pixels.
    pixel_scale : "auto", float or None, default="auto"
        Value of a white pixel: the network divides its input by it. "auto"
        uses 255 when the training data look like raw 8-bit images (values in
        [0, 255], some above 1) and 1 otherwise; None never scales. The scaling
        is a layer of the network, so raw images can be passed to ``predict``.
    optimizer : str, keras optimizer class or instance, default="adam"
        Optimizer; its other arguments can be routed as
        ``optimizer__<name>=value`` (e.g. ``optimizer__beta_1=0.8``).
    learning_rate : float, default=1e-3
        Learning rate of the optimizer (ignored for an optimizer instance).
    batch_size : int, default=128
        Number of images per gradient step.
    epochs : int, default=12
        Number of passes over the training data.
    validation_fraction : float, default=0.1
        Fraction of the training data held out (stratified, seeded by
        ``random_state``) to report validation metrics each epoch and to drive
        early stopping. 0 trains on all data.
    early_stopping : bool, default=False
        Stop when the validation loss has not improved for
        ``n_iter_no_change`` epochs and restore the best weights.
    n_iter_no_change : int, default=3
        Patience of early stopping, in epochs.
    callbacks : list of keras callbacks, default=None
        Extra callbacks for ``keras.Model.fit``.
    warm_start : bool, default=False
        If True, ``fit`` continues training the current network.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, shuffling, dropout and the validation
        split. An int gives reproducible fits on CPU.
    verbose : int, default=0
        Keras' verbosity in ``fit``: 0 silent, 1 progress bar, 2 one line per
        epoch.
    **kwargs : dict
        Routed parameters in scikeras style, such as
        ``optimizer__learning_rate`` or ``fit__validation_freq``.

    Attributes
    ----------
    model_ : keras.Model
        The trained network.
    history_ : dict of str to list of float
        Per-epoch ``loss`` and ``accuracy``, and ``val_loss`` and
        ``val_accuracy`` when validation data are held out.
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of pixels per image seen during ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of (int, int)
        Height and width of the images seen during ``fit``.
    pixel_scale_ : float
        The divisor the network applies to its input.
    n_iter_ : int
        Number of epochs trained.

    See Also
    --------
    ANNClassifier : Dense network on the flattened pixels.

    Examples
    --------
    >>> from fmnist_estimators import CNNClassifier
    >>> from fmnist_estimators.datasets import fetch_fashion_mnist
    >>> X, y = fetch_fashion_mnist(return_X_y=True)  # doctest: +SKIP
    >>> clf = CNNClassifier(epochs=2, random_state=0).fit(X[:5000], y[:5000])  # doctest: +SKIP
    >>> clf.predict(X[:3])  # doctest: +SKIP
    array([9, 0, 0])
    """

    _parameter_constraints = {
        **_BaseImageClassifier._parameter_constraints,
        "filters": [tuple, list],
        "kernel_size": [Interval(Integral, 1, None, closed="left")],
        "dense_units": [tuple, list],
    }

    def __init__(
        self,
        *,
        filters=(32, 64),
        kernel_size=3,
        dense_units=(64,),
        activation="relu",
        dropout=0.0,
        image_shape=None,
        pixel_scale="auto",
        optimizer="adam",
        learning_rate=1e-3,
        batch_size=128,
        epochs=12,
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
        self.kernel_size = kernel_size
        self.dense_units = dense_units
        self.activation = activation
        self.dropout = dropout
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

    def _build_hidden_layers(self, x):
        height, width = self.image_shape_
        k = self.kernel_size
        x = keras.layers.Reshape((height, width, 1))(x)
        for n_filters in self.filters:
            # "valid" convolutions as in the study; pad only images too small.
            padding = "valid" if min(height, width) >= k else "same"
            x = keras.layers.Conv2D(
                n_filters, k, activation=self.activation, padding=padding
            )(x)
            if padding == "valid":
                height, width = height - k + 1, width - k + 1
            pool = (2 if height >= 2 else 1, 2 if width >= 2 else 1)
            if pool != (1, 1):
                x = keras.layers.MaxPooling2D(pool)(x)
                height, width = height // pool[0], width // pool[1]
        x = keras.layers.Flatten()(x)
        for units in self.dense_units:
            if self.dropout:
                x = keras.layers.Dropout(self.dropout)(x)
            x = keras.layers.Dense(units, activation=self.activation)(x)
        return x
