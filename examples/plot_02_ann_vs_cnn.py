"""
==========
ANN vs CNN
==========

The study's question in miniature: a dense network and a small CNN, trained
with identical settings on identical images and tested on the whole test set.
Both are the estimators' defaults (batch normalisation, dropout and a one-cycle
learning-rate schedule); the notebook's own networks are the ``seed-ann`` and
``seed-cnn`` recipes, which need more epochs than this page trains.
"""

# %%
import os
import time

import matplotlib.pyplot as plt

from fmnist_estimators import ANNClassifier, CNNClassifier
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))
N_TEST = 10_000

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data[:N_TRAIN], train.target[:N_TRAIN]
X_test, y_test = test.data[:N_TEST], test.target[:N_TEST]

# %%
# Train both
# ----------
# Flat 784-pixel rows suit both models: the CNN infers the 28x28 image shape.
# Four epochs instead of the default twelve keep the page fast.
models = {
    "ANN": ANNClassifier(epochs=4, random_state=0),
    "CNN": CNNClassifier(epochs=4, random_state=0),
}
results = {}
for name, clf in models.items():
    start = time.perf_counter()
    clf.fit(X, y)
    fit_time = time.perf_counter() - start
    results[name] = (clf.score(X_test, y_test), fit_time, clf.model_.count_params())
    print(f"{name}: accuracy {results[name][0]:.3f}, fit {fit_time:.1f} s, "
          f"{results[name][2]:,} weights")

# %%
# Compare
# -------
# The CNN is the more accurate, as on the full data, where with twelve epochs
# the defaults reach 0.921 (CNN) and 0.899 (ANN) test accuracy (means over
# three seeds, ``benchmarks/results/accuracy.md``).
fig, (ax_acc, ax_time) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
names = list(results)
bars = ax_acc.bar(names, [r[0] for r in results.values()], color=["C0", "C1"])
ax_acc.bar_label(bars, fmt="%.3f")
ax_acc.set_ylabel("test accuracy")
ax_acc.set_ylim(0, 1)
bars = ax_time.bar(names, [r[1] for r in results.values()], color=["C0", "C1"])
ax_time.bar_label(bars, fmt="%.1f s")
ax_time.set_ylabel("fit time (s)")
ax_time.margins(y=0.15)  # room for the labels above the bars
plt.show()
