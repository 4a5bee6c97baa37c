"""Training steps run as one compiled loop per execution on the JAX backend.

Keras' JAX trainer honours ``steps_per_execution`` with a Python loop: each
training step is its own call into a jitted function, fed by its own slice of
the data and its own copy to the device. For a network as small as the seed
CNN that per-step work, not the arithmetic, sets the pace on a GPU: on an
H200 a Keras epoch took 0.41 s, where one ``jax.lax.scan`` over the same
steps with the batches already on the device took 0.10 s
(``benchmarks/README.md``).

So here the training arrays are copied to the device once per fit, and Keras
is handed the sample indices instead, in batches of ``steps_per_execution``
times the batch size. Inside one jitted ``jax.lax.scan`` each batch of
indices is split into the training batches, whose samples are gathered on the
device, and Keras' own ``train_step`` runs on each in turn. Keras draws a new
permutation of the indices each epoch, as it would of the samples, and cuts
consecutive batches from it, so the training batches are cut as in Keras'
loop, in the same order; only Keras' own first fit draws one more
permutation, to build its metrics from a batch it peeks at, so that the same
seed shuffles differently there (unshuffled, the two train alike up to
floating-point rounding inside XLA). An execution of at least an epoch's
steps runs the whole epoch in one call.

Where the arrays would take more than a quarter of the device's memory, or
Keras cannot be made ready for index batches, each execution's samples are
sliced and copied instead (one copy per execution). On a CPU, where XLA runs
a scanned loop of convolutions several times slower than the same steps
called one by one (``benchmarks/bench_jax_cpu_scan.py``), on the other
backends, and for models that Keras trains eagerly, without XLA or under a
distribution, the fit keeps Keras' loop, as does a fit given
``steps_per_epoch``.
"""

import contextlib

import keras
import numpy as np

from ._probes import warn_once

# Where a model keeps its compiled scanned loop between fits.
_CACHE_ATTRIBUTE = "_fmnist_scanned_steps"
# The largest share of the device's memory the training arrays may take.
_DEVICE_MEMORY_SHARE = 0.25
# Devices on which Keras' step-by-step loop trains faster than a scan.
_LOOPED_PLATFORMS = frozenset({"cpu"})


@contextlib.contextmanager
def scanned_training_steps(model, fit_kwargs):
    """Let ``model.fit`` run each execution's steps in one ``jax.lax.scan``.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    fit_kwargs : dict
        The arguments of ``model.fit``, with ``x``, ``y``, ``sample_weight``
        and ``batch_size``.

    Yields
    ------
    fit_kwargs : dict
        The arguments to call ``model.fit`` with. On JAX off the CPU,
        ``x`` holds the sample indices where the arrays were copied to the
        device, and ``batch_size`` is multiplied by the model's
        ``steps_per_execution`` (capped at the number of samples), which is
        1 until exit: the model's training function splits each batch back.
        Elsewhere they are unchanged. On exit the model's own training function and
        ``steps_per_execution`` are restored for Keras' other methods (e.g.
        ``train_on_batch``).
    """
    if not _scannable(model, fit_kwargs):
        yield fit_kwargs
        return
    batch_size, n_steps = fit_kwargs["batch_size"], model.steps_per_execution
    samples = _training_arrays(fit_kwargs)
    arrays = None
    if samples is not None and _built_from_a_batch(model, samples, batch_size):
        arrays = _device_arrays(samples, fit_kwargs)
    if arrays is None:
        run_execution, run_one = _compiled(model, "copied", batch_size, n_steps)
        model.train_function = _copying_train_function(
            run_execution, run_one, batch_size * n_steps, batch_size
        )
        fit_kwargs = {**fit_kwargs, "batch_size": batch_size * n_steps}
    else:
        n_samples = len(arrays[0])
        execution_samples = min(batch_size * n_steps, n_samples)
        run_execution, run_one = _compiled(model, "on device", batch_size)
        model.train_function = _gathering_train_function(
            run_execution, run_one, execution_samples, batch_size, arrays
        )
        fit_kwargs = {**fit_kwargs, "x": np.arange(n_samples, dtype="int32"),
                      "y": None, "sample_weight": None, "batch_size": execution_samples}
    # Keras' loop now draws one (execution-sized) batch per call, so that
    # callbacks still see one call per execution.
    model.steps_per_execution = 1
    try:
        yield fit_kwargs
    finally:
        model.steps_per_execution = n_steps
        model.train_function = None


def forget_scanned_steps(model):
    """Drop the model's compiled scanned loop, so that the next fit compiles anew."""
    vars(model).pop(_CACHE_ATTRIBUTE, None)


def _keras_loop_passes_the_iterator():
    """Whether Keras' JAX loop calls ``train_function(state, iterator)`` (Keras >= 3.7).

    The scanned function replaces Keras' own under that calling convention;
    an older loop keeps Keras' own function, with a warning.
    """
    major, minor = (int(part) for part in keras.version().split(".")[:2])
    if (major, minor) >= (3, 7):
        return True
    warn_once(
        f"Keras {keras.version()} calls its JAX training function differently from "
        "Keras 3.7 and later: fmnist_estimators keeps Keras' step-by-step loop."
    )
    return False


def _scannable(model, fit_kwargs):
    return (
        keras.backend.backend() == "jax"
        and _default_platform() not in _LOOPED_PLATFORMS
        and hasattr(model, "train_step")
        and _keras_loop_passes_the_iterator()
        and fit_kwargs.get("batch_size") is not None
        # steps_per_epoch counts Keras' steps, not executions: left to Keras' loop.
        and fit_kwargs.get("steps_per_epoch") is None
        and model.steps_per_execution > 1
        and not model.run_eagerly
        and model.jit_compile
        and keras.distribution.distribution() is None
    )


def _training_arrays(fit_kwargs):
    """``x``, ``y`` and ``sample_weight`` (where given) if they are all arrays, else None."""
    arrays = tuple(
        fit_kwargs.get(name) for name in ("x", "y", "sample_weight")
        if fit_kwargs.get(name) is not None
    )
    if len(arrays) < 2 or not all(isinstance(array, np.ndarray) for array in arrays):
        return None
    return arrays


def _built_from_a_batch(model, arrays, batch_size):
    """Build Keras' loss and metrics from the first batch of the training arrays.

    Keras' ``fit`` builds them from a batch it draws from its iterator (which
    draws a permutation of the samples first); handed indices, it would build
    them from indices. Built here (the private ``_symbolic_build``), both
    data paths draw the same permutations. False where Keras has no such
    method, and the fit copies each execution with Keras' own build.
    """
    build = getattr(model, "_symbolic_build", None)
    if build is None:
        warn_once(
            f"Keras {keras.version()} has no Model._symbolic_build: fmnist_estimators "
            "copies each execution's training batches to the device instead of "
            "copying the training set once."
        )
        return False
    build(data_batch=tuple(array[:batch_size] for array in arrays))
    return True


def _default_platform():
    import jax  # only reached on the JAX backend

    return jax.devices()[0].platform


def _device_arrays(arrays, fit_kwargs):
    """The training arrays copied to the device, or None to copy per execution."""
    import jax  # only reached on the JAX backend

    if (
        # Keras would split or weight the indices, not the samples.
        fit_kwargs.get("validation_split")
        or fit_kwargs.get("class_weight") is not None
        or not _device_has_room(jax.devices()[0], arrays)
    ):
        return None
    return tuple(jax.device_put(array) for array in arrays)


def _device_has_room(device, arrays):
    """Whether the arrays fit in the device's share (always, where it has no limit)."""
    stats = device.memory_stats() or {}
    limit = stats.get("bytes_limit")
    return limit is None or sum(a.nbytes for a in arrays) <= _DEVICE_MEMORY_SHARE * limit


def _compiled(model, data_path, batch_size, n_steps=None):
    """The model's jitted execution and single-step functions, compiled once.

    Kept on the model, so that later fits (partial_fit, warm starts) reuse
    them, unless the data path, the batch size, the compiled optimizer or,
    for copied executions, whose length the compiled scan fixes, the steps
    per execution changed. ``n_steps`` is None on the device, where the
    number of indices of each call sets the scan's length.
    """
    key = (data_path, batch_size, n_steps)
    cached = getattr(model, _CACHE_ATTRIBUTE, None)
    if cached is None or cached[:3] != key or cached[3] is not model.optimizer:
        if data_path == "on device":
            functions = _gathered_steps(model, batch_size)
        else:
            functions = _sliced_steps(model, batch_size, n_steps)
        cached = (*key, model.optimizer, functions)
        # Past Keras' attribute tracking: the optimizer is already tracked.
        object.__setattr__(model, _CACHE_ATTRIBUTE, cached)
    return cached[4]


def _scan_steps(model, state, elements, batch_of):
    """Keras' ``train_step`` on ``batch_of(element)`` for each, in one ``jax.lax.scan``."""
    import jax

    def step(state, element):
        logs, state = model.train_step(state, batch_of(element))
        return state, logs

    state, logs = jax.lax.scan(step, state, elements)
    # Keras reports the logs of an execution's last step.
    return jax.tree.map(lambda log: log[-1], logs), state


def _sliced_steps(model, batch_size, n_steps):
    """Jitted steps over an execution's samples, as Keras copied them."""
    import jax

    def run_execution(state, data):
        batches = jax.tree.map(
            lambda a: a.reshape(n_steps, batch_size, *a.shape[1:]), data
        )
        return _scan_steps(model, state, batches, batch_of=lambda batch: batch)

    return (jax.jit(run_execution, donate_argnums=0),
            jax.jit(model.train_step, donate_argnums=0))


def _gathered_steps(model, batch_size):
    """Jitted steps over an execution's indices, gathered from the device arrays."""
    import jax

    def run_one(state, indices, arrays):
        return model.train_step(state, tuple(array[indices] for array in arrays))

    def run_execution(state, indices, arrays):
        # Traced once per number of indices: an execution of n_steps full
        # batches, or a whole epoch, whose last batch may be short. Each
        # step gathers its own batch, so no copy of the epoch is made.
        n_full = len(indices) // batch_size
        if n_full == 0:
            return run_one(state, indices, arrays)
        logs, state = _scan_steps(
            model, state, indices[:n_full * batch_size].reshape(n_full, batch_size),
            batch_of=lambda batch: tuple(array[batch] for array in arrays),
        )
        if n_full * batch_size < len(indices):
            logs, state = run_one(state, indices[n_full * batch_size:], arrays)
        return logs, state

    return (jax.jit(run_execution, donate_argnums=0),
            jax.jit(run_one, donate_argnums=0))


def _copying_train_function(run_execution, run_one, execution_samples, batch_size):
    """Keras' training function for executions of samples that Keras copied."""
    import jax

    def train_function(state, iterator):
        data = next(iterator)  # StopIteration ends the epoch, as in Keras' loop
        n_samples = len(jax.tree.leaves(data)[0])
        if n_samples == execution_samples:
            return run_execution(state, data)
        # The epoch's last, shorter execution: a step at a time, so that no
        # scan of another length is compiled.
        for start in range(0, n_samples, batch_size):
            batch = jax.tree.map(lambda a: a[start:start + batch_size], data)
            logs, state = run_one(state, batch)
        return logs, state

    return train_function


def _gathering_train_function(run_execution, run_one, execution_samples, batch_size,
                              arrays):
    """Keras' training function for executions of indices into device arrays."""
    import jax

    def train_function(state, iterator):
        (indices,) = jax.tree.leaves(next(iterator))
        if len(indices) == execution_samples:
            return run_execution(state, indices, arrays)
        # The epoch's last, shorter execution, as in _copying_train_function.
        for start in range(0, len(indices), batch_size):
            logs, state = run_one(state, indices[start:start + batch_size], arrays)
        return logs, state

    return train_function
