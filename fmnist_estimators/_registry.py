"""The network families, one row each.

The recipes, the command line, the study, the Optuna search spaces, the
common estimator checks and the API page read this table instead of naming
families. It imports nothing heavy, so the command line can read it before
TensorFlow loads. A new family is a module with its estimator class (its search
space may live there too) plus one row here.
"""

import dataclasses
import importlib


@dataclasses.dataclass(frozen=True)
class Family:
    """One network family.

    Parameters
    ----------
    name : str
        Short name, as the command line and the study spell it ("cnn").
    label : str
        Display label in reports ("CNN").
    estimator : str
        Name of its estimator class, exported by ``fmnist_estimators``.
    module : str
        Private module that defines the class (and its search space).
    seed_recipe : str
        The recipe that the study and the tune command start from: the seed
        notebook's network for the two families it has, the defaults for the
        others.
    search_space : str
        The Optuna search space, ``trial -> parameters``, as
        ``"module:function"``.
    check_params : dict
        Small, fast settings for scikit-learn's estimator checks.
    """

    name: str
    label: str
    estimator: str
    module: str
    seed_recipe: str
    search_space: str
    check_params: dict = dataclasses.field(default_factory=dict)

    def estimator_class(self):
        """The estimator class (imports Keras)."""
        return getattr(importlib.import_module(self.module), self.estimator)

    def search_space_function(self):
        """The Optuna search space: ``trial -> parameters``."""
        module, function = self.search_space.split(":")
        return getattr(importlib.import_module(module), function)


_SPACES = "fmnist_estimators.model_selection._search_spaces"

FAMILIES = {
    family.name: family
    for family in (
        Family("ann", "ANN", "ANNClassifier", "fmnist_estimators._ann", "seed-ann",
               f"{_SPACES}:ann_search_space", {"hidden_layer_sizes": (16,)}),
        Family("cnn", "CNN", "CNNClassifier", "fmnist_estimators._cnn", "seed-cnn",
               f"{_SPACES}:cnn_search_space", {"filters": (4,), "dense_units": (8,)}),
        Family("resnet", "ResNet", "ResNetClassifier", "fmnist_estimators._resnet",
               "resnet", "fmnist_estimators._resnet:resnet_search_space",
               {"filters": (8, 16)}),
    )
}


def get_family(name):
    """The family called ``name``, with an error that lists the others."""
    try:
        return FAMILIES[name]
    except KeyError:
        raise ValueError(
            f"Unknown network family {name!r}; the families are: {', '.join(FAMILIES)}."
        ) from None


def family_of(estimator_name):
    """The family whose estimator class is called ``estimator_name``."""
    for family in FAMILIES.values():
        if family.estimator == estimator_name:
            return family
    raise ValueError(f"No network family has the estimator {estimator_name!r}.")
