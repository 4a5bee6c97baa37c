"""The training driver: one call of ``fit`` or ``partial_fit`` on a built network.

It holds out the validation data, weighs the classes, runs Keras' fit through
the backend's loop, records the history, stops on divergence, keeps what an
interrupted fit learned, and recomputes batch-norm statistics from the
trained weights.
"""

import contextlib
import warnings
from collections import defaultdict

import keras
import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight

from ._backend import fit_inputs, training_loop, validation_inputs
from ._optimization import start_schedule
from ._params import routed
from ._random import seeded
from ._scikeras import metric_name
from .model_selection._split import holdout_split

# Training images whose batch-norm statistics replace the running averages.
RECALIBRATION_SAMPLES = 4096
# Large batches make inference several times faster than the training batch size.
PREDICT_BATCH_SIZE = 2048


class _EpochRecorder(keras.callbacks.Callback):
    """Collect each finished epoch's logs; stop at the first non-finite loss."""

    def __init__(self):
        super().__init__()
        self.history = defaultdict(list)
        self.diverged = None

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            self.diverged = (self._epoch + 1, float(loss))
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history[key].append(value)


class _StepProgress(keras.callbacks.ProgbarLogger):
    """Keras' progress bar, counting the epoch's training steps.

    Keras numbers each call into the backend by its last step,
    ``first + steps_per_execution - 1``, even when the epoch ends sooner, so
    its bar read "32/22" for an epoch of 22 steps; on JAX each call runs a
    whole execution of steps (see ``_backend``) and its bar counted calls.
    This bar shows the steps trained out of the epoch's steps.

    Parameters
    ----------
    steps_per_epoch : int
        Training steps of one epoch.
    steps_per_call : int
        Training steps of one call, as Keras numbers the calls.
    """

    def __init__(self, steps_per_epoch, steps_per_call):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.steps_per_call = steps_per_call

    def set_params(self, params):
        super().set_params(params)
        self.target = self.steps_per_epoch

    def on_train_batch_end(self, batch, logs=None):
        # Keras' bar adds one to the index it is given.
        step = min((batch + 1) * self.steps_per_call, self.steps_per_epoch)
        super().on_train_batch_end(step - 1, logs)


def train(estimator, X, y, sample_weight, *, warm_start, epochs, initial_epoch, **kwargs):
    """Train ``estimator.model_`` for ``epochs`` epochs on encoded labels ``y``.

    Parameters
    ----------
    estimator : estimator instance
        An initialised image classifier.
    X : ndarray of shape (n_samples, n_features)
        Training images, flat.
    y : ndarray of shape (n_samples,)
        Encoded labels, 0 to ``n_classes_ - 1``.
    sample_weight : ndarray of shape (n_samples,) or None
        Per-sample weights.
    warm_start : bool
        Whether ``history_`` is continued.
    epochs : int
        Epochs of this call.
    initial_epoch : int
        Epochs trained before this call.
    **kwargs : dict
        Extra arguments for ``keras.Model.fit``.
    """
    sample_weight = weighted_by_class(estimator, y, sample_weight)
    X, y, sample_weight, validation_data = split_validation(estimator, X, y, sample_weight)
    if estimator.label_smoothing:
        # Label smoothing needs one-hot targets (categorical cross-entropy).
        y = one_hot(y, estimator.n_classes_)
        if validation_data is not None:
            validation_data = (validation_data[0],
                               one_hot(validation_data[1], estimator.n_classes_),
                               *validation_data[2:])
    # Recorded first, so an epoch is kept before any callback can stop fit.
    history = _EpochRecorder()
    callbacks = [history, *estimator._fit_callbacks, *(kwargs.pop("callbacks", None) or [])]
    if estimator.early_stopping:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor="val_loss",
                patience=estimator.n_iter_no_change,
                restore_best_weights=True,
            )
        )
    fit_args = {
        "shuffle": True,
        "epochs": initial_epoch + epochs,
        "initial_epoch": initial_epoch,
        "verbose": estimator.verbose,
        "callbacks": callbacks,
        # fit__callbacks were merged into the callbacks above.
        **{name: value for name, value in routed(estimator.get_params(), "fit").items()
           if name != "callbacks"},
        **kwargs,
    }
    seed = estimator._random_state
    batch_size = fit_args.pop("batch_size", estimator.batch_size)
    fit_args.update(fit_inputs(
        X, y, sample_weight,
        batch_size=batch_size,
        shuffle=fit_args.pop("shuffle"),
        # A new order for each partial_fit call, reproducible from the seed.
        seed=None if seed is None else seed + initial_epoch,
    ))
    fit_args.update(validation_inputs(
        validation_data,
        batch_size=fit_args.pop("validation_batch_size", PREDICT_BATCH_SIZE),
    ))
    steps_per_epoch = fit_args.get("steps_per_epoch") or int(
        np.ceil(len(X) / estimator.batch_size)
    )
    start_schedule(estimator, epochs * steps_per_epoch)
    model = estimator.model_
    try:
        with seeded(seed), training_loop(model, fit_args) as fit_args:
            if fit_args["verbose"]:
                # A JAX fit may be handed batches of several training batches,
                # or of a whole epoch's indices, whose last batch may be short.
                fit_args["callbacks"] = [*fit_args["callbacks"], _StepProgress(
                    steps_per_epoch, -(-fit_args.get("batch_size", batch_size) // batch_size)
                )]
            model.fit(**fit_args)
    except KeyboardInterrupt:
        record_history(estimator, history, warm_start, initial_epoch)
        after_interrupt(estimator, initial_epoch + epochs)
        raise
    record_history(estimator, history, warm_start, initial_epoch)
    if history.diverged is not None:
        del estimator.model_
        epoch, loss = history.diverged
        raise FloatingPointError(
            f"Training diverged: the loss became {loss} in epoch {epoch}, so "
            f"{type(estimator).__name__} was left unfitted. Lower learning_rate, or "
            "check X for extreme values."
        )
    recalibrate_batch_norm(estimator, X)
    score_validation(estimator, validation_data)


def split_validation(estimator, X, y, sample_weight):
    """Hold out ``validation_fraction`` of the data, stratified if possible."""
    if not estimator.validation_fraction:
        if estimator.early_stopping:
            raise ValueError(
                "early_stopping=True needs validation data: set "
                "validation_fraction > 0."
            )
        return X, y, sample_weight, None
    train_index, val_index = holdout_split(
        y,
        validation_fraction=estimator.validation_fraction,
        random_state=estimator._random_state,
    )
    if not len(val_index):
        return X, y, sample_weight, None
    if sample_weight is None:
        return X[train_index], y[train_index], None, (X[val_index], y[val_index])
    validation = (X[val_index], y[val_index], sample_weight[val_index])
    return X[train_index], y[train_index], sample_weight[train_index], validation


def weighted_by_class(estimator, y, sample_weight):
    """``sample_weight`` times the weight of each sample's class."""
    class_weight = estimator.class_weight
    if class_weight is None:
        return sample_weight
    per_class = np.ones(estimator.n_classes_)
    if isinstance(class_weight, str):
        present = np.unique(y)
        per_class[present] = compute_class_weight(class_weight, classes=present, y=y)
    else:
        classes = set(estimator.classes_)
        unknown = [label for label in class_weight if label not in classes]
        if unknown:
            raise ValueError(
                f"class_weight names classes {unknown} that are not among the "
                f"classes {estimator.classes_.tolist()}."
            )
        for label, weight in class_weight.items():
            per_class[estimator.target_encoder_.transform([label])[0]] = weight
    weights = per_class[np.asarray(y, dtype=int)].astype(keras.backend.floatx())
    return weights if sample_weight is None else sample_weight * weights


def score_validation(estimator, validation_data):
    """Validation loss and accuracy of the returned network.

    ``history_`` records each epoch's figures as measured during training,
    before early stopping restores the best weights and before batch-norm
    recalibration, which can change them a great deal after a short
    training.
    """
    estimator.validation_loss_ = estimator.validation_score_ = None
    if validation_data is None:
        return
    X_val, y_val, *weights = validation_data
    scores = estimator.model_.evaluate(
        X_val, y_val, sample_weight=weights[0] if weights else None,
        batch_size=PREDICT_BATCH_SIZE, verbose=0, return_dict=True,
    )
    estimator.validation_loss_ = float(scores["loss"])
    estimator.validation_score_ = float(scores["accuracy"])


def recalibrate_batch_norm(estimator, X):
    """Set batch-norm statistics from the final weights on clean training images.

    The running statistics average over the whole training, during which
    the weights move; after a short training they lag far behind and
    inference falls to chance. They are replaced by the mean and variance
    of each batch-norm layer's input over up to ``RECALIBRATION_SAMPLES``
    training images, with the network in inference mode: without
    augmentation or dropout, as at prediction time (statistics taken with
    dropout active overstate the variance that the layers after it see at
    prediction). Layers are set in the network's order, each from inputs
    that its predecessors' new statistics normalised.
    """
    model = estimator.model_
    layers = [
        layer for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    if not layers:
        return
    rng = check_random_state(estimator._random_state)
    n = min(len(X), RECALIBRATION_SAMPLES)
    sample = X[np.sort(rng.choice(len(X), n, replace=False))]
    for layer in layers:
        mean, variance = _input_moments(
            keras.Model(model.input, layer.input), sample, layer.axis
        )
        layer.moving_mean.assign(mean.astype(layer.moving_mean.dtype))
        layer.moving_variance.assign(variance.astype(layer.moving_variance.dtype))


def _input_moments(network, X, axis, batch_size=1024):
    """Per-channel mean and (biased) variance of ``network``'s output on ``X``."""
    total = total_of_squares = 0.0
    count = 0
    for start in range(0, len(X), batch_size):
        batch = np.asarray(X[start:start + batch_size], dtype=keras.backend.floatx())
        output = keras.ops.convert_to_numpy(
            keras.ops.cast(network(batch, training=False), "float32")
        )
        output = np.moveaxis(output, axis, -1).astype(np.float64)
        output = output.reshape(-1, output.shape[-1])
        total = total + output.sum(axis=0)
        total_of_squares = total_of_squares + np.square(output).sum(axis=0)
        count += len(output)
    mean = total / count
    return mean, np.maximum(total_of_squares / count - np.square(mean), 0.0)


def one_hot(y, n_classes):
    """Encoded labels as one-hot rows."""
    return np.eye(n_classes, dtype=keras.backend.floatx())[y.astype(int)]


def record_history(estimator, history, warm_start, initial_epoch):
    """Set ``history_`` and ``n_iter_``, continuing them on a warm start."""
    if not warm_start or not hasattr(estimator, "history_") or initial_epoch == 0:
        combined = defaultdict(list)
    else:
        combined = defaultdict(list, estimator.history_)
    for key, values in history.history.items():
        if key != "loss" and not key.startswith("val_"):
            with contextlib.suppress(ValueError):
                key = metric_name(key)
        combined[key] += [float(v) for v in values]
    estimator.history_ = dict(combined)
    estimator.n_iter_ = len(estimator.history_.get("loss", []))


def after_interrupt(estimator, planned_epochs):
    """Keep what an interrupted ``fit`` learned, or nothing if it learned nothing."""
    name = type(estimator).__name__
    if not estimator.n_iter_:
        del estimator.model_
        warnings.warn(
            f"{name}.fit was interrupted before the first epoch ended; the "
            "estimator is unfitted.",
            UserWarning,
            stacklevel=5,
        )
        return
    warnings.warn(
        f"{name}.fit was interrupted after {estimator.n_iter_} of {planned_epochs} "
        "epochs; the estimator is usable and holds the weights reached when it was "
        "interrupted (history_ lists the finished epochs).",
        UserWarning,
        stacklevel=5,
    )
