"""Training steps run as one compiled loop per execution on the JAX backend.

Keras' JAX trainer honours ``steps_per_execution`` with a Python loop: each
training step is its own call into a jitted function, fed by its own slice of
the data and its own copy to the device. For a network as small as the seed
CNN that per-step work, not the arithmetic, sets the pace on a GPU: on an
H200 a Keras epoch took 0.41 s, where one ``jax.lax.scan`` over the same
steps with the batches already on the device took 0.10 s
(``benchmarks/README.md``). Scanning each execution's steps while Keras still
sliced and copied batch by batch gained little.

So here Keras is handed batches of ``steps_per_execution`` times the batch
size: one slice and one copy to the device per execution. Inside one jitted
``jax.lax.scan`` each is split into the training batches, and Keras' own
``train_step`` runs on each in turn. Keras draws a new permutation of the
samples each epoch and cuts consecutive batches from it, so the training
batches are the ones Keras' loop would have used, in the same order, and the
training is the same up to floating-point rounding inside XLA. The other
backends, and models that Keras trains eagerly, without XLA or under a
distribution, keep Keras' loop, as does a fit given ``steps_per_epoch``.
"""

import contextlib

import keras

from ._probes import warn_once

# Where a model keeps its compiled scanned loop between fits.
_CACHE_ATTRIBUTE = "_fmnist_scanned_steps"


@contextlib.contextmanager
def scanned_training_steps(model, fit_kwargs):
    """Let ``model.fit`` run each execution's steps in one ``jax.lax.scan``.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    fit_kwargs : dict
        The arguments of ``model.fit``, with ``batch_size``.

    Yields
    ------
    fit_kwargs : dict
        The arguments to call ``model.fit`` with. On JAX, ``batch_size`` is
        multiplied by the model's ``steps_per_execution``, which is 1 until
        exit, and the model's training function splits each batch back;
        elsewhere they are unchanged. On exit the model's own training
        function and ``steps_per_execution`` are restored for Keras' other
        methods (e.g. ``train_on_batch``).
    """
    if not _scannable(model, fit_kwargs):
        yield fit_kwargs
        return
    batch_size, n_steps = fit_kwargs["batch_size"], model.steps_per_execution
    # Kept on the model, so that later fits (partial_fit, warm starts) reuse
    # the compiled loop, unless the batch size or the compiled optimizer changed.
    key = (batch_size, n_steps, model.optimizer)
    cached = getattr(model, _CACHE_ATTRIBUTE, None)
    if cached is None or cached[:2] != key[:2] or cached[2] is not key[2]:
        cached = (*key, _scanned_train_function(model, batch_size, n_steps))
        # Past Keras' attribute tracking: the optimizer is already tracked.
        object.__setattr__(model, _CACHE_ATTRIBUTE, cached)
    model.train_function = cached[3]
    # Keras' loop now draws one (execution-sized) batch per call, so that
    # callbacks still see one call per execution.
    model.steps_per_execution = 1
    try:
        yield {**fit_kwargs, "batch_size": batch_size * n_steps}
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


def _scanned_train_function(model, batch_size, n_steps):
    import jax  # only reached on the JAX backend

    def scanned_steps(state, batches):
        def step(state, batch):
            logs, state = model.train_step(state, batch)
            return state, logs

        state, logs = jax.lax.scan(step, state, batches)
        # Keras reports the logs of an execution's last step.
        return jax.tree.map(lambda log: log[-1], logs), state

    run_scanned = jax.jit(scanned_steps, donate_argnums=0)
    run_one = jax.jit(model.train_step, donate_argnums=0)

    def train_function(state, iterator):
        data = next(iterator)  # StopIteration ends the epoch, as in Keras' loop
        n_samples = len(jax.tree.leaves(data)[0])
        if n_samples == batch_size * n_steps:
            batches = jax.tree.map(
                lambda a: a.reshape(n_steps, batch_size, *a.shape[1:]), data
            )
            return run_scanned(state, batches)
        # The epoch's last, shorter execution: a step at a time, so that no
        # scan of another length is compiled.
        for start in range(0, n_samples, batch_size):
            batch = jax.tree.map(lambda a: a[start:start + batch_size], data)
            logs, state = run_one(state, batch)
        return logs, state

    return train_function
