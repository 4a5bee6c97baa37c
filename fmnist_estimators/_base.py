"""Behaviour shared by the ANN and CNN classifiers.

Both estimators build on scikeras' :class:`~scikeras.wrappers.BaseWrapper` for
its fit loop, parameter routing (``optimizer__beta_1=...``), callbacks and the
pickling of Keras models. This module replaces the parts of scikeras that do
not hold under scikit-learn >= 1.6 or Keras 3: estimator tags, parameter
discovery, input validation, label encoding and seeding.
"""

import contextlib
import math
import random
import warnings
from collections import defaultdict
from numbers import Integral, Real

import keras
import numpy as np
from scikeras.utils import metric_name
from scikeras._utils import route_params, unflatten_params
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator
from sklearn.preprocessing import FunctionTransformer, LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from ._batch_norm import fuse_batch_norm
from ._fused_adam import fuse_adam_updates
from ._input_pipeline import fit_inputs, validation_inputs
from ._jax_steps import scanned_training_steps
from ._params import check_parameter_names, check_routed_sizes
from ._precision import resolve_dtype_policy
from ._softmax import softmax
from ._validation import resolve_pixel_scale, validate_images, warn_on_pixel_range
from ._version import __version__
from .model_selection._split import holdout_split, n_validation


def _release(version):
    """The part of a version that must match for a pickle to load: major.minor."""
    return tuple(version.split(".")[:2])


# Training steps per call into the backend: less Python overhead per step.
# 32 trained the seed ANN 1.4x faster than 8 and left the CNN unchanged (a
# one-off measurement; bench_speed.py's ours-ann row shows the outcome).
_STEPS_PER_EXECUTION = 32
# Training images whose batch-norm statistics replace the running averages.
_RECALIBRATION_SAMPLES = 4096
# Large batches make inference several times faster than the training batch size.
_PREDICT_BATCH_SIZE = 2048


def _with_fast_kernels(model):
    """Route a compiled network's slowest small operations to faster kernels.

    Batch norm's training step, the output softmax and Adam's updates each
    have a faster equivalent on TensorFlow's CPU build (see ``_batch_norm``,
    ``_softmax`` and ``_fused_adam``). The layers and the optimizer stay
    Keras' own, so their configuration and saved files are unchanged.
    """
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            fuse_batch_norm(layer)
    model.get_layer("class_probabilities").activation = softmax
    # Mixed float16 wraps the optimizer in a loss-scaling one.
    fuse_adam_updates(getattr(model.optimizer, "inner_optimizer", model.optimizer))
    return model


_WARNED = set()


def _warn_once(message):
    """Warn about a missing Keras hook once per process, not at every fit."""
    if message not in _WARNED:
        _WARNED.add(message)
        warnings.warn(message, UserWarning, stacklevel=3)


@contextlib.contextmanager
def _whole_executions(model, steps_per_epoch):
    """Make the model's executions divide ``steps_per_epoch`` during a fit.

    Keras runs whole executions of ``steps_per_execution`` steps, so a
    ``steps_per_epoch`` that is not a multiple of it is overshot: with our
    default of 32, ``steps_per_epoch=5`` trained 43 steps in two epochs.
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


@contextlib.contextmanager
def _dtype_policy(name):
    """Build layers under a Keras dtype policy, then restore the global one."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def _cosine_decay_arguments(lr_schedule, learning_rate, total_steps, start_step=0):
    """Arguments of Keras' ``CosineDecay`` for a schedule that starts at ``start_step``.

    A schedule is a function of the optimizer's step count, which runs on
    across ``partial_fit`` calls and warm starts. Each call runs a whole
    schedule over its own steps, shifted to start at the current count, so
    that Adam's moments and bias correction carry on undisturbed. "one-cycle"
    warms up linearly from ``learning_rate / 25`` over 30% of the steps (the
    ramp is extended back to step 0, where it may be negative: those steps are
    past), then decays along a cosine to ``learning_rate / 1000``; "cosine"
    decays from ``learning_rate`` to 0.
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


class _BaseImageClassifier(BaseWrapper):
    """Base class for the Keras image classifiers; not for direct use.

    Subclasses define ``__init__`` with their own hyperparameters and
    ``_build_hidden_layers(inputs)``, which maps the rescaled flat pixels to the
    last hidden representation.
    """

    _parameter_constraints = {
        "image_shape": [tuple, list, None],
        "pixel_scale": [StrOptions({"auto"}), Interval(Real, 0, None, closed="neither"), None],
        "activation": [str],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_normalization": ["boolean"],
        "random_flip": ["boolean"],
        "random_translation": [Interval(Real, 0, 1, closed="left")],
        "random_erasing": [Interval(Real, 0, 1, closed="both")],
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "lr_schedule": [StrOptions({"constant", "cosine", "one-cycle"})],
        "test_time_augmentation": ["boolean"],
        "dtype_policy": [
            StrOptions({"auto", "float32", "mixed_bfloat16", "mixed_float16"})
        ],
        "optimizer": [str, type, keras.optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # scikeras finds parameters in ``vars(self)``, which also picks up fitted
    # state; scikit-learn's rule is the ``__init__`` signature. Take the
    # signature, plus the extra keyword arguments (routed ``prefix__name``
    # parameters) that ``__init__`` stored.
    def _get_param_names(self):
        names = BaseEstimator._get_param_names.__func__(type(self))
        extra = sorted(
            k
            for k in vars(self)
            if k not in names and not k.startswith("_") and not k.endswith("_")
        )
        return names + extra

    def __repr__(self, N_CHAR_MAX=700):
        return BaseEstimator.__repr__(self, N_CHAR_MAX=N_CHAR_MAX)

    def _validate_params(self):
        super()._validate_params()
        check_parameter_names(self, self._get_param_names(), optimizer=self.optimizer)
        check_routed_sizes(self)

    def set_params(self, **params):
        """Set the parameters of this estimator.

        Routed ``prefix__name`` parameters are set as for the constructor.
        Every name is checked first, so that a misspelled one raises with the
        closest valid name and nothing is changed; values are checked in
        ``fit``, as in scikit-learn.

        Parameters
        ----------
        **params : dict
            Estimator parameters.

        Returns
        -------
        self : object
            The estimator.
        """
        check_parameter_names(
            self, params, optimizer=params.get("optimizer", self.optimizer)
        )
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.target_tags.required = True
        tags.target_tags.multi_output = False
        return tags

    # ------------------------------------------------------------------ fit
    def fit(self, X, y, sample_weight=None, **kwargs):
        """Build a new network and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), (n_samples, height, \
width) or (n_samples, height, width, 1)
            Training images, raw (0-255) or scaled; see ``pixel_scale``.
        y : array-like of shape (n_samples,)
            Class labels, of any type scikit-learn accepts (integers, strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights for the loss, multiplied by the weights of
            ``class_weight``.
        **kwargs : dict
            Extra arguments for ``keras.Model.fit``; ``callbacks`` passed here
            are used for this fit only, after those of the ``callbacks``
            parameter.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        self._warn_on_unseen_mirror_images()
        return super().fit(X, y, sample_weight=sample_weight, **kwargs)

    def _warn_on_unseen_mirror_images(self):
        if self.test_time_augmentation and not self.random_flip:
            warnings.warn(
                "test_time_augmentation=True averages each image's prediction with "
                "its mirror image's, but with random_flip=False the network never "
                "sees mirrored images in training (Fashion-MNIST's shoes all face "
                "one way): this lowered the seed CNN's test accuracy from 0.906 to "
                "0.816. Set random_flip=True as well.",
                UserWarning,
                stacklevel=3,
            )

    def partial_fit(self, X, y, classes=None, sample_weight=None, **kwargs):
        """Train for one more epoch, building the network on the first call.

        Parameters
        ----------
        X : array-like
            Training images, as for :meth:`fit`.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            Every class of the problem. Required on the first call unless that
            call's ``y`` holds every class; ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights for the loss.
        **kwargs : dict
            Extra arguments for ``keras.Model.fit``.

        Returns
        -------
        self : object
            The updated estimator.
        """
        self._validate_params()
        if isinstance(self.class_weight, str):
            # As SGDClassifier: one call's labels do not tell the class frequencies.
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one call's "
                "labels do not give the class frequencies. Compute the weights with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on all (or a large sample of) the training "
                "labels and pass them as class_weight={class: weight}."
            )
        if not self.initialized_:
            self._partial_fit_classes = classes
        return super().partial_fit(X, y, sample_weight=sample_weight, **kwargs)

    def _initialize(self, X, y=None):
        self._random_state = self._resolve_seed()
        X, y = self._validate_data(X, y, reset=True)
        classes = getattr(self, "_partial_fit_classes", None)
        self._partial_fit_classes = None
        self.target_encoder_ = LabelEncoder().fit(y if classes is None else classes)
        self.classes_ = self.target_encoder_.classes_
        self.n_classes_ = len(self.classes_)
        if self.n_classes_ < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes, but y has only "
                f"one class: {self.classes_[0]!r}."
            )
        # Images stay arrays whatever scikit-learn's output configuration.
        self.feature_encoder_ = FunctionTransformer().set_output(transform="default").fit(X)
        self._n_train_samples = len(y) - n_validation(len(y), self.validation_fraction)
        self.dtype_policy_ = resolve_dtype_policy(self.dtype_policy)
        self.model_ = self._build_keras_model()
        self._initialize_callbacks()
        return X, y

    def _resolve_seed(self):
        if self.random_state is None:
            return None
        if isinstance(self.random_state, Integral):
            return int(self.random_state)
        rng = check_random_state(self.random_state)
        return int(rng.randint(np.iinfo(np.int32).max))

    def _validate_data(self, X=None, y=None, reset=False, y_numeric=False):
        if X is None:
            return X, self._validate_target(y)
        X, image_shape = validate_images(
            self,
            X,
            reset=reset,
            image_shape=self.image_shape if reset else self.image_shape_,
        )
        if reset:
            self.image_shape_ = image_shape
            self.pixel_scale_ = resolve_pixel_scale(self.pixel_scale, X)
            self._fit_pixel_max = float(X.max()) if X.size else 0.0
        else:
            warn_on_pixel_range(self, X)
        # Training data is converted once, here; prediction converts chunk by
        # chunk, in bounded memory. Raw 8-bit images stay uint8, a quarter of
        # float32's memory and copying time: the network converts each batch.
        if (reset or y is not None) and X.dtype != np.uint8:
            X = X.astype(keras.backend.floatx(), copy=False)
        if y is not None:
            y = self._validate_target(y)
            check_consistent_length(X, y)
        return X, y

    def _validate_target(self, y):
        if y is None:
            return None
        y = column_or_1d(np.asarray(y) if not hasattr(y, "shape") else y, warn=True)
        check_classification_targets(y)
        return y

    @contextlib.contextmanager
    def _seeded(self):
        """Seed Keras' random generators, leaving Python's and NumPy's as found.

        ``keras.utils.set_random_seed`` works on every backend; unlike scikeras,
        no global determinism switch of TensorFlow is turned on (and left on).
        """
        if self._random_state is None:
            yield
            return
        python_state, numpy_state = random.getstate(), np.random.get_state()
        keras.utils.set_random_seed(self._random_state)
        try:
            yield
        finally:
            random.setstate(python_state)
            np.random.set_state(numpy_state)

    # -------------------------------------------------------------- network
    def _check_model_param(self):
        return self._keras_build_fn

    def _build_keras_model(self):
        with self._seeded():
            model = self._keras_build_fn()
        model.compile(**self._get_compile_kwargs())
        return _with_fast_kernels(model)

    def _keras_build_fn(self):
        inputs = keras.Input(shape=(self.n_features_in_,), name="pixels")
        with _dtype_policy(self.dtype_policy_):
            x = keras.layers.Rescaling(1.0 / self.pixel_scale_, name="rescaling")(inputs)
            x = self._build_hidden_layers(x)
        outputs = keras.layers.Dense(
            self.n_classes_, activation="softmax", name="class_probabilities",
            dtype="float32",
        )(x)
        return keras.Model(inputs, outputs, name=type(self).__name__)

    def _build_hidden_layers(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def _is_image(self):
        """False for a single row of pixels: flat features that no flip may permute."""
        return self.image_shape_[0] > 1

    @property
    def _augments(self):
        return self._is_image and (
            self.random_flip or self.random_translation > 0 or self.random_erasing > 0
        )

    def _augmented_images(self, x):
        """Flat pixels -> (height, width, 1) images, augmented during training only."""
        x = keras.layers.Reshape((*self.image_shape_, 1))(x)
        if not self._augments:
            return x
        if self.random_flip:
            x = keras.layers.RandomFlip("horizontal")(x)
        if self.random_translation > 0:
            # Whole-pixel shifts: bilinear interpolation would blur the
            # training images only, unlike anything seen at test time.
            x = keras.layers.RandomTranslation(
                self.random_translation, self.random_translation,
                fill_mode="constant", interpolation="nearest",
            )(x)
        if self.random_erasing > 0:
            # A fixed probability: Keras draws it from [0, factor] for a scalar.
            x = keras.layers.RandomErasing(
                factor=(self.random_erasing, self.random_erasing), value_range=(0.0, 1.0)
            )(x)
        return x

    def _activated(self, layer_class, x, *args, **kwargs):
        """A Dense or Conv2D layer and its activation, batch-normalised if asked."""
        if not self.batch_normalization:
            return layer_class(*args, activation=self.activation, **kwargs)(x)
        # The normalisation's shift replaces the layer's bias.
        x = layer_class(*args, use_bias=False, **kwargs)(x)
        # Momentum 0.9 (Keras: 0.99) lets the running statistics follow the
        # weights; fit then recalibrates them (_recalibrate_batch_norm).
        x = keras.layers.BatchNormalization(momentum=0.9)(x)
        return keras.layers.Activation(self.activation)(x)

    def _learning_rate(self, total_steps=None):
        """The learning rate, or a schedule over ``total_steps`` (default: a fit's)."""
        if self.lr_schedule == "constant":
            return self.learning_rate
        if total_steps is None:
            total_steps = self.epochs * int(np.ceil(self._n_train_samples / self.batch_size))
        return keras.optimizers.schedules.CosineDecay(
            **_cosine_decay_arguments(self.lr_schedule, self.learning_rate, total_steps)
        )

    def _start_schedule(self, total_steps):
        """Make the learning-rate schedule span this call's ``total_steps`` steps.

        The schedule is Keras' own (saved models load anywhere); only its
        arguments change, so the training function is rebuilt when they do.
        """
        if self.lr_schedule == "constant" or isinstance(
            self.optimizer, keras.optimizers.Optimizer
        ):
            return
        model = self.model_
        optimizer = getattr(model.optimizer, "inner_optimizer", model.optimizer)
        start = int(keras.ops.convert_to_numpy(optimizer.iterations))
        arguments = _cosine_decay_arguments(
            self.lr_schedule, self.learning_rate, total_steps, start
        )
        # A private attribute of Keras' optimizers: probed before use.
        schedule = getattr(optimizer, "_learning_rate", None)
        if not isinstance(schedule, keras.optimizers.schedules.CosineDecay):
            if start:
                _warn_once(
                    "This Keras version keeps the optimizer's learning-rate schedule "
                    "where fmnist_estimators cannot find it: each warm-started fit "
                    "and partial_fit call restarts the optimizer, losing Adam's moments."
                )
                model.compile(**self._get_compile_kwargs(total_steps))
                _with_fast_kernels(model)
            return
        if all(getattr(schedule, k) == v for k, v in arguments.items()):
            return
        for key, value in arguments.items():
            setattr(schedule, key, value)
        # The schedule's numbers are constants of the compiled training step.
        model.train_function = None
        vars(model).pop("_fmnist_scanned_steps", None)

    def _make_optimizer(self, total_steps=None):
        params = self.get_params()
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            optimizer = type(keras.optimizers.get(optimizer))
        elif isinstance(optimizer, keras.optimizers.Optimizer):
            # A fresh copy, so that refits and clones never share slot variables.
            return type(optimizer).from_config(optimizer.get_config())
        options = {"learning_rate": self._learning_rate(total_steps)}
        if self.weight_decay:
            options["weight_decay"] = self.weight_decay
        routed = route_params(params, destination="optimizer", pass_filter=set())
        return unflatten_params(items=optimizer, params={**options, **routed})

    def _get_compile_kwargs(self, total_steps=None):
        if self.label_smoothing:
            loss = keras.losses.CategoricalCrossentropy(label_smoothing=self.label_smoothing)
        else:
            loss = keras.losses.SparseCategoricalCrossentropy()
        return {
            "optimizer": self._make_optimizer(total_steps),
            "loss": loss,
            "metrics": ["accuracy"],
            "steps_per_execution": _STEPS_PER_EXECUTION,
            # Routed ``compile__<name>`` parameters, e.g. compile__jit_compile=True.
            **route_params(self.get_params(), destination="compile", pass_filter=set()),
        }

    # ------------------------------------------------------------- training
    def _split_validation(self, X, y, sample_weight):
        """Hold out ``validation_fraction`` of the data, stratified if possible."""
        if not self.validation_fraction:
            if self.early_stopping:
                raise ValueError(
                    "early_stopping=True needs validation data: set "
                    "validation_fraction > 0."
                )
            return X, y, sample_weight, None
        train, val = holdout_split(
            y,
            validation_fraction=self.validation_fraction,
            random_state=self._random_state,
        )
        if not len(val):
            return X, y, sample_weight, None
        if sample_weight is None:
            return X[train], y[train], None, (X[val], y[val])
        validation = (X[val], y[val], sample_weight[val])
        return X[train], y[train], sample_weight[train], validation

    def _fit_keras_model(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, **kwargs
    ):
        sample_weight = self._weighted_by_class(y, sample_weight)
        X, y, sample_weight, validation_data = self._split_validation(
            X, y, sample_weight
        )
        if self.label_smoothing:
            # Label smoothing needs one-hot targets (categorical cross-entropy).
            y = self._one_hot(y)
            if validation_data is not None:
                validation_data = (validation_data[0], self._one_hot(validation_data[1]),
                                   *validation_data[2:])
        # Recorded first, so an epoch is kept before any callback can stop fit.
        history = _EpochRecorder()
        callbacks = [history, *self._fit_callbacks, *(kwargs.pop("callbacks", None) or [])]
        if self.early_stopping:
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss",
                    patience=self.n_iter_no_change,
                    restore_best_weights=True,
                )
            )
        fit_args = {
            "shuffle": True,
            "epochs": initial_epoch + epochs,
            "initial_epoch": initial_epoch,
            "verbose": self.verbose,
            "callbacks": callbacks,
            # fit__callbacks were merged into the callbacks above.
            **{
                name: value
                for name, value in route_params(
                    self.get_params(), destination="fit", pass_filter=set()
                ).items()
                if name != "callbacks"
            },
            **kwargs,
        }
        seed = self._random_state
        data = fit_inputs(
            X, y, sample_weight,
            batch_size=fit_args.pop("batch_size", self.batch_size),
            shuffle=fit_args.pop("shuffle"),
            # A new order for each partial_fit call, reproducible from the seed.
            seed=None if seed is None else seed + initial_epoch,
        )
        fit_args.update(validation_inputs(
            validation_data,
            batch_size=fit_args.pop("validation_batch_size", _PREDICT_BATCH_SIZE),
        ))
        fit_args.update(data)
        steps_per_epoch = fit_args.get("steps_per_epoch") or int(
            np.ceil(len(X) / self.batch_size)
        )
        self._start_schedule(epochs * steps_per_epoch)
        try:
            with (
                self._seeded(),
                _whole_executions(self.model_, fit_args.get("steps_per_epoch")),
                scanned_training_steps(self.model_, fit_args) as fit_args,
            ):
                self.model_.fit(**fit_args)
        except KeyboardInterrupt:
            self._record_history(history, warm_start, initial_epoch)
            self._after_interrupt(initial_epoch + epochs)
            raise
        self._record_history(history, warm_start, initial_epoch)
        if history.diverged is not None:
            del self.model_
            epoch, loss = history.diverged
            raise FloatingPointError(
                f"Training diverged: the loss became {loss} in epoch {epoch}, so "
                f"{type(self).__name__} was left unfitted. Lower learning_rate, or "
                "check X for extreme values."
            )
        self._recalibrate_batch_norm(X)
        self._score_validation(validation_data)

    def _weighted_by_class(self, y, sample_weight):
        """``sample_weight`` times the weight of each sample's class."""
        if self.class_weight is None:
            return sample_weight
        if isinstance(self.class_weight, str):
            weights = compute_class_weight(
                self.class_weight, classes=np.unique(y), y=y
            )
            per_class = np.ones(self.n_classes_)
            per_class[np.unique(y)] = weights
        else:
            unknown = [c for c in self.class_weight if c not in set(self.classes_)]
            if unknown:
                raise ValueError(
                    f"class_weight names classes {unknown} that are not among the "
                    f"classes {self.classes_.tolist()}."
                )
            per_class = np.ones(self.n_classes_)
            for label, weight in self.class_weight.items():
                per_class[self.target_encoder_.transform([label])[0]] = weight
        weights = per_class[np.asarray(y, dtype=int)].astype(keras.backend.floatx())
        return weights if sample_weight is None else sample_weight * weights

    def _score_validation(self, validation_data):
        """Validation loss and accuracy of the returned network.

        ``history_`` records each epoch's figures as measured during training,
        before early stopping restores the best weights and before batch-norm
        recalibration, which can change them a great deal after a short
        training.
        """
        self.validation_loss_ = self.validation_score_ = None
        if validation_data is None:
            return
        X_val, y_val, *weights = validation_data
        scores = self.model_.evaluate(
            X_val, y_val, sample_weight=weights[0] if weights else None,
            batch_size=_PREDICT_BATCH_SIZE, verbose=0, return_dict=True,
        )
        self.validation_loss_ = float(scores["loss"])
        self.validation_score_ = float(scores["accuracy"])

    def _recalibrate_batch_norm(self, X):
        """Set batch-norm statistics from the final weights on training images.

        The running statistics average over the whole training, during which
        the weights move; after a short training they lag far behind and
        inference falls to chance. One forward pass in training mode over up
        to ``_RECALIBRATION_SAMPLES`` training images, with momentum 0,
        replaces them by the statistics of the trained network.
        """
        layers = [
            layer for layer in self.model_.layers
            if isinstance(layer, keras.layers.BatchNormalization)
        ]
        if not layers:
            return
        rng = check_random_state(self._random_state)
        n = min(len(X), _RECALIBRATION_SAMPLES)
        sample = np.asarray(X[np.sort(rng.choice(len(X), n, replace=False))],
                            dtype=keras.backend.floatx())
        momenta = [layer.momentum for layer in layers]
        for layer in layers:
            layer.momentum = 0.0
        try:
            with self._seeded():
                self.model_(sample, training=True)
        finally:
            for layer, momentum in zip(layers, momenta):
                layer.momentum = momentum

    def _one_hot(self, y):
        return np.eye(self.n_classes_, dtype=keras.backend.floatx())[y.astype(int)]

    def _record_history(self, history, warm_start, initial_epoch):
        if not warm_start or not hasattr(self, "history_") or initial_epoch == 0:
            self.history_ = defaultdict(list)
        else:
            self.history_ = defaultdict(list, self.history_)
        for key, values in history.history.items():
            if key != "loss" and not key.startswith("val_"):
                with contextlib.suppress(ValueError):
                    key = metric_name(key)
            self.history_[key] += [float(v) for v in values]
        self.history_ = dict(self.history_)
        self.n_iter_ = len(self.history_.get("loss", []))

    def _after_interrupt(self, planned_epochs):
        """Keep what an interrupted ``fit`` learned, or nothing if it learned nothing."""
        if not self.n_iter_:
            del self.model_
            warnings.warn(
                f"{type(self).__name__}.fit was interrupted before the first epoch "
                "ended; the estimator is unfitted.",
                UserWarning,
                stacklevel=4,
            )
            return
        warnings.warn(
            f"{type(self).__name__}.fit was interrupted after {self.n_iter_} of "
            f"{planned_epochs} epochs; the estimator is usable and holds the weights "
            "reached when it was interrupted (history_ lists the finished epochs).",
            UserWarning,
            stacklevel=4,
        )

    # ---------------------------------------------------------- persistence
    def __getstate__(self):
        state = super().__getstate__()
        state["_fmnist_estimators_version"] = __version__
        return state

    def __setstate__(self, state):
        saved_with = state.pop("_fmnist_estimators_version", None)
        if saved_with is None or _release(saved_with) != _release(__version__):
            raise ValueError(
                f"This {type(self).__name__} was saved by fmnist_estimators "
                f"{saved_with or 'of an unknown version'}, which cannot be loaded by "
                f"version {__version__}: the saved state differs between releases. "
                f"Install fmnist_estimators=={saved_with} to load it, or share the "
                "network as a .keras file (model_.save), which any version reads."
            )
        super().__setstate__(state)
        if hasattr(self, "model_"):
            # Unpickling rebuilt the network from its Keras configuration.
            self.model_ = _with_fast_kernels(self.model_)

    # ----------------------------------------------------------- inference
    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self, "model_")
        check_routed_sizes(self)
        X, _ = self._validate_data(X, reset=False)
        proba = self._predict_in_chunks(X)
        if self.test_time_augmentation and self._is_image:
            height, width = self.image_shape_
            flipped = X.reshape(-1, height, width)[:, :, ::-1].reshape(len(X), -1)
            proba = (proba + self._predict_in_chunks(flipped)) / 2
        return proba

    def _predict_in_chunks(self, X):
        """Class probabilities, converting to float one chunk at a time.

        Memory stays bounded by the chunk size whatever the number of images,
        and ``predict_on_batch`` skips the dataset machinery of
        ``keras.Model.predict``.
        """
        chunk = getattr(self, "predict__batch_size", _PREDICT_BATCH_SIZE)
        floatx = keras.backend.floatx()
        proba = np.empty((len(X), self.n_classes_), dtype=floatx)
        for start in range(0, len(X), chunk):
            batch = np.asarray(X[start:start + chunk], dtype=floatx)
            proba[start:start + chunk] = keras.ops.convert_to_numpy(
                self.model_.predict_on_batch(batch)
            )
        return proba

    def predict_proba(self, X):
        """Class probabilities for each image.

        Parameters
        ----------
        X : array-like
            Images, in any of the shapes accepted by :meth:`fit`.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities of the classes in ``classes_`` order.
        """
        return self._predict_raw(X)

    def predict(self, X):
        """Predicted class label for each image.

        Parameters
        ----------
        X : array-like
            Images, in any of the shapes accepted by :meth:`fit`.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels, of the same type as the ``y`` seen in :meth:`fit`.
        """
        check_is_fitted(self, "model_")
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def __sklearn_is_fitted__(self):
        return hasattr(self, "model_")
