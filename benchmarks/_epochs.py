"""Per-epoch wall times of a Keras fit."""

import time


def epoch_timer():
    """A Keras callback, and the list it fills with each epoch's seconds.

    Keras is imported here, not at module level, so that scripts can set the
    backend or start subprocesses before it loads.
    """
    import keras

    seconds = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            seconds.append(time.perf_counter() - self.start)

    return EpochTimer(), seconds
