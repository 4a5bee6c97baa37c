"""
==========
ANN vs CNN
==========

The study's question in miniature: the notebook's dense network and its small
CNN, trained with identical settings on identical images. Both come from
recipes that reproduce the notebook's networks and training settings (the
CNN's in mixed bfloat16 where TensorFlow runs on a CPU with bfloat16
instructions); only the number of epochs and images is reduced here.
"""

# %%
import os
import time

import matplotlib.pyplot as plt

from fmnist_estimators import make_recipe
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 3000))
N_TEST = 1000

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data[:N_TRAIN], train.target[:N_TRAIN]
X_test, y_test = test.data[:N_TEST], test.target[:N_TEST]

# %%
# Train both
# ----------
# Flat 784-pixel rows suit both models: the CNN infers the 28x28 image shape.
results = {}
for name in ("seed-ann", "seed-cnn"):
    clf = make_recipe(name, epochs=3, random_state=0)
    start = time.perf_counter()
    clf.fit(X, y)
    fit_time = time.perf_counter() - start
    results[name] = (clf.score(X_test, y_test), fit_time, clf.model_.count_params())
    print(f"{name}: accuracy {results[name][0]:.3f}, fit {fit_time:.1f} s, "
          f"{results[name][2]:,} weights")

# %%
# Compare
# -------
# With this little training the gap is only indicative; the study report has
# the full-data numbers.
fig, (ax_acc, ax_time) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
names = list(results)
ax_acc.bar(names, [r[0] for r in results.values()], color=["C0", "C1"])
ax_acc.set_ylabel("test accuracy")
ax_acc.set_ylim(0, 1)
ax_time.bar(names, [r[1] for r in results.values()], color=["C0", "C1"])
ax_time.set_ylabel("fit time (s)")
