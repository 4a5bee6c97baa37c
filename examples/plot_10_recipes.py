"""
===========================
Recipes and building blocks
===========================

:func:`~fmnist_estimators.make_recipe` returns named configurations:
``seed-ann`` and ``seed-cnn`` are the notebook's networks and training
settings (``seed-cnn`` computes in bfloat16 with the TensorFlow backend on
CPUs with bfloat16 instructions), the others trade time for accuracy. Every
ingredient is also a plain constructor parameter, so a recipe is only a
starting point.
"""

# %%
import os
import time

import pandas as pd

from fmnist_estimators import CNNClassifier, TrainingHistoryDisplay, list_recipes, make_recipe
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))
N_TEST = 10_000

pd.Series(list_recipes(), name="description").to_frame()

# %%
# A recipe is an ordinary estimator; keyword arguments override its settings.
print(make_recipe("fast-cnn", epochs=1, random_state=0))

# %%
# Building blocks
# ---------------
# The seed CNN next to one with the accuracy ingredients switched on
# individually: batch normalisation, random left-right flips, label
# smoothing and a one-cycle learning-rate schedule. On the full data, with
# twelve epochs, they take the test accuracy from about 0.91 (``seed-cnn``)
# to about 0.92 (``CNNClassifier()``'s defaults and the ``cnn`` recipe; means
# over three seeds in ``benchmarks/results/accuracy.md``).
train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.images[:N_TRAIN], train.target[:N_TRAIN]
X_test, y_test = test.images[:N_TEST], test.target[:N_TEST]

models = {
    "seed-cnn": make_recipe("seed-cnn", epochs=4, random_state=0),
    "with building blocks": CNNClassifier(
        filters=(32, 64), dense_units=(64,), batch_normalization=True,
        random_flip=True, label_smoothing=0.1, lr_schedule="one-cycle",
        learning_rate=3e-3, dropout=0.3, epochs=4, random_state=0,
    ),
}
display = None
for name, clf in models.items():
    start = time.perf_counter()
    clf.fit(X, y)
    print(f"{name:>22}: accuracy {clf.score(X_test, y_test):.3f} "
          f"(fit {time.perf_counter() - start:.1f} s)")
    display = TrainingHistoryDisplay.from_estimator(
        clf, name=name, ax=None if display is None else display.ax_
    )
