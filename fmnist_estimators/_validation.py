"""Input validation shared by the estimators and the reshaping transformer.

Images arrive flat ``(n_samples, height * width)``, as ``(n_samples, height,
width)`` or as ``(n_samples, height, width, 1)``; everything downstream works on
the flat view, and the image shape travels alongside it.
"""

import math
import warnings

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data


def is_image_array(X):
    """Return True when ``X`` is a 3-D or 4-D array-like of images."""
    return getattr(X, "ndim", 2) in (3, 4)


def infer_image_shape(n_features):
    """Guess the image shape of a flat feature vector.

    A perfect square ``s * s`` is read as an ``s`` x ``s`` image (784 gives
    28 x 28); any other length as a single row of pixels.
    """
    side = math.isqrt(n_features)
    if side * side == n_features:
        return (side, side)
    return (1, n_features)


def _image_shape_of(X, estimator_name):
    """Check the channel axis of an image array and return (height, width)."""
    if X.ndim == 4 and X.shape[3] != 1:
        raise ValueError(
            f"{estimator_name} expects grayscale images with a single channel, "
            f"got an array of shape {X.shape} with {X.shape[3]} channels. "
            "Convert the images to grayscale first."
        )
    return tuple(int(d) for d in X.shape[1:3])


def validate_images(estimator, X, *, reset, image_shape=None):
    """Validate image data and return it flat, with its image shape.

    Parameters
    ----------
    estimator : estimator instance
        The estimator that receives ``X``: its ``n_features_in_`` and
        ``feature_names_in_`` are set (``reset=True``) or checked.
    X : array-like or DataFrame
        Flat ``(n_samples, n_features)`` data, or images of shape
        ``(n_samples, height, width)`` or ``(n_samples, height, width, 1)``.
    reset : bool
        Whether ``X`` is the training data (``fit``) or new data.
    image_shape : tuple of int or None, default=None
        The image shape requested by the user; None infers it.

    Returns
    -------
    X_flat : ndarray of shape (n_samples, height * width)
        Validated, finite, numeric data.
    image_shape : tuple of (int, int)
        The shape of one image.
    """
    name = type(estimator).__name__
    if sparse.issparse(X):
        raise TypeError(
            f"{name} does not accept sparse input: images are dense. "
            "Convert it with X.toarray() first."
        )
    if not hasattr(X, "ndim") and not hasattr(X, "iloc"):
        X = np.asarray(X)
    if getattr(getattr(X, "dtype", None), "kind", None) in ("U", "S"):
        raise TypeError(
            f"{name} expects numeric pixel values, got an array of dtype {X.dtype}."
        )

    if is_image_array(X):
        X = np.asarray(X)
        found_shape = _image_shape_of(X, name)
        if image_shape is not None and tuple(image_shape) != found_shape:
            raise ValueError(
                f"X holds images of shape {found_shape[0]}x{found_shape[1]}, but "
                f"{name} {'was configured for' if reset else 'was fitted on'} "
                f"{image_shape[0]}x{image_shape[1]} images."
            )
        X = X.reshape(X.shape[0], found_shape[0] * found_shape[1])
    try:
        X = validate_data(
            estimator, X, reset=reset, dtype="numeric", ensure_min_features=1
        )
    except TypeError as error:
        # Object arrays holding non-numbers.
        raise TypeError(f"{name} expects numeric pixel values: {error}") from error
    if reset:
        n_features = X.shape[1]
        if image_shape is None:
            image_shape = infer_image_shape(n_features)
        elif image_shape[0] * image_shape[1] != n_features:
            raise ValueError(
                f"image_shape={tuple(image_shape)} holds "
                f"{image_shape[0] * image_shape[1]} pixels, but X has "
                f"{n_features} features."
            )
    return X, tuple(int(d) for d in image_shape)


def resolve_pixel_scale(pixel_scale, X):
    """Return the divisor that maps the training pixels to [0, 1].

    ``"auto"`` gives 255 for raw 8-bit images (values in [0, 255] and some above
    1) and 1 (no scaling) for anything else, such as data already in [0, 1] or
    standardised features.
    """
    if pixel_scale is None:
        return 1.0
    if pixel_scale != "auto":
        return float(pixel_scale)
    if X.size and X.min() >= 0 and 1 < X.max() <= 255:
        return 255.0
    return 1.0


def warn_on_pixel_range(estimator, X):
    """Warn when new data look scaled differently from the training data."""
    if not X.size or X.min() < 0:
        return
    x_max = X.max()
    if estimator.pixel_scale_ == 255.0 and x_max <= 1.0 and X.dtype.kind == "f":
        warnings.warn(
            f"X looks already scaled to [0, 1] (max {x_max:.3g}), but "
            f"{type(estimator).__name__} was fitted on raw 0-255 pixels and "
            "divides its input by 255: predictions on doubly scaled images "
            "are unreliable. Pass the raw pixels.",
            UserWarning,
            stacklevel=3,
        )
    elif estimator.pixel_scale_ == 1.0 and estimator._fit_pixel_max <= 1.0 < x_max:
        warnings.warn(
            f"X has pixel values up to {x_max:.3g}, but "
            f"{type(estimator).__name__} was fitted on pixels in [0, 1]. "
            "Scale X the same way as the training data.",
            UserWarning,
            stacklevel=3,
        )
