"""Paired comparisons of two classifiers on the same test images."""

from typing import NamedTuple

import numpy as np
from scipy.stats import binomtest

from ._checks import check_confidence_level, check_labels_pair, check_positive_int
from ._intervals import _percentile_interval, bootstrap_indices


class McNemarResult(NamedTuple):
    """McNemar's exact test of two classifiers on the same test images.

    Attributes
    ----------
    b : int
        Images the first classifier gets right and the second gets wrong.
    c : int
        Images the second classifier gets right and the first gets wrong.
    p_value : float
        Two-sided exact p-value: the binomial test of ``b`` successes in
        ``b + c`` trials with probability 1/2 (1.0 when ``b + c == 0``).
    """

    b: int
    c: int
    p_value: float


def _paired_inputs(y_true, y_pred_a, y_pred_b):
    y_true, y_pred_a = check_labels_pair(y_true, y_pred_a, name="y_pred_a")
    _, y_pred_b = check_labels_pair(y_true, y_pred_b, name="y_pred_b")
    return y_pred_a == y_true, y_pred_b == y_true


def mcnemar_test(y_true, y_pred_a, y_pred_b):
    """McNemar's exact test: do two classifiers differ in accuracy?

    Only the images on which the classifiers disagree about being right carry
    information: under the null hypothesis of equal accuracy, each of those
    ``b + c`` images is equally likely to favour either classifier. The exact
    test is the two-sided binomial test of ``b`` in ``b + c`` at 1/2
    (:func:`scipy.stats.binomtest`), as Dietterich (1998) and mlxtend's
    ``mcnemar(exact=True)`` compute it.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of the test images.
    y_pred_a, y_pred_b : array-like of shape (n_samples,)
        Labels predicted by the two classifiers for the same images.

    Returns
    -------
    result : McNemarResult
        The discordant counts ``b`` (only A right) and ``c`` (only B right)
        and the exact p-value.

    See Also
    --------
    paired_accuracy_difference : The size of the difference, with an interval.

    References
    ----------
    T. G. Dietterich, "Approximate statistical tests for comparing supervised
    classification learning algorithms", Neural Computation 10(7), 1998.

    Examples
    --------
    >>> from fmnist_estimators.metrics import mcnemar_test
    >>> y_true = [0] * 20
    >>> y_a = [0] * 15 + [1] * 5      # right on the first 15
    >>> y_b = [0] * 5 + [1] * 15      # right on the first 5
    >>> result = mcnemar_test(y_true, y_a, y_b)
    >>> result.b, result.c, round(result.p_value, 5)
    (10, 0, 0.00195)
    """
    right_a, right_b = _paired_inputs(y_true, y_pred_a, y_pred_b)
    b = int(np.sum(right_a & ~right_b))
    c = int(np.sum(~right_a & right_b))
    p_value = 1.0 if b + c == 0 else float(binomtest(b, b + c, 0.5).pvalue)
    return McNemarResult(b, c, min(p_value, 1.0))


def paired_accuracy_difference(y_true, y_pred_a, y_pred_b, *, confidence_level=0.95,
                               n_resamples=1000, random_state=0):
    """Accuracy of A minus accuracy of B, with a paired bootstrap interval.

    The test images are resampled with replacement and both classifiers are
    scored on the same resample, so the interval reflects the pairing (two
    classifiers that err on the same images differ little, whatever their
    individual uncertainty).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of the test images.
    y_pred_a, y_pred_b : array-like of shape (n_samples,)
        Labels predicted by the two classifiers for the same images.
    confidence_level : float, default=0.95
        Coverage of the interval, strictly between 0 and 1.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    random_state : int, numpy Generator or None, default=0
        Seed of the resampling.

    Returns
    -------
    interval : Interval
        ``accuracy(A) - accuracy(B)`` on the whole test set and the
        percentile interval's bounds.

    See Also
    --------
    mcnemar_test : The test of whether the difference is zero.

    Examples
    --------
    >>> from fmnist_estimators.metrics import paired_accuracy_difference
    >>> y_true = [0] * 100
    >>> y_a = [0] * 90 + [1] * 10
    >>> y_b = [0] * 80 + [1] * 20
    >>> diff = paired_accuracy_difference(y_true, y_a, y_b, n_resamples=500)
    >>> round(diff.estimate, 2), diff.low > 0
    (0.1, True)
    """
    confidence_level = check_confidence_level(confidence_level)
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    right_a, right_b = _paired_inputs(y_true, y_pred_a, y_pred_b)
    difference = right_a.astype(np.int8) - right_b.astype(np.int8)
    statistics = np.concatenate([
        difference[index].mean(axis=1)
        for index in bootstrap_indices(len(difference), n_resamples, random_state)
    ])
    interval = _percentile_interval(statistics, difference.mean(), confidence_level, n_resamples)
    return interval._replace(method=f"paired {interval.method}")


def holm_correction(p_values):
    """Holm's step-down adjustment of several p-values.

    Sort the ``m`` p-values; the ``i``-th smallest (counting from 0) is
    multiplied by ``m - i``, the running maximum is taken so that the order
    is kept, and values are capped at 1. Rejecting every hypothesis whose
    adjusted p-value is below ``alpha`` controls the family-wise error rate at
    ``alpha``, with more power than Bonferroni's correction.

    Parameters
    ----------
    p_values : array-like of shape (n_tests,)
        Unadjusted p-values, each in [0, 1].

    Returns
    -------
    adjusted : ndarray of shape (n_tests,)
        Adjusted p-values, in the input's order.

    References
    ----------
    S. Holm, "A simple sequentially rejective multiple test procedure",
    Scandinavian Journal of Statistics 6(2), 1979.

    Examples
    --------
    >>> from fmnist_estimators.metrics import holm_correction
    >>> holm_correction([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p_values = np.asarray(p_values, dtype=float)
    if p_values.ndim != 1:
        raise ValueError(f"p_values must be 1-D, got shape {p_values.shape}.")
    if np.any(np.isnan(p_values)) or np.any((p_values < 0) | (p_values > 1)):
        raise ValueError(f"p_values must lie in [0, 1], got {p_values.tolist()}.")
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p_values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted
