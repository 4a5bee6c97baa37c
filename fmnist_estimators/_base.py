"""The scikit-learn interface of the image classifiers.

:class:`_BaseImageClassifier` holds what every network family shares: the
parameter constraints and checks, input validation and label encoding,
``fit``/``partial_fit``/``predict``/``predict_proba``, tags and
version-checked pickling. The work is done elsewhere: ``_network`` builds the
layers, ``_optimization`` the optimizer, schedule and loss, ``_training``
drives a fit, ``_backend`` holds every speed-up, and ``_scikeras`` the one
base class taken from scikeras.
"""

import warnings
from numbers import Integral, Real

import keras
import numpy as np
from sklearn.preprocessing import FunctionTransformer, LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import (
    check_consistent_length,
    check_is_fitted,
    column_or_1d,
)

from . import _training
from ._backend import accelerate, resolve_dtype_policy
from ._network import build_network, is_image
from ._optimization import compile_arguments, resolve_epochs
from ._params import check_parameter_names, check_routed_sizes
from ._persistence import network_from_bytes, network_to_bytes
from ._random import resolve_seed, seeded
from ._scikeras import KerasWrapper
from ._validation import resolve_pixel_scale, validate_images, warn_on_pixel_range
from ._version import __version__
from .model_selection._split import n_validation


# Fitted callbacks (scikeras' lists), which hold the live network.
_CALLBACK_STATE = ("_fit_callbacks", "_predict_callbacks")


def _release(version):
    """The part of a version that must match for a pickle to load: major.minor."""
    return tuple(version.split(".")[:2])


class _BaseImageClassifier(KerasWrapper):
    """Base class for the Keras image classifiers; not for direct use.

    Subclasses define ``__init__`` with their own hyperparameters and
    ``_build_hidden_layers(inputs)``, which maps the rescaled flat pixels to the
    last hidden representation (with the blocks of ``_network``).
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
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "early_stopping": ["boolean"],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "callbacks": [list, None],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

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
width) or (n_samples, height, width, channels)
            Training images, grayscale or with any number of channels
            (channels last), raw (e.g. 0-255) or scaled; see ``pixel_scale``.
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
        self._random_state = resolve_seed(self.random_state)
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

    # -------------------------------------------------------------- network
    def _build_keras_model(self):
        with seeded(self._random_state):
            model = self._keras_build_fn()
        model.compile(**compile_arguments(self))
        return accelerate(model)

    def _keras_build_fn(self):
        return build_network(
            self._build_hidden_layers, n_features=self.n_features_in_,
            n_classes=self.n_classes_, pixel_scale=self.pixel_scale_,
            policy=self.dtype_policy_, name=type(self).__name__,
        )

    def _describe_network(self):  # pragma: no cover - abstract
        """A few words on the network, for reports ("Conv 32-64, Dense 64")."""
        raise NotImplementedError

    def _build_hidden_layers(self, x):  # pragma: no cover - abstract
        raise NotImplementedError

    def _get_compile_kwargs(self):
        # scikeras compiles an uncompiled model with these.
        return compile_arguments(self)

    def _fit_keras_model(self, X, y, sample_weight, warm_start, epochs, initial_epoch,
                         **kwargs):
        n_train = len(y) - n_validation(len(y), self.validation_fraction)
        epochs = resolve_epochs(epochs, n_train, self.batch_size)
        _training.train(self, X, y, sample_weight, warm_start=warm_start, epochs=epochs,
                        initial_epoch=initial_epoch, **kwargs)

    # ---------------------------------------------------------- persistence
    def __getstate__(self):
        # A copy: on Python 3.11+ the inherited method returns ``__dict__`` itself.
        state = dict(super().__getstate__())
        state["_fmnist_estimators_version"] = __version__
        if "model_" in state:
            # Bytes, which pickle and skops.io both store (_persistence).
            state["model_"] = network_to_bytes(state["model_"])
        # The callbacks refer to the live network; they are rebuilt on loading.
        for name in _CALLBACK_STATE:
            state.pop(name, None)
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
        if isinstance(state.get("model_"), bytes | bytearray):
            state["model_"] = network_from_bytes(bytes(state["model_"]))
        super().__setstate__(state)
        if hasattr(self, "model_"):
            # Loading rebuilt the network from its Keras configuration.
            self.model_ = accelerate(self.model_)
            if not all(hasattr(self, name) for name in _CALLBACK_STATE):
                self._initialize_callbacks()

    # ----------------------------------------------------------- inference
    def _predict_raw(self, X, **kwargs):
        check_is_fitted(self, "model_")
        check_routed_sizes(self)
        X, _ = self._validate_data(X, reset=False)
        proba = self._predict_in_chunks(X)
        if self.test_time_augmentation and is_image(self.image_shape_):
            # Mirror along the width axis; each pixel keeps its channels.
            flipped = X.reshape(-1, *self.image_shape_)[:, :, ::-1].reshape(len(X), -1)
            proba = (proba + self._predict_in_chunks(flipped)) / 2
        return proba

    def _predict_in_chunks(self, X):
        """Class probabilities, converting to float one chunk at a time.

        Memory stays bounded by the chunk size whatever the number of images,
        and ``predict_on_batch`` skips the dataset machinery of
        ``keras.Model.predict``.
        """
        chunk = getattr(self, "predict__batch_size", _training.PREDICT_BATCH_SIZE)
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
