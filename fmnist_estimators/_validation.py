"""Input validation shared by the estimators and the reshaping transformer.

Images arrive flat ``(n_samples, n_features)``, as ``(n_samples, height,
width)`` or as ``(n_samples, height, width, channels)`` for any number of
channels (grayscale, RGB, RGBA, multi-band); everything downstream works on the
flat view, in NumPy's C order (the channel varies fastest), and the image shape
``(height, width, channels)`` travels alongside it.
"""

import math
import warnings

import numpy as np
from scipy import sparse
from sklearn.utils.validation import validate_data

# A 4-D array whose second axis is at most this long while its last is longer
# is read as channels-first (PyTorch's (n, channels, height, width)).
MAX_CHANNELS_FIRST = 4


def is_image_array(X):
    """Return True when ``X`` is a 3-D or 4-D array-like of images."""
    return getattr(X, "ndim", 2) in (3, 4)


def infer_image_shape(n_features):
    """Guess the image shape of a flat feature vector: one channel.

    A perfect square ``s * s`` is read as an ``s`` x ``s`` image (784 gives
    28 x 28); any other length as a single row of pixels.
    """
    side = math.isqrt(n_features)
    if side * side == n_features:
        return (side, side, 1)
    return (1, n_features, 1)


def describe_shape(image_shape):
    """``28x28 with 1 channel``: an image shape, for error messages."""
    height, width, channels = image_shape
    return f"{height}x{width} with {channels} channel{'s' if channels != 1 else ''}"


def check_image_shape_parameter(image_shape, estimator_name):
    """The ``image_shape`` parameter as a tuple of 2 or 3 positive ints, or None."""
    if image_shape is None:
        return None
    shape = tuple(image_shape)
    if len(shape) not in (2, 3) or not all(
        isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d > 0
        for d in shape
    ):
        raise ValueError(
            f"The 'image_shape' parameter of {estimator_name} must be (height, width) "
            f"or (height, width, channels) with positive integers, got {image_shape!r}."
        )
    return tuple(int(d) for d in shape)


def looks_channels_first(shape):
    """Whether a 4-D array's shape reads as ``(n, channels, height, width)``."""
    return shape[1] <= MAX_CHANNELS_FIRST < min(shape[2], shape[3])


def _image_shape_of(X, estimator_name, expected):
    """The ``(height, width, channels)`` of an image array, checked."""
    if X.ndim == 3:
        return (*(int(d) for d in X.shape[1:]), 1)
    found = tuple(int(d) for d in X.shape[1:])
    # An explicit or fitted shape that matches decides: a 3-row, 32-channel
    # image is then accepted as it is.
    if looks_channels_first(X.shape) and (expected is None or tuple(expected) != found):
        raise ValueError(
            f"X has shape {X.shape}, which looks channels-first (n_samples, channels, "
            f"height, width) with {found[0]} channel{'s' if found[0] != 1 else ''} of "
            f"{found[1]}x{found[2]} pixels; {estimator_name} expects channels-last "
            "(n_samples, height, width, channels). Transpose it with "
            "X.transpose(0, 2, 3, 1) (numpy) or X.permute(0, 2, 3, 1) (PyTorch). If "
            f"the array really holds {found[0]}x{found[1]} images with {found[2]} "
            f"channels, pass image_shape={found}."
        )
    return found


def validate_images(estimator, X, *, reset, image_shape=None):
    """Validate image data and return it flat, with its image shape.

    Parameters
    ----------
    estimator : estimator instance
        The estimator that receives ``X``: its ``n_features_in_`` and
        ``feature_names_in_`` are set (``reset=True``) or checked.
    X : array-like or DataFrame
        Flat ``(n_samples, n_features)`` data, or images of shape
        ``(n_samples, height, width)`` or ``(n_samples, height, width,
        channels)``.
    reset : bool
        Whether ``X`` is the training data (``fit``) or new data.
    image_shape : tuple of int or None, default=None
        With ``reset=True``, the ``image_shape`` parameter: ``(height, width)``
        (the channels are those of the array, or 1 for flat rows),
        ``(height, width, channels)``, or None to infer it. With
        ``reset=False``, the fitted ``(height, width, channels)``.

    Returns
    -------
    X_flat : ndarray of shape (n_samples, height * width * channels)
        Validated, finite, numeric data.
    image_shape : tuple of (int, int, int)
        Height, width and channels of one image.
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
    if getattr(X, "ndim", 2) > 4:
        raise ValueError(
            f"{name} expects flat rows (n_samples, n_features) or images "
            "(n_samples, height, width) or (n_samples, height, width, channels), "
            f"got an array with {X.ndim} dimensions, of shape {X.shape}."
        )
    if reset:
        image_shape = check_image_shape_parameter(image_shape, name)

    if is_image_array(X):
        X = np.asarray(X)
        found_shape = _image_shape_of(X, name, image_shape)
        if image_shape is not None and tuple(image_shape) != found_shape[:len(image_shape)]:
            expected = (image_shape if len(image_shape) == 3
                        else (*image_shape, found_shape[2]))
            raise ValueError(
                f"X holds images of shape {describe_shape(found_shape)}, but "
                f"{name} {'was configured for' if reset else 'was fitted on'} "
                f"{describe_shape(expected)}."
            )
        image_shape = found_shape
        X = X.reshape(X.shape[0], math.prod(found_shape))
    try:
        X = validate_data(
            estimator, X, reset=reset, dtype="numeric", ensure_min_features=1
        )
    except TypeError as error:
        # Object arrays holding non-numbers.
        raise TypeError(f"{name} expects numeric pixel values: {error}") from error
    if reset:
        n_features = X.shape[1]
        requested = image_shape
        if image_shape is None:
            image_shape = infer_image_shape(n_features)
        elif len(image_shape) == 2:
            image_shape = (*image_shape, 1)
        if math.prod(image_shape) != n_features:
            height, width, channels = image_shape
            holds = (f"{height * width} pixels" if channels == 1 else
                     f"{height * width * channels} values ({channels} channels)")
            raise ValueError(
                f"image_shape={requested} holds {holds}, but X has {n_features} "
                "features. Flat rows of colour images need "
                "image_shape=(height, width, channels)."
            )
    return X, tuple(int(d) for d in image_shape)


def resolve_pixel_scale(pixel_scale, X):
    """Return the divisor that maps the training pixels to [0, 1].

    ``"auto"`` gives 255 for 8-bit images (dtype uint8, any number of
    channels), the training maximum for other non-negative data with values
    above 1 (255 for 8-bit images stored as floats or ints, 16 for
    scikit-learn's ``load_digits``, 65535 for saturated 16-bit images), and 1
    (no scaling) for anything else: data already in [0, 1], or standardised
    features with negative values. One divisor serves every channel.
    """
    if pixel_scale is None:
        return 1.0
    if pixel_scale != "auto":
        return float(pixel_scale)
    if X.dtype == np.uint8:
        return 255.0
    if X.size and X.min() >= 0 and X.max() > 1:
        return float(X.max())
    return 1.0


def warn_on_pixel_range(estimator, X):
    """Warn when new data look scaled differently from the training data."""
    if not X.size or X.min() < 0:
        return
    x_max = X.max()
    scale = estimator.pixel_scale_
    if scale > 1.0 and estimator._fit_pixel_max > 1.0 and x_max <= 1.0 and X.dtype.kind == "f":
        warnings.warn(
            f"X looks already scaled to [0, 1] (max {x_max:.3g}), but "
            f"{type(estimator).__name__} was fitted on raw pixels up to "
            f"{estimator._fit_pixel_max:.3g} and divides its input by {scale:g}: "
            "predictions on doubly scaled images are unreliable. Pass the raw pixels.",
            UserWarning,
            stacklevel=3,
        )
    elif scale == 1.0 and estimator._fit_pixel_max <= 1.0 < x_max:
        warnings.warn(
            f"X has pixel values up to {x_max:.3g}, but "
            f"{type(estimator).__name__} was fitted on pixels in [0, 1]. "
            "Scale X the same way as the training data.",
            UserWarning,
            stacklevel=3,
        )
