"""Named, documented estimator configurations."""

from ._registry import FAMILIES

# The seed notebook's training settings, pinned so that the seed recipes stay
# exact whatever the estimators' defaults become.
_SEED_TRAINING = {
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "batch_size": 128,
    "epochs": 12,
    "validation_fraction": 0.1,
    "dropout": 0.0,
    "batch_normalization": False,
    "random_flip": False,
    "random_translation": 0.0,
    "random_erasing": 0.0,
    "label_smoothing": 0.0,
    "weight_decay": 0.0,
    "lr_schedule": "constant",
    "test_time_augmentation": False,
    "early_stopping": False,
    "dtype_policy": "float32",
}

# The seed notebook's CNN with its training settings, in bfloat16 where the
# hardware computes it natively (the same accuracy, measured over seeds).
_SEED_CNN = {
    **_SEED_TRAINING, "filters": (32, 64), "kernel_size": 3, "convs_per_block": 1,
    "dense_units": (64,), "activation": "relu", "dtype_policy": "auto",
}

# What the two deep recipes share: two convolutions per block, batch norm,
# flips, label smoothing, a one-cycle schedule and mirror-image test-time
# augmentation. No random shifts: wide-cnn was measured without them, before
# they became CNNClassifier's default.
_DEEP_CNN = {
    "convs_per_block": 2, "dense_units": (256,),
    "random_translation": 0.0,
    "batch_normalization": True, "random_flip": True, "label_smoothing": 0.1,
    "lr_schedule": "one-cycle", "learning_rate": 3e-3, "test_time_augmentation": True,
}

# name -> (network family, parameters, one-line description)
_RECIPES = {
    "seed-ann": (
        "ann",
        {**_SEED_TRAINING, "hidden_layer_sizes": (128, 64), "activation": "relu"},
        "The study's dense network exactly: Dense(128)-Dense(64), Adam 1e-3, "
        "batch 128, 12 epochs, 10% validation hold-out.",
    ),
    "seed-cnn": (
        "cnn",
        _SEED_CNN,
        "The study's small CNN: Conv(32)-Pool-Conv(64)-Pool-Dense(64), "
        "Adam 1e-3, batch 128, 12 epochs, 10% validation hold-out; in mixed "
        "bfloat16 with TensorFlow on CPUs with bfloat16 instructions "
        "(dtype_policy='auto').",
    ),
    "fast-cnn": (
        "cnn",
        {**_SEED_CNN, "filters": (32, 48), "dense_units": (512,), "batch_size": 512,
         "learning_rate": 1e-2, "lr_schedule": "one-cycle", "label_smoothing": 0.1,
         "epochs": 7, "validation_fraction": 0.0},
        "A small CNN trained for time to accuracy: Conv(32)-Pool-Conv(48)-Pool-"
        "Dense(512), batch 512 with a one-cycle schedule peaking at 1e-2, label "
        "smoothing 0.1, 7 epochs, no hold-out; in mixed bfloat16 with TensorFlow "
        "on CPUs with bfloat16 instructions (dtype_policy='auto').",
    ),
    "best-cnn": (
        "cnn",
        {**_DEEP_CNN, "filters": (48, 96), "dropout": 0.25, "random_erasing": 0.25,
         "weight_decay": 0.05, "random_translation": 0.05, "epochs": 48,
         "validation_fraction": 0.0, "dtype_policy": "auto"},
        "The most accurate recipe for a CPU (about 16 minutes on a 2-core CPU "
        "with bfloat16 instructions): two blocks of two convolutions with 48 and "
        "96 filters, batch norm, dropout 0.25, flips, one-pixel shifts and random "
        "erasing 0.25, label smoothing 0.1, decoupled weight decay 0.05, "
        "one-cycle schedule over 48 epochs on all training images, mirror-image "
        "test-time augmentation; in mixed bfloat16 with TensorFlow on CPUs with "
        "bfloat16 instructions (dtype_policy='auto').",
    ),
    "wide-cnn": (
        "cnn",
        {**_DEEP_CNN, "dropout": 0.4, "random_erasing": 0.5, "weight_decay": 0.0,
         "filters": (64, 128, 256), "padding": "same", "epochs": 60,
         "validation_fraction": 0.1, "dtype_policy": "mixed_bfloat16"},
        "The most accurate recipe, for a GPU: three blocks of (64, 128, 256) "
        "filters with 'same' padding, dropout 0.4, random erasing 0.5, 60 epochs "
        "with a 10% hold-out, in mixed bfloat16 (about a minute on one H200; "
        "hours, by estimate, on a 2-core CPU).",
    ),
    "ann": ("ann", {}, "ANNClassifier's defaults (no augmentation)."),
    "cnn": (
        "cnn",
        {"random_flip": True},
        "CNNClassifier's defaults with random left-right flips, which assume "
        "that a mirrored image has the same class (true of Fashion-MNIST's "
        "garments, not of digits).",
    ),
    "resnet": (
        "resnet",
        {"random_flip": True},
        "ResNetClassifier's defaults with random left-right flips (which assume "
        "that a mirrored image has the same class).",
    ),
}


def list_recipes():
    """Names and descriptions of the available recipes.

    Returns
    -------
    recipes : dict of str to str
        Recipe name to a one-line description.

    Examples
    --------
    >>> from fmnist_estimators import list_recipes
    >>> sorted(list_recipes())
    ['ann', 'best-cnn', 'cnn', 'fast-cnn', 'resnet', 'seed-ann', 'seed-cnn', 'wide-cnn']
    """
    return {name: description for name, (_, _, description) in _RECIPES.items()}


def make_recipe(name, **params):
    """An unfitted estimator configured by a named recipe.

    Parameters
    ----------
    name : str
        One of :func:`list_recipes`.
    **params : dict
        Parameters that override the recipe's, e.g. ``random_state=0`` or
        ``epochs=3``.

    Returns
    -------
    estimator : ANNClassifier, CNNClassifier or ResNetClassifier
        An ordinary estimator: it can be cloned, searched and put in a
        pipeline.

    Examples
    --------
    >>> from fmnist_estimators import make_recipe
    >>> cnn = make_recipe("seed-cnn", random_state=0)
    >>> cnn.get_params()["learning_rate"], cnn.get_params()["lr_schedule"]
    (0.001, 'constant')
    """
    if name not in _RECIPES:
        raise ValueError(
            f"Unknown recipe {name!r}; available recipes: {', '.join(_RECIPES)}."
        )
    family, recipe_params, _ = _RECIPES[name]
    return FAMILIES[family].estimator_class()(**{**recipe_params, **params})
