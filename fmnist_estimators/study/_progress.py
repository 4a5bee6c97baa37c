"""Console progress for the study: step banners and per-epoch lines with ETA."""

import time

import keras


def format_seconds(seconds):
    """``75.2`` -> ``"1m15s"``; ``8.04`` -> ``"8.0s"``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class EpochProgress(keras.callbacks.Callback):
    """Print one line per epoch: metrics, time per epoch and time left."""

    def __init__(self, label, *, log=print):
        super().__init__()
        self.label = label
        self.log = log

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()
        self._epochs = self.params.get("epochs")
        self._first_epoch = None

    def on_epoch_begin(self, epoch, logs=None):
        if self._first_epoch is None:
            self._first_epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        done = epoch + 1 - self._first_epoch
        total = self._epochs - self._first_epoch
        per_epoch = (time.perf_counter() - self._start) / done
        metrics = "  ".join(
            f"{name} {value:.4f}" for name, value in (logs or {}).items()
            if name in ("loss", "accuracy", "val_loss", "val_accuracy")
        )
        self.log(
            f"    {self.label} epoch {epoch + 1}/{self._epochs}  {metrics}  "
            f"({format_seconds(per_epoch)}/epoch, ETA {format_seconds(per_epoch * (total - done))})"
        )
