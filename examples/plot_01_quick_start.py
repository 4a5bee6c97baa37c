"""
===========
Quick start
===========

Load Fashion-MNIST, train the CNN and predict, as with any scikit-learn
classifier.
"""

# %%
# Load the data
# -------------
# :func:`~fmnist_estimators.datasets.fetch_fashion_mnist` returns a scikit-learn
# ``Bunch``; ``images`` holds the raw 28x28 ``uint8`` pixels. A subset keeps
# this example fast.
import os
import time

import matplotlib.pyplot as plt

from fmnist_estimators import CNNClassifier
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))
N_TEST = 1000

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.images[:N_TRAIN], train.target[:N_TRAIN]
X_test, y_test = test.images[:N_TEST], test.target[:N_TEST]
print(X.shape, X.dtype, train.target_names)

fig, axes = plt.subplots(1, 10, figsize=(10, 1.6))
for ax, image, label in zip(axes, X, y):
    ax.imshow(image, cmap="gray_r")
    ax.set_title(train.target_names[label], fontsize=7)
    ax.axis("off")

# %%
# Train and evaluate
# ------------------
# Raw 0-255 images go straight in: the network rescales them itself
# (``pixel_scale="auto"``). The default CNN trains for 12 epochs; three are
# enough to show the workflow.
clf = CNNClassifier(epochs=3, random_state=0)
start = time.perf_counter()
clf.fit(X, y)
print(f"fit in {time.perf_counter() - start:.1f} s")
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
# The fitted estimator exposes scikit-learn's fitted attributes and the
# per-epoch history.
print(clf.classes_, clf.image_shape_, clf.pixel_scale_, clf.n_iter_)
print({name: [round(v, 3) for v in values] for name, values in clf.history_.items()})

# %%
# Predictions and probabilities for a few test images:
proba = clf.predict_proba(X_test[:5])
for image_label, row in zip(y_test[:5], proba):
    print(f"{test.target_names[image_label]:>12}: predicted "
          f"{test.target_names[row.argmax()]} ({row.max():.2f})")
