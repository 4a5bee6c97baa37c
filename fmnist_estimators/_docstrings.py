"""Docstring text shared by the network families, written once.

A family's class docstring holds placeholders such as ``{training_parameters}``
on lines of their own; :func:`shared_docstring` replaces them with the text
below, as imbalanced-learn's ``Substitution`` does. Only the names given are
replaced, so the braces of option sets (``{"valid", "same"}``) need no
escaping.
"""

_BLOCKS = {
    "activation": """\
    activation : str, default="relu"
        Activation of the hidden layers, any name Keras knows.
""",
    "batch_normalization": """\
    batch_normalization : bool, default=True
        Batch normalisation between each hidden layer and its activation.
        At the end of ``fit`` its statistics are recomputed from the trained
        weights on up to 4,096 training images, in inference mode (without
        augmentation or dropout).
""",
    # CNNClassifier documents its own default of 0.05.
    "random_translation": """\
    random_translation : float, default=0.0
        Shift training images by up to this fraction of their height and width
        at random, in whole pixels (zero fill); 0 disables it.
""",
    "training_parameters": """\
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
        everywhere else; ``dtype_policy_`` records the choice. On JAX's CPU
        backend, ``fit`` raises a ValueError for a bfloat16 policy where
        JAX's compiler gets a small bfloat16 convolution block wrong (as JAX
        0.11.2 does), rather than fit a network that predicts one class.
    image_shape : tuple of (int, int) or (int, int, int), default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image.
        None infers it from ``X`` in ``fit``: from the array shape for 3-D
        ``(n_samples, height, width)`` or 4-D ``(n_samples, height, width,
        channels)`` input, else a square single-channel image when the number
        of features is a perfect square, else one row of pixels. Without
        channels, those of a 4-D ``X`` are used, and one for flat rows: flat
        rows of colour images need ``(height, width, channels)``, in the
        order of ``X.reshape(n_samples, -1)`` on channels-last images. A 4-D
        ``X`` whose second axis has at most 4 entries and whose last has more
        is taken for channels-first ``(n_samples, channels, height, width)``
        and refused with the transpose that fixes it, unless ``image_shape``
        gives its three last axes.
    pixel_scale : "auto", float or None, default="auto"
        Value of a white pixel: the network divides its input (every channel)
        by it. "auto" uses 255 for uint8 images; for other non-negative
        training data with values above 1, their maximum (255 for 8-bit
        images stored as floats, 16 for scikit-learn's ``load_digits``); and 1
        otherwise (data in [0, 1], standardised features); None never scales.
        The scaling is a layer of the network, so raw images can be passed to
        ``predict``.
    optimizer : str, keras optimizer class or instance, default="adam"
        Optimizer; its other arguments can be routed as
        ``optimizer__<name>=value`` (e.g. ``optimizer__beta_1=0.8``).
    learning_rate : float, default=3e-3
        Learning rate of the optimizer, the peak of a schedule (ignored for an
        optimizer instance).
    batch_size : int, default=128
        Number of images per gradient step.
    epochs : int or "auto", default="auto"
        Number of passes over the training data. "auto" is 12, or more on
        small training sets: as many as make at least 2,000 optimiser steps
        (``ceil(2000 / ceil(n_train / batch_size))`` epochs, with ``n_train``
        the images left after the validation hold-out), so that a few
        thousand images train as long as they need (200 epochs for the 1,213
        training images of ``load_digits`` after a 25% test split and the
        hold-out); 54,000 Fashion-MNIST images get 12. ``n_iter_`` records
        the epochs trained. ``partial_fit`` always trains one.
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
""",
    "fitted_attributes": """\
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
        Number of values per image seen during ``fit``, height * width *
        channels.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of (int, int, int)
        Height, width and channels of the images seen during ``fit``;
        ``predict`` refuses images of another shape, naming both.
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
""",
}


def shared_docstring(cls):
    """Fill a family class's docstring placeholders with the shared text.

    Parameters
    ----------
    cls : type
        A class whose docstring has ``{name}`` lines for names of ``_BLOCKS``.

    Returns
    -------
    cls : type
        The same class.
    """
    doc = cls.__doc__
    for name, text in _BLOCKS.items():
        doc = doc.replace("    {" + name + "}", text)
    cls.__doc__ = doc
    return cls
