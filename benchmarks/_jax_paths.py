"""Choosing the estimators' training path on the JAX backend, for a benchmark."""

import contextlib


@contextlib.contextmanager
def jax_training_path(*, scanned=True, on_device=True):
    """Train in scanned executions (on every platform, CPUs too) or Keras' loop,
    gathering from the training set on the device or copying each execution.

    Parameters
    ----------
    scanned : bool, default=True
        Scan each execution's steps even on a CPU, which otherwise keeps
        Keras' loop; False leaves the platform's choice.
    on_device : bool, default=True
        Copy the training set to the device once where it fits; False copies
        each execution's samples, as the estimators did before.
    """
    from fmnist_estimators._backend import _jax_steps

    looped, has_room = _jax_steps._LOOPED_PLATFORMS, _jax_steps._device_has_room
    if scanned:
        _jax_steps._LOOPED_PLATFORMS = frozenset()
    if not on_device:
        _jax_steps._device_has_room = lambda device, arrays: False
    try:
        yield
    finally:
        _jax_steps._LOOPED_PLATFORMS, _jax_steps._device_has_room = looped, has_room
