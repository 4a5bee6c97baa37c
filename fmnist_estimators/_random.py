"""Seeds for Keras from scikit-learn's ``random_state``."""

import contextlib
import random
from numbers import Integral

import keras
import numpy as np
from sklearn.utils import check_random_state


def resolve_seed(random_state):
    """An int seed (or None) from an int, a RandomState instance or None."""
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    rng = check_random_state(random_state)
    return int(rng.randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded(seed):
    """Seed Keras' random generators, leaving Python's and NumPy's as found.

    ``keras.utils.set_random_seed`` works on every backend; unlike scikeras,
    no global determinism switch of TensorFlow is turned on (and left on).

    Parameters
    ----------
    seed : int or None
        None leaves every generator alone.
    """
    if seed is None:
        yield
        return
    python_state, numpy_state = random.getstate(), np.random.get_state()
    keras.utils.set_random_seed(seed)
    try:
        yield
    finally:
        random.setstate(python_state)
        np.random.set_state(numpy_state)
