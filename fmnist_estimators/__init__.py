"""scikit-learn estimators for the ANN-vs-CNN study on Fashion-MNIST.

The estimators import Keras (and with it the backend) on first use, so
``import fmnist_estimators`` stays fast.
"""

import importlib

from ._plotting import (
    MisclassifiedImagesDisplay,
    SearchHeatmapDisplay,
    TrainingHistoryDisplay,
)
from ._preprocessing import ImageReshaper
from ._recipes import list_recipes, make_recipe
from ._version import __version__
from .datasets import fetch_fashion_mnist

_LAZY_ATTRIBUTES = {
    "ANNClassifier": "._ann",
    "CNNClassifier": "._cnn",
}

__all__ = [
    "ANNClassifier",
    "CNNClassifier",
    "ImageReshaper",
    "MisclassifiedImagesDisplay",
    "SearchHeatmapDisplay",
    "TrainingHistoryDisplay",
    "fetch_fashion_mnist",
    "list_recipes",
    "make_recipe",
    "__version__",
]


def __getattr__(name):
    if name in _LAZY_ATTRIBUTES:
        module = importlib.import_module(_LAZY_ATTRIBUTES[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
