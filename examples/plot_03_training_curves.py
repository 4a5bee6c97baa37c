"""
===============
Training curves
===============

Every fit records per-epoch training and validation metrics in ``history_``;
:class:`~fmnist_estimators.TrainingHistoryDisplay` plots them, and can overlay
several models on the same axes.
"""

# %%
import os

from fmnist_estimators import ANNClassifier, CNNClassifier, TrainingHistoryDisplay, make_recipe
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))

X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
X, y = X[:N_TRAIN], y[:N_TRAIN]

# %%
# 10% of the training images are held out (``validation_fraction=0.1``) and
# scored after every epoch.
ann = ANNClassifier(epochs=4, random_state=0).fit(X, y)
cnn = CNNClassifier(epochs=4, random_state=0).fit(X, y)
print(sorted(ann.history_))

# %%
# Plot one model, then pass its axes to overlay the other.
display = TrainingHistoryDisplay.from_estimator(ann, name="ANN")
display = TrainingHistoryDisplay.from_estimator(cnn, ax=display.ax_, name="CNN")

# %%
# Early stopping
# --------------
# ``early_stopping=True`` stops when the validation loss has not improved for
# ``n_iter_no_change`` epochs and restores the best weights; ``n_iter_``
# tells how many epochs ran.
stopped = make_recipe(
    "seed-ann", epochs=8, early_stopping=True, n_iter_no_change=1, random_state=0
).fit(X, y)
print(f"trained {stopped.n_iter_} of 8 epochs")
display = TrainingHistoryDisplay.from_estimator(
    stopped, metrics=("loss",), name="ANN, early stopping"
)
