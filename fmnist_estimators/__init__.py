"""scikit-learn estimators for the ANN-vs-CNN study on Fashion-MNIST.

Public names are imported on first use, so ``import fmnist_estimators`` (and
the command line's ``--help``) stays fast: Keras, TensorFlow, scikit-learn and
pandas load only when an estimator, loader or display is first touched.
"""

import importlib

from ._version import __version__

# Public name -> private module that defines it.
_PUBLIC_API = {
    "ANNClassifier": "._ann",
    "CNNClassifier": "._cnn",
    "ImageReshaper": "._preprocessing",
    "MisclassifiedImagesDisplay": "._plotting",
    "ResNetClassifier": "._resnet",
    "SearchHeatmapDisplay": "._plotting",
    "TrainingHistoryDisplay": "._plotting",
    "export_onnx": "._onnx",
    "fetch_fashion_mnist": ".datasets",
    "list_recipes": "._recipes",
    "make_recipe": "._recipes",
}

__all__ = [*_PUBLIC_API, "__version__"]


def __getattr__(name):
    if name in _PUBLIC_API:
        value = getattr(importlib.import_module(_PUBLIC_API[name], __name__), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
