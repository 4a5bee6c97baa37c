"""Everything that touches TensorFlow, JAX or Keras' private attributes.

The rest of the package talks to Keras through its public API and reaches the
backends only through the functions below:

- :func:`accelerate` routes a compiled network's batch norm, output softmax
  and Adam updates to faster kernels (TensorFlow);
- :func:`fit_inputs` and :func:`validation_inputs` build the input pipeline
  (TensorFlow's ``tf.data`` without its autotuner);
- :func:`training_loop` runs a fit's steps as whole executions, scanned in one
  ``jax.lax.scan`` per execution on JAX;
- :func:`resolve_dtype_policy` and :func:`dtype_policy` choose and apply the
  numeric type (``dtype_policy="auto"``);
- :func:`learning_rate_schedule` finds the schedule a Keras optimizer holds.

Each speed-up checks the hooks it needs before using them; where one is
missing, the fit takes Keras' own path and :func:`warn_once` says so once.
"""

import contextlib

import keras

from ._batch_norm import fuse_batch_norm
from ._fused_adam import fuse_adam_updates
from ._input_pipeline import fit_inputs, validation_inputs
from ._jax_steps import forget_scanned_steps, scanned_training_steps
from ._precision import resolve_dtype_policy
from ._softmax import keras_keeps_logits, softmax
from ._executions import whole_executions
from ._probes import warn_once

__all__ = [
    "accelerate", "dtype_policy", "fit_inputs", "forget_compiled_steps",
    "learning_rate_schedule", "resolve_dtype_policy", "training_loop",
    "validation_inputs", "warn_once",
]


def accelerate(model, *, output_layer="class_probabilities"):
    """Route a compiled network's slowest small operations to faster kernels.

    Batch norm's training step, the output softmax and Adam's updates each
    have a faster equivalent on TensorFlow's CPU build. The layers and the
    optimizer stay Keras' own, so their configuration and saved files are
    unchanged.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    output_layer : str, default="class_probabilities"
        Name of the softmax output layer.

    Returns
    -------
    model : keras.Model
        The same object.
    """
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            fuse_batch_norm(layer)
    if keras_keeps_logits():
        model.get_layer(output_layer).activation = softmax
    else:
        warn_once(
            f"Keras {keras.version()} no longer keeps a softmax's logits where "
            "fmnist_estimators looks for them: the output keeps Keras' own softmax "
            "(slower on TensorFlow's CPU build, same results)."
        )
    # Mixed float16 wraps the optimizer in a loss-scaling one.
    fuse_adam_updates(getattr(model.optimizer, "inner_optimizer", model.optimizer))
    return model


@contextlib.contextmanager
def training_loop(model, fit_kwargs):
    """The arguments to call ``model.fit`` with, and the loop it runs in.

    Executions divide ``steps_per_epoch`` when it is given, and on JAX each
    execution's steps run in one ``jax.lax.scan``.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    fit_kwargs : dict
        The arguments of ``model.fit``.

    Yields
    ------
    fit_kwargs : dict
        The arguments to call ``model.fit`` with inside the context.
    """
    with (
        whole_executions(model, fit_kwargs.get("steps_per_epoch")),
        scanned_training_steps(model, fit_kwargs) as fit_kwargs,
    ):
        yield fit_kwargs


def forget_compiled_steps(model):
    """Drop the model's compiled training steps, so that the next fit traces anew."""
    model.train_function = None
    forget_scanned_steps(model)


@contextlib.contextmanager
def dtype_policy(name):
    """Build layers under a Keras dtype policy, then restore the global one."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def learning_rate_schedule(optimizer):
    """The ``LearningRateSchedule`` an optimizer was built with, or None.

    Keras keeps it in the private ``_learning_rate``: None where a Keras
    version keeps it elsewhere, or where the learning rate is a number.
    """
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    schedule = getattr(optimizer, "_learning_rate", None)
    if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule):
        return schedule
    return None
