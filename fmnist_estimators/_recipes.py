"""Named, documented estimator configurations."""

import importlib

# name -> (estimator class name, parameters, one-line description)
_RECIPES = {
    "seed-ann": (
        "ANNClassifier",
        {},
        "The study's dense network: Dense(128)-Dense(64), Adam 1e-3, batch 128, "
        "12 epochs, 10% validation hold-out.",
    ),
    "seed-cnn": (
        "CNNClassifier",
        {},
        "The study's small CNN: Conv(32)-Pool-Conv(64)-Pool-Dense(64), Adam 1e-3, "
        "batch 128, 12 epochs, 10% validation hold-out.",
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
    >>> sorted(list_recipes())[:2]
    ['seed-ann', 'seed-cnn']
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
    estimator : ANNClassifier or CNNClassifier
        An ordinary estimator: it can be cloned, searched and put in a
        pipeline.

    Examples
    --------
    >>> from fmnist_estimators import make_recipe
    >>> make_recipe("seed-cnn", random_state=0)
    CNNClassifier(random_state=0)
    """
    if name not in _RECIPES:
        raise ValueError(
            f"Unknown recipe {name!r}; available recipes: {', '.join(_RECIPES)}."
        )
    class_name, recipe_params, _ = _RECIPES[name]
    estimator_class = getattr(importlib.import_module("fmnist_estimators"), class_name)
    return estimator_class(**{**recipe_params, **params})
