"""Named recipes."""

import pytest
from sklearn.base import clone

from fmnist_estimators import ANNClassifier, CNNClassifier, list_recipes, make_recipe


def test_seed_recipes_are_the_defaults():
    assert make_recipe("seed-ann").get_params() == ANNClassifier().get_params()
    assert make_recipe("seed-cnn").get_params() == CNNClassifier().get_params()


def test_every_recipe_is_an_ordinary_estimator():
    for name, description in list_recipes().items():
        estimator = make_recipe(name, random_state=3)
        assert description
        assert clone(estimator).get_params()["random_state"] == 3


def test_unknown_recipe():
    with pytest.raises(ValueError, match="seed-cnn"):
        make_recipe("no-such-recipe")
