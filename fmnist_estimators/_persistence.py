"""The network inside a saved estimator: the bytes of a ``.keras`` archive.

A fitted estimator's state holds its network as a Keras archive, not as a
live ``keras.Model``. Pickle and joblib store these bytes as they are; so does
``skops.io``, which cannot walk a live model's object graph (it fails with a
``RecursionError``) but stores bytes as a trusted type. Loading reads the
archive with Keras' ``safe_mode=True``, which refuses layers that would run
arbitrary code (lambdas).
"""

import tempfile
from pathlib import Path

import keras


def network_to_bytes(model):
    """The ``.keras`` archive of ``model`` (weights and optimizer state), as bytes.

    Parameters
    ----------
    model : keras.Model
        A built network.

    Returns
    -------
    archive : bytes
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.keras"
        # Keras' public API saves to paths only.
        model.save(path)
        return path.read_bytes()


def network_from_bytes(archive):
    """The compiled network saved by :func:`network_to_bytes`.

    Parameters
    ----------
    archive : bytes
        A ``.keras`` archive.

    Returns
    -------
    model : keras.Model
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "network.keras"
        path.write_bytes(archive)
        return keras.saving.load_model(path, compile=True, safe_mode=True)
