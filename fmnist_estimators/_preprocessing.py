"""Reshaping images between flat vectors and image tensors."""

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ._validation import validate_images


class ImageReshaper(TransformerMixin, BaseEstimator):
    """Reshape images to flat vectors or to image tensors, optionally scaled.

    Accepts flat ``(n_samples, n_features)`` arrays or DataFrames and
    ``(n_samples, height, width)`` or ``(n_samples, height, width, channels)``
    arrays with any number of channels, and returns what the next step of a
    pipeline needs. It is stateless: ``fit`` only records the input shape so
    that later calls are checked.

    Parameters
    ----------
    output : {"flat", "image"}, default="flat"
        "flat" returns ``(n_samples, height * width * channels)``, for
        scikit-learn models such as ``MLPClassifier``; "image" returns
        ``(n_samples, height, width, channels)``, the layout of Keras'
        convolutions.
    image_shape : tuple of (int, int) or (int, int, int), default=None
        ``(height, width)`` or ``(height, width, channels)`` of one image.
        None infers it: from the array shape for 3-D or 4-D input, else a
        square single-channel image when the number of features is a perfect
        square, else one row of pixels. Without channels, those of a 4-D ``X``
        are used, and one for flat rows. Channels-first 4-D input is refused
        as by the classifiers (see their ``image_shape``).
    scale : float or None, default=None
        Divide the pixels by this value, e.g. 255 to map 8-bit images to
        [0, 1]; integer input becomes float32, float input keeps its dtype.
        None keeps values and dtype.

    Attributes
    ----------
    n_features_in_ : int
        Number of values per image seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when ``X`` was a DataFrame with string column names.
    image_shape_ : tuple of (int, int, int)
        Height, width and channels of the images seen during ``fit``.

    See Also
    --------
    CNNClassifier : Accepts all these shapes directly.

    Examples
    --------
    >>> import numpy as np
    >>> from fmnist_estimators import ImageReshaper
    >>> X = np.arange(2 * 16, dtype=np.uint8).reshape(2, 16)
    >>> ImageReshaper(output="image").fit_transform(X).shape
    (2, 4, 4, 1)
    >>> ImageReshaper(scale=255).fit_transform(X.reshape(2, 4, 4)).shape
    (2, 16)
    >>> rgb = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    >>> ImageReshaper().fit(rgb).image_shape_
    (4, 4, 3)
    """

    _parameter_constraints = {
        "output": [StrOptions({"flat", "image"})],
        "image_shape": [tuple, list, None],
        "scale": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, *, output="flat", image_shape=None, scale=None):
        self.output = output
        self.image_shape = image_shape
        self.scale = scale

    def fit(self, X, y=None):
        """Check ``X`` and record its image shape.

        Parameters
        ----------
        X : array-like or DataFrame
            Flat data or images.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate_params()
        _, self.image_shape_ = validate_images(
            self, X, reset=True, image_shape=self.image_shape
        )
        return self

    def transform(self, X):
        """Reshape (and scale) ``X``.

        Parameters
        ----------
        X : array-like or DataFrame
            Flat data or images with the shape seen in ``fit``.

        Returns
        -------
        X_out : ndarray
            Of shape ``(n_samples, height * width * channels)`` or
            ``(n_samples, height, width, channels)``.
        """
        check_is_fitted(self)
        X, image_shape = validate_images(
            self, X, reset=False, image_shape=self.image_shape_
        )
        if self.scale is not None:
            dtype = X.dtype if X.dtype.kind == "f" else np.dtype(np.float32)
            X = np.asarray(X, dtype=dtype) / dtype.type(self.scale)
        if self.output == "image":
            return X.reshape(-1, *image_shape)
        return X

    def _has_flat_output(self):
        return self.output == "flat"

    # Only flat output has feature names: without the method, scikit-learn's
    # set_output (e.g. pandas) passes 4-D images through unchanged.
    @available_if(_has_flat_output)
    def get_feature_names_out(self, input_features=None):
        """Names of the flat output features; only for ``output="flat"``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored unless it must be checked against ``feature_names_in_``.

        Returns
        -------
        feature_names_out : ndarray of str
            ``feature_names_in_`` when fitted on a DataFrame, else
            ``pixel_<row>_<column>`` for one channel and
            ``pixel_<row>_<column>_<channel>`` for several.
        """
        check_is_fitted(self)
        if input_features is not None or hasattr(self, "feature_names_in_"):
            from sklearn.utils.validation import _check_feature_names_in

            return _check_feature_names_in(self, input_features)
        height, width, channels = self.image_shape_
        if channels == 1:
            names = [f"pixel_{i}_{j}" for i in range(height) for j in range(width)]
        else:
            names = [f"pixel_{i}_{j}_{k}" for i in range(height) for j in range(width)
                     for k in range(channels)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        return tags
