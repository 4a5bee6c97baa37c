"""Optimizer, learning-rate schedule and loss of the image classifiers."""

import keras
import numpy as np

from ._backend import accelerate, forget_compiled_steps, learning_rate_schedule, warn_once
from ._params import routed

# Training steps per call into the backend: less Python overhead per step.
# 32 trained the seed ANN 1.4x faster than 8 and left the CNN unchanged (a
# one-off measurement; bench_speed.py's ours-ann row shows the outcome).
STEPS_PER_EXECUTION = 32
# epochs="auto": this many epochs, or more on small training sets, so that
# a fit takes at least MIN_AUTO_STEPS optimiser steps (Fashion-MNIST's 54,000
# training images make 5,064 steps in 12 epochs of 128; load_digits' 1,213
# only 120, too few to converge).
AUTO_EPOCHS = 12
MIN_AUTO_STEPS = 2000


def cosine_decay_arguments(lr_schedule, learning_rate, total_steps, start_step=0):
    """Arguments of Keras' ``CosineDecay`` for a schedule that starts at ``start_step``.

    A schedule is a function of the optimizer's step count, which runs on
    across ``partial_fit`` calls and warm starts. Each call runs a whole
    schedule over its own steps, shifted to start at the current count, so
    that Adam's moments and bias correction carry on undisturbed. "one-cycle"
    warms up linearly from ``learning_rate / 25`` over 30% of the steps (the
    ramp is extended back to step 0, where it may be negative: those steps are
    past), then decays along a cosine to ``learning_rate / 1000``; "cosine"
    decays from ``learning_rate`` to 0.

    Parameters
    ----------
    lr_schedule : {"cosine", "one-cycle"}
        The schedule's shape.
    learning_rate : float
        Its peak.
    total_steps : int
        Training steps of the call.
    start_step : int, default=0
        The optimizer's step count when the call starts.

    Returns
    -------
    arguments : dict
        Keyword arguments of ``keras.optimizers.schedules.CosineDecay``.
    """
    total_steps = max(1, int(total_steps))
    if lr_schedule == "cosine":
        # A "warm-up" at full rate until start_step; the decay starts there.
        return {
            "initial_learning_rate": learning_rate, "decay_steps": total_steps,
            "alpha": 0.0, "warmup_target": learning_rate if start_step else None,
            "warmup_steps": start_step,
        }
    warmup = max(1, int(0.3 * total_steps))
    peak_step = start_step + warmup
    floor = learning_rate / 25
    return {
        "initial_learning_rate": learning_rate - (learning_rate - floor) * peak_step / warmup,
        "decay_steps": max(1, total_steps - warmup), "alpha": 1e-3,
        "warmup_target": learning_rate, "warmup_steps": peak_step,
    }


def resolve_epochs(epochs, n_train_samples, batch_size):
    """The number of epochs of a ``fit``: ``epochs``, with "auto" resolved.

    "auto" is ``AUTO_EPOCHS``, or as many epochs as make ``MIN_AUTO_STEPS``
    optimiser steps when the training set is small.
    """
    if epochs != "auto":
        return int(epochs)
    steps_per_epoch = max(1, int(np.ceil(n_train_samples / batch_size)))
    return max(AUTO_EPOCHS, int(np.ceil(MIN_AUTO_STEPS / steps_per_epoch)))


def planned_steps(estimator):
    """Training steps of a ``fit`` with the estimator's epochs and batch size."""
    steps_per_epoch = int(np.ceil(estimator._n_train_samples / estimator.batch_size))
    epochs = resolve_epochs(estimator.epochs, estimator._n_train_samples, estimator.batch_size)
    return epochs * steps_per_epoch


def learning_rate(estimator, total_steps=None):
    """The learning rate, or a schedule over ``total_steps`` (default: a fit's)."""
    if estimator.lr_schedule == "constant":
        return estimator.learning_rate
    return keras.optimizers.schedules.CosineDecay(**cosine_decay_arguments(
        estimator.lr_schedule, estimator.learning_rate,
        planned_steps(estimator) if total_steps is None else total_steps,
    ))


def make_optimizer(estimator, total_steps=None):
    """A new optimizer from ``optimizer``, ``learning_rate`` and ``optimizer__*``."""
    optimizer = estimator.optimizer
    if isinstance(optimizer, keras.optimizers.Optimizer):
        # A fresh copy, so that refits and clones never share slot variables.
        return type(optimizer).from_config(optimizer.get_config())
    if isinstance(optimizer, str):
        optimizer = type(keras.optimizers.get(optimizer))
    options = {"learning_rate": learning_rate(estimator, total_steps)}
    if estimator.weight_decay:
        options["weight_decay"] = estimator.weight_decay
    return optimizer(**options, **routed(estimator.get_params(), "optimizer"))


def loss(label_smoothing):
    """The cross-entropy; one-hot targets where labels are smoothed."""
    if label_smoothing:
        return keras.losses.CategoricalCrossentropy(label_smoothing=label_smoothing)
    return keras.losses.SparseCategoricalCrossentropy()


def compile_arguments(estimator, total_steps=None):
    """Keyword arguments of ``keras.Model.compile``, ``compile__*`` included."""
    return {
        "optimizer": make_optimizer(estimator, total_steps),
        "loss": loss(estimator.label_smoothing),
        "metrics": ["accuracy"],
        "steps_per_execution": STEPS_PER_EXECUTION,
        # Routed ``compile__<name>`` parameters, e.g. compile__jit_compile=True.
        **routed(estimator.get_params(), "compile"),
    }


def start_schedule(estimator, total_steps):
    """Make the learning-rate schedule span this call's ``total_steps`` steps.

    The schedule is Keras' own (saved models load anywhere); only its
    arguments change, so the training steps are traced again when they do.

    Parameters
    ----------
    estimator : estimator instance
        An initialised image classifier.
    total_steps : int
        Training steps of the call about to start.
    """
    if estimator.lr_schedule == "constant" or isinstance(
        estimator.optimizer, keras.optimizers.Optimizer
    ):
        return
    model = estimator.model_
    start = int(keras.ops.convert_to_numpy(model.optimizer.iterations))
    arguments = cosine_decay_arguments(
        estimator.lr_schedule, estimator.learning_rate, total_steps, start
    )
    schedule = learning_rate_schedule(model.optimizer)
    if not isinstance(schedule, keras.optimizers.schedules.CosineDecay):
        if start:
            warn_once(
                f"Keras {keras.version()} keeps the optimizer's learning-rate "
                "schedule where fmnist_estimators does not look for it: each "
                "warm-started fit and partial_fit call starts a new optimizer, "
                "without Adam's moments."
            )
            model.compile(**compile_arguments(estimator, total_steps))
            accelerate(model)
        return
    if all(getattr(schedule, key) == value for key, value in arguments.items()):
        return
    for key, value in arguments.items():
        setattr(schedule, key, value)
    # The schedule's numbers are constants of the compiled training step.
    forget_compiled_steps(model)
