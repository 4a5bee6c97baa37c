"""
=======================================
Confusion matrix and misclassifications
=======================================

Where does the CNN go wrong? scikit-learn's ``ConfusionMatrixDisplay`` shows
which classes it confuses, and
:class:`~fmnist_estimators.MisclassifiedImagesDisplay` the test images it got
wrong with the most confidence.
"""

# %%
import os

import matplotlib.pyplot as plt
from sklearn.metrics import ConfusionMatrixDisplay, classification_report

from fmnist_estimators import CNNClassifier, MisclassifiedImagesDisplay
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))
N_TEST = 1000

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
names = list(train.target_names)
X, y = train.images[:N_TRAIN], train.target[:N_TRAIN]
X_test, y_test = test.images[:N_TEST], test.target[:N_TEST]

clf = CNNClassifier(epochs=3, random_state=0).fit(X, y)
print(classification_report(y_test, clf.predict(X_test), target_names=names))

# %%
# Confusion matrix
# ----------------
# The estimator is an ordinary classifier, so scikit-learn's display works as is.
fig, ax = plt.subplots(figsize=(8, 7.5), layout="constrained")
display = ConfusionMatrixDisplay.from_estimator(
    clf, X_test, y_test, display_labels=names, xticks_rotation="vertical",
    normalize="true", values_format=".2f", ax=ax, colorbar=False,
)

# %%
# Most confident mistakes
# -----------------------
# Each title gives the true class, the predicted class and the probability the
# model gave to its wrong answer.
# Two rows of four keep the titles readable.
fig, axes = plt.subplots(2, 4, figsize=(7, 5.4), layout="constrained")
errors = MisclassifiedImagesDisplay.from_estimator(
    clf, X_test, y_test, n_images=8, target_names=names, ax=axes
)
plt.show()
