"""
==================
Saving and loading
==================

A fitted estimator pickles like any scikit-learn estimator; its Keras network
can also be saved on its own as a ``.keras`` file, which any version of this
library, or plain Keras, can read.
"""

# %%
import os
import pickle
import tempfile
from pathlib import Path

import joblib
import keras
import numpy as np

from fmnist_estimators import ANNClassifier
from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = int(os.environ.get("FMNIST_EXAMPLES_N_TRAIN", 10_000))

X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
X, y = X[:N_TRAIN], y[:N_TRAIN]
X_new = X[:200]
clf = ANNClassifier(hidden_layer_sizes=(64,), epochs=1, random_state=0).fit(X, y)
folder = Path(tempfile.mkdtemp())

# %%
# joblib (or pickle)
# ------------------
# The reloaded estimator predicts exactly as the original.
joblib.dump(clf, folder / "ann.joblib")
reloaded = joblib.load(folder / "ann.joblib")
print("identical probabilities:",
      np.array_equal(clf.predict_proba(X_new), reloaded.predict_proba(X_new)))

# %%
# A pickle records the release that wrote it; another release refuses it with
# a clear message rather than failing later. Here we fake a pickle from an
# older release by editing the recorded version.
state = clf.__getstate__()
state["_fmnist_estimators_version"] = "0.0.1"
try:
    pickle.loads(pickle.dumps(clf)).__setstate__(state)
except ValueError as error:
    print(error)

# %%
# The Keras network as a ``.keras`` file
# --------------------------------------
# The network takes flat float rows and contains the pixel scaling, so raw
# 0-255 values go in. ``safe_mode=True`` refuses files that would run code.
clf.model_.save(folder / "ann.keras")
network = keras.saving.load_model(folder / "ann.keras", safe_mode=True)
proba = network.predict(X_new.reshape(len(X_new), -1).astype("float32"), verbose=0)
print("max difference:", float(np.abs(proba - clf.predict_proba(X_new)).max()))
print("sizes:", {p.name: f"{p.stat().st_size / 1e3:.0f} kB" for p in folder.iterdir()})
