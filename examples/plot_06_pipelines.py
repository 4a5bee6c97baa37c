"""
==============================
Pipelines with ImageReshaper
==============================

:class:`~fmnist_estimators.ImageReshaper` converts between flat rows and
image tensors, and scales pixels, inside a scikit-learn ``Pipeline``. This
lets scikit-learn's own models and the Keras estimators share the same raw
input.
"""

# %%
import os
import time
import warnings

from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from fmnist_estimators import CNNClassifier, ImageReshaper
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))
N_TEST = 10_000

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
# 28x28 images, the shape scikit-learn's models cannot take directly.
X, y = train.images[:N_TRAIN], train.target[:N_TRAIN]
X_test, y_test = test.images[:N_TEST], test.target[:N_TEST]

# %%
# Three pipelines on the same images
# ----------------------------------
# ``ImageReshaper(output="flat", scale=255)`` gives scikit-learn's models flat
# rows in [0, 1]; ``output="image"`` gives Keras' convolution layout
# ``(n, 28, 28, 1)``.
pipelines = {
    "MLPClassifier": make_pipeline(
        ImageReshaper(output="flat", scale=255),
        MLPClassifier(hidden_layer_sizes=(128, 64), max_iter=15, random_state=0),
    ),
    "PCA + logistic regression": make_pipeline(
        ImageReshaper(output="flat", scale=255),
        PCA(n_components=50, random_state=0),
        LogisticRegression(max_iter=300),
    ),
    "CNNClassifier": make_pipeline(
        ImageReshaper(output="image", scale=255),
        CNNClassifier(epochs=4, random_state=0),
    ),
}
for name, pipeline in pipelines.items():
    start = time.perf_counter()
    with warnings.catch_warnings():
        # The MLP stops at its 15 epochs on purpose, before it has converged.
        warnings.simplefilter("ignore", ConvergenceWarning)
        pipeline.fit(X, y)
    print(f"{name:>26}: accuracy {pipeline.score(X_test, y_test):.3f} "
          f"(fit {time.perf_counter() - start:.1f} s)")

# %%
# The CNN saw pixels already in [0, 1], so its automatic scaling divided by 1:
print("pixel_scale_ of the CNN:", pipelines["CNNClassifier"][-1].pixel_scale_)

# %%
# Pipelines display as diagrams in notebooks and here:
pipelines["CNNClassifier"]
