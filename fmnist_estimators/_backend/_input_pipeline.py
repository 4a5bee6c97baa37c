"""Training and validation batches for ``keras.Model.fit``.

On the TensorFlow backend, ``fit`` turns NumPy arrays into a ``tf.data``
pipeline whose autotuner, on a machine with few cores, competes with the
training step for a core: on the 2-core reference machine up to half of the
epochs ran at ~60% of the speed of the others (``benchmarks/bench_pipeline.py``). The
pipeline built here is the same (a shuffled index, one gather per batch) with
the autotuner off. Other backends receive the arrays unchanged.
"""

import keras
import numpy as np


def fit_inputs(X, y, sample_weight=None, *, batch_size, shuffle=True, seed=None):
    """Keyword arguments for ``keras.Model.fit`` that carry the training data.

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Training inputs.
    y : ndarray of shape (n_samples, ...)
        Training targets.
    sample_weight : ndarray of shape (n_samples,), default=None
        Per-sample weights.
    batch_size : int
        Number of samples per training step.
    shuffle : bool, default=True
        Whether each epoch visits the samples in a new random order.
    seed : int, default=None
        Seed of the shuffling; None draws one from TensorFlow's global seed.

    Returns
    -------
    kwargs : dict
        ``{"x": dataset, "shuffle": False}`` on the TensorFlow backend; otherwise ``x``, ``y``,
        ``sample_weight``, ``batch_size`` and ``shuffle`` as given.
    """
    if keras.backend.backend() != "tensorflow":
        return {"x": X, "y": y, "sample_weight": sample_weight,
                "batch_size": batch_size, "shuffle": shuffle}
    arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
    # The dataset shuffles itself; fit's own shuffle flag would only warn.
    dataset = _batched_dataset(arrays, batch_size, shuffle=shuffle, seed=seed)
    return {"x": dataset, "shuffle": False}


def validation_inputs(validation_data, *, batch_size):
    """Keyword arguments for ``keras.Model.fit`` that carry the validation data.

    Parameters
    ----------
    validation_data : tuple of ndarray or None
        ``(X, y)`` or ``(X, y, sample_weight)``.
    batch_size : int
        Number of samples per evaluation step, on every backend.

    Returns
    -------
    kwargs : dict
        ``{"validation_data": dataset}`` on the TensorFlow backend; otherwise
        ``validation_data`` as given and ``validation_batch_size``. Without
        validation data, ``{"validation_data": None}``.
    """
    if validation_data is None:
        return {"validation_data": None}
    if keras.backend.backend() != "tensorflow":
        return {"validation_data": validation_data, "validation_batch_size": batch_size}
    dataset = _batched_dataset(tuple(validation_data), batch_size, shuffle=False)
    return {"validation_data": dataset}


def _batched_dataset(arrays, batch_size, *, shuffle, seed=None):
    import tensorflow as tf  # only reached on the TensorFlow backend

    n_samples = len(arrays[0])
    tensors = tuple(tf.convert_to_tensor(np.asarray(array)) for array in arrays)
    indices = tf.data.Dataset.range(n_samples)
    if shuffle:
        indices = indices.shuffle(n_samples, seed=seed, reshuffle_each_iteration=True)
    dataset = indices.batch(batch_size).map(
        lambda batch: tuple(tf.gather(tensor, batch) for tensor in tensors)
    ).prefetch(1)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
