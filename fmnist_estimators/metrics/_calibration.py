"""Calibration of predicted probabilities: reliability, ECE and the Brier score."""

import numpy as np
import pandas as pd

from ._checks import check_positive_int, check_proba


def reliability_table(y_true, y_proba, *, n_bins=15, labels=None):
    """The data of a top-label reliability diagram.

    Each test image's confidence is its largest predicted probability; the
    images are grouped into ``n_bins`` equal-width bins of confidence, and
    each bin's accuracy (how often the top label is right) is set against its
    mean confidence. A calibrated model has accuracy equal to confidence in
    every bin.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities, e.g. from ``predict_proba``.
    n_bins : int, default=15
        Number of equal-width bins on [0, 1]. Bin ``m`` (from 1) holds the
        confidences in ((m - 1) / n_bins, m / n_bins], the first bin also 0,
        as in :func:`sklearn.calibration.calibration_curve`.
    labels : array-like of shape (n_classes,), default=None
        The class of each column of ``y_proba`` (e.g. ``estimator.classes_``);
        by default the sorted labels of ``y_true``.

    Returns
    -------
    table : pandas.DataFrame
        One row per bin: ``bin_low``, ``bin_high``, ``count``,
        ``mean_confidence`` and ``accuracy`` (NaN in empty bins).

    See Also
    --------
    expected_calibration_error : The table summed into one number.

    Examples
    --------
    >>> import numpy as np
    >>> from fmnist_estimators.metrics import reliability_table
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    >>> reliability_table([0, 1, 1, 0], y_proba, n_bins=2)
       bin_low  bin_high  count  mean_confidence  accuracy
    0      0.0       0.5      0              NaN       NaN
    1      0.5       1.0      4             0.75       0.5
    """
    n_bins = check_positive_int(n_bins, "n_bins")
    y_proba, labels, column = check_proba(y_true, y_proba, labels)
    confidence = y_proba.max(axis=1).astype(np.float64)
    correct = (np.argmax(y_proba, axis=1) == column).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.searchsorted(edges[1:-1], confidence, side="left")
    count = np.bincount(bins, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(bins, weights=confidence, minlength=n_bins) / count
        accuracy = np.bincount(bins, weights=correct, minlength=n_bins) / count
    return pd.DataFrame({
        "bin_low": edges[:-1], "bin_high": edges[1:], "count": count,
        "mean_confidence": mean_confidence, "accuracy": accuracy,
    })


def expected_calibration_error(y_true, y_proba, *, n_bins=15, labels=None):
    """Top-label expected calibration error (ECE), with equal-width bins.

    The gap between accuracy and mean confidence in each bin of
    :func:`reliability_table`, weighted by the share of images in the bin:
    ``sum_m (n_m / n) * |accuracy_m - confidence_m|`` (Guo et al., 2017).
    0 is perfectly calibrated; the ECE depends on ``n_bins``, so compare
    models with the same number of bins.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    n_bins : int, default=15
        Number of equal-width confidence bins on [0, 1].
    labels : array-like of shape (n_classes,), default=None
        The class of each column of ``y_proba``; by default the sorted labels
        of ``y_true``.

    Returns
    -------
    ece : float
        In [0, 1].

    References
    ----------
    C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern
    neural networks", ICML 2017.

    Examples
    --------
    >>> import numpy as np
    >>> from fmnist_estimators.metrics import expected_calibration_error
    >>> y_proba = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.4, 0.6]])
    >>> round(expected_calibration_error([0, 1, 1, 0], y_proba, n_bins=2), 4)
    0.25
    """
    table = reliability_table(y_true, y_proba, n_bins=n_bins, labels=labels)
    filled = table[table["count"] > 0]
    gaps = (filled["accuracy"] - filled["mean_confidence"]).abs()
    return float((filled["count"] * gaps).sum() / filled["count"].sum())


def brier_score(y_true, y_proba, *, labels=None):
    """Multiclass Brier score: mean squared distance to the one-hot truth.

    ``mean_i sum_k (p_ik - [y_i = k])**2``, from 0 (certain and right) to 2
    (certain and wrong); Brier's original definition, which equals
    :func:`sklearn.metrics.brier_score_loss` on multiclass targets
    (scikit-learn 1.7 and later). Unlike accuracy it rewards confidence that
    is warranted and penalises confidence that is not.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_proba : array-like of shape (n_samples, n_classes)
        Predicted probabilities.
    labels : array-like of shape (n_classes,), default=None
        The class of each column of ``y_proba``; by default the sorted labels
        of ``y_true``.

    Returns
    -------
    score : float
        In [0, 2]; lower is better.

    Examples
    --------
    >>> from fmnist_estimators.metrics import brier_score
    >>> round(brier_score([0, 1], [[0.8, 0.2], [0.5, 0.5]]), 4)
    0.29
    """
    y_proba, _, column = check_proba(y_true, y_proba, labels)
    one_hot = np.zeros(y_proba.shape)
    one_hot[np.arange(len(column)), column] = 1.0
    return float(np.mean(np.sum((y_proba.astype(np.float64) - one_hot) ** 2, axis=1)))
