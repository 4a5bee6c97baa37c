"""Training faults, persistence across processes and versions, determinism."""

import pickle
import subprocess
import sys
import textwrap

import joblib
import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
import fmnist_estimators._base as base_module
from fmnist_estimators import ANNClassifier, CNNClassifier

FAST = {"hidden_layer_sizes": (16,), "epochs": 3, "batch_size": 64, "random_state": 0}


class _InterruptAt(keras.callbacks.Callback):
    """Raise KeyboardInterrupt at the end of an epoch, or within it."""

    def __init__(self, epoch, *, within_epoch=False):
        super().__init__()
        self.epoch, self.within_epoch, self._current = epoch, within_epoch, 0

    def on_epoch_begin(self, epoch, logs=None):
        self._current = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.within_epoch and self._current == self.epoch:
            raise KeyboardInterrupt

    def on_epoch_end(self, epoch, logs=None):
        if not self.within_epoch and epoch == self.epoch:
            raise KeyboardInterrupt


def test_diverging_training_raises_and_leaves_estimator_unfitted(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(**{**FAST, "learning_rate": 1e12}, optimizer="sgd")
    with pytest.raises(FloatingPointError, match="loss became nan"):
        clf.fit(X[:500], y[:500])
    with pytest.raises(NotFittedError):
        clf.predict(X[:5])


def test_interrupted_fit_keeps_finished_epochs(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(**FAST)
    with pytest.warns(UserWarning, match="interrupted after 2 of 3 epochs"):
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X[:500], y[:500], callbacks=[_InterruptAt(epoch=1)])
    assert clf.n_iter_ == 2 and len(clf.history_["val_loss"]) == 2
    assert clf.predict(X[:5]).shape == (5,)


def test_fit_interrupted_in_first_epoch_is_unfitted(fashion_train):
    X, y = fashion_train
    clf = ANNClassifier(**FAST)
    with pytest.warns(UserWarning, match="estimator is unfitted"):
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X[:500], y[:500], callbacks=[_InterruptAt(epoch=0, within_epoch=True)])
    with pytest.raises(NotFittedError):
        clf.predict(X[:5])


def test_pickle_from_another_release_is_refused(fashion_train, monkeypatch):
    X, y = fashion_train
    clf = ANNClassifier(**{**FAST, "epochs": 1}).fit(X[:200], y[:200])
    monkeypatch.setattr(base_module, "__version__", "9.3.0")
    payload = pickle.dumps(clf)
    monkeypatch.undo()
    with pytest.raises(ValueError, match="saved by fmnist_estimators 9.3.0.*\\.keras"):
        pickle.loads(payload)


def test_keras_file_loads_in_safe_mode(fashion_train, fashion_test, tmp_path):
    X, y = fashion_train
    X_test, _ = fashion_test
    clf = CNNClassifier(filters=(4,), dense_units=(8,), epochs=1, random_state=0).fit(X[:300], y[:300])
    clf.model_.save(tmp_path / "net.keras")
    network = keras.saving.load_model(tmp_path / "net.keras", safe_mode=True)
    # The network takes the raw flat pixels: scaling is one of its layers.
    np.testing.assert_allclose(
        network.predict(X_test[:50].reshape(50, -1).astype("float32"), verbose=0),
        clf.predict_proba(X_test[:50]),
        atol=1e-6,
    )


_FIT_AND_HASH = textwrap.dedent(
    """
    import hashlib, sys, joblib, numpy as np
    from fmnist_estimators import CNNClassifier, ImageReshaper
    from fmnist_estimators.datasets import fetch_fashion_mnist
    from sklearn.pipeline import make_pipeline
    X, y = fetch_fashion_mnist(subset="test", return_X_y=True)
    pipe = make_pipeline(ImageReshaper(output="image"), CNNClassifier(
        filters=(8,), dense_units=(16,), epochs=2, random_state=0))
    pipe.fit(X[:1500], y[:1500])
    proba = pipe.predict_proba(X[5000:5500])
    joblib.dump(pipe, sys.argv[1])
    np.save(sys.argv[2], proba)
    print(hashlib.sha256(proba.tobytes()).hexdigest())
    """
)


def _run(code, *args):
    result = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.strip().splitlines()[-1]


def test_determinism_and_persistence_across_processes(tmp_path):
    first = _run(_FIT_AND_HASH, tmp_path / "a.joblib", tmp_path / "a.npy")
    second = _run(_FIT_AND_HASH, tmp_path / "b.joblib", tmp_path / "b.npy")
    assert first == second  # same random_state, two processes, same predictions

    # A pipeline saved in one process predicts identically when loaded in this one.
    loaded = joblib.load(tmp_path / "a.joblib")
    from fmnist_estimators.datasets import fetch_fashion_mnist

    X, _ = fetch_fashion_mnist(subset="test", return_X_y=True)
    np.testing.assert_array_equal(loaded.predict_proba(X[5000:5500]), np.load(tmp_path / "a.npy"))
