"""Warnings for speed-ups whose Keras hook is missing."""

import functools
import warnings


@functools.cache
def warn_once(message):
    """Warn that a speed-up fell back to Keras' own path, once per process.

    Parameters
    ----------
    message : str
        What is missing and what the fit does instead.
    """
    warnings.warn(message, RuntimeWarning, stacklevel=3)
