"""Executions of ``steps_per_execution`` steps that divide an epoch."""

import contextlib
import math


@contextlib.contextmanager
def whole_executions(model, steps_per_epoch):
    """Make the model's executions divide ``steps_per_epoch`` during a fit.

    Keras runs whole executions of ``steps_per_execution`` steps, so a
    ``steps_per_epoch`` that is not a multiple of it is overshot: with our
    default of 32, ``steps_per_epoch=5`` trained 43 steps in two epochs.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    steps_per_epoch : int or None
        The fit's ``steps_per_epoch``; None leaves the model as it is.
    """
    n_steps = model.steps_per_execution
    if steps_per_epoch is None or steps_per_epoch % n_steps == 0:
        yield
        return
    model.steps_per_execution = math.gcd(steps_per_epoch, n_steps)
    model.train_function = None
    try:
        yield
    finally:
        model.steps_per_execution = n_steps
        model.train_function = None
