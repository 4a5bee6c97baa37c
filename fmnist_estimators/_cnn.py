"""Convolutional network classifier."""

from numbers import Integral

import keras
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import _BaseImageClassifier


class CNNClassifier(ClassifierMixin, _BaseImageClassifier):
    """Convolutional neural network for grayscale image classification.

    The defaults keep the small CNN of the ANN-vs-CNN study,
    ``Conv(32, 3x3) -> MaxPool -> Conv(64, 3x3) -> MaxPool -> Dense(64) ->
    Dense(n_classes)``, and train it better: batch normalisation, dropout 0.3
    before the dense layer, random left-right flips of the training images,
    and Adam with a one-cycle schedule peaking at 3e-3; batch size 128, 12
    epochs, 10% of the training data held out for validation. See the
    accuracy benchmark for what this gains over the study's settings, which
    ``make_recipe("seed-cnn")`` reproduces (in mixed bfloat16 with the
    TensorFlow backend on CPUs with bfloat16 instructions).

    Images smaller than the kernel are padded ("same" convolution) and pooling
    is skipped along axes of length 1, so any image size works, down to a
    single row of features.

    Parameters
    ----------
    filters : tuple of int, default=(32, 64)
        Number of filters of each convolution block (``convs_per_block``
        convolutions, then 2x2 max pooling).
    kernel_size : int, default=3
        Side of the square convolution kernels.
    convs_per_block : int, default=1
        Convolutions in each block before its pooling (2 gives VGG-style
        blocks).
    padding : {"valid", "same"}, default="valid"
        Padding of the convolutions. "valid", as in the study, shrinks each
        feature map by ``kernel_size - 1`` per convolution, which limits 28x28
        images to two blocks of two convolutions; "same" keeps the size, so
        three blocks fit (28 -> 14 -> 7 -> 3), at a higher cost per image.
    dense_units : tuple of int, default=(64,)
        Units of the dense layers after the convolution blocks.
    activation : str, default="relu"
        Activation of the hidden layers, any name Keras knows.
    dropout : float, default=0.3
        Dropout rate before each dense layer; 0 adds no dropout layer.
    batch_normalization : bool, default=True
        Batch normalisation between each hidden layer and its activation.
    random_flip : bool, default=True
        Flip training images left-right at random (a training-only Keras
        preprocessing layer; Fashion-MNIST's classes are mirror-symmetric).
        Like every augmentation, skipped for flat features that are not
        images (an inferred image of a single row).
    random_translation : float, default=0.0
        Shift training images by up to this fraction of their height and width
        at random (zero fill); 0 disables it.
    random_erasing : float, default=0.0
        Probability that a training image has a random rectangle (2% to 33% of
        its area) replaced by random pixel values in [0, 1], as in Zhong et al.
        (2020), "Random Erasing Data Augmentation"; 0 disables it.
    label_smoothing : float, default=0.0
        Label smoothing of the cross-entropy loss.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as ``{class label: weight}``
        (classes left out weigh 1); "balanced" weighs each class by
        ``n_samples / (n_classes * count)`` in ``y`` (not supported by
        ``partial_fit``, whose calls see only part of the labels). Multiplied
        by ``sample_weight``, on the training data and the validation
        hold-out alike.
    weight_decay : float, default=0.0
        Decoupled weight decay of the optimizer (AdamW-style with "adam" or
        "adamw").
    lr_schedule : {"constant", "cosine", "one-cycle"}, default="one-cycle"
        Learning-rate schedule over the training steps of one call: constant,
        cosine decay to 0, or one cycle (linear warm-up over 30% of the steps
        from ``learning_rate / 25``, then cosine decay). Each ``fit`` runs the
        whole schedule over its ``epochs``, and so does a warm-started ``fit``
        or each ``partial_fit`` call (one epoch) on the current network: the
        schedule restarts while the optimizer's moments carry on.
    test_time_augmentation : bool, default=False
        Average the predicted probabilities of each image and its left-right
        mirror image.
    dtype_policy : {"float32", "auto", "mixed_bfloat16", "mixed_float16"}, \
            default="float32"
        Precision of the hidden layers' computations (a Keras dtype policy);
        weights and the output probabilities stay float32. "mixed_bfloat16"
        trains and predicts faster on CPUs with bfloat16 instructions
        (AVX512-BF16, AMX) and on recent GPUs, with slightly different
        numerics, but is several times slower on CPUs without them (emulated);
        "mixed_float16" is for GPUs. "auto" is "mixed_bfloat16" with the
        TensorFlow backend on a CPU with bfloat16 instructions and "float32"
        everywhere else; ``dtype_policy_`` records the choice.
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
    learning_rate : float, default=3e-3
        Learning rate of the optimizer, the peak of a schedule (ignored for an
        optimizer instance).
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
        Routed parameters in scikeras style: ``optimizer__<name>`` (the
        optimizer's arguments), ``compile__<name>`` (``keras.Model.compile``),
        ``fit__<name>`` (``keras.Model.fit``, e.g. ``fit__validation_freq``),
        ``predict__batch_size`` and ``callbacks__<name>``. A misspelled name, or
        one that would override a parameter above (``fit__epochs``,
        ``optimizer__learning_rate``...), raises in ``fit`` and ``set_params``
        with the name to use.

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
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of (int, int)
        Height and width of the images seen during ``fit``.
    pixel_scale_ : float
        The divisor the network applies to its input.
    dtype_policy_ : str
        The Keras dtype policy the network was built with: ``dtype_policy``,
        with "auto" resolved.
    n_iter_ : int
        Number of epochs trained.
    validation_score_ : float or None
        Accuracy of the returned network on the validation hold-out, after
        early stopping restored the best weights and batch-norm statistics
        were recalibrated; ``history_["val_accuracy"]`` gives each epoch's
        figure as measured during training. None without a hold-out.
    validation_loss_ : float or None
        Loss of the returned network on the validation hold-out, likewise.

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
        "convs_per_block": [Interval(Integral, 1, None, closed="left")],
        "padding": [StrOptions({"valid", "same"})],
        "dense_units": [tuple, list],
    }

    def __init__(
        self,
        *,
        filters=(32, 64),
        kernel_size=3,
        convs_per_block=1,
        padding="valid",
        dense_units=(64,),
        activation="relu",
        dropout=0.3,
        batch_normalization=True,
        random_flip=True,
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
        self.convs_per_block = convs_per_block
        self.padding = padding
        self.dense_units = dense_units
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

    def _build_hidden_layers(self, x):
        height, width = self.image_shape_
        k = self.kernel_size
        x = self._augmented_images(x)
        for n_filters in self.filters:
            for _ in range(self.convs_per_block):
                # Even "valid" convolutions pad feature maps smaller than the kernel.
                padding = self.padding if min(height, width) >= k else "same"
                x = self._activated(keras.layers.Conv2D, x, n_filters, k, padding=padding)
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
            x = self._activated(keras.layers.Dense, x, units)
        return x
