"""Confidence intervals for a test-set metric: exact for accuracy, bootstrap otherwise."""

from typing import NamedTuple

import numpy as np
from scipy.stats import binomtest

from ._checks import (
    check_confidence_level,
    check_labels_pair,
    check_positive_int,
    check_proba,
)

# Resampled indices are drawn this many at a time (about 16 MB of int64).
_CHUNK_ELEMENTS = 2**21


class Interval(NamedTuple):
    """A point estimate with its confidence interval.

    Attributes
    ----------
    estimate : float
        The metric on the whole test set.
    low, high : float
        Bounds of the interval.
    confidence_level : float
        Coverage the interval is built for, e.g. 0.95.
    method : str
        How the interval was computed, e.g. ``"clopper-pearson"`` or
        ``"bootstrap percentile (1000 resamples)"``.
    """

    estimate: float
    low: float
    high: float
    confidence_level: float
    method: str

    def __str__(self):
        return (f"{self.estimate:.4f} [{self.low:.4f}, {self.high:.4f}] "
                f"({self.confidence_level:.0%} {self.method})")


def accuracy_interval(y_true, y_pred, *, confidence_level=0.95):
    """Accuracy with its exact (Clopper–Pearson) confidence interval.

    The number of correctly classified test images is binomial; the
    Clopper–Pearson interval inverts the binomial test, so it covers the true
    accuracy at least ``confidence_level`` of the time whatever the number of
    images (it is conservative). Computed by
    :meth:`scipy.stats.binomtest(...).proportion_ci <scipy.stats.binomtest>`
    with ``method="exact"``.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels of the test images.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    confidence_level : float, default=0.95
        Coverage of the interval, strictly between 0 and 1.

    Returns
    -------
    interval : Interval
        Accuracy, lower and upper bound.

    See Also
    --------
    bootstrap_interval : An interval for any other metric.

    Examples
    --------
    >>> from fmnist_estimators.metrics import accuracy_interval
    >>> y_true = [0] * 100
    >>> y_pred = [0] * 80 + [1] * 20
    >>> low, high = accuracy_interval(y_true, y_pred)[1:3]
    >>> round(low, 3), round(high, 3)
    (0.708, 0.873)
    """
    y_true, y_pred = check_labels_pair(y_true, y_pred)
    confidence_level = check_confidence_level(confidence_level)
    n_correct = int(np.sum(y_true == y_pred))
    ci = binomtest(n_correct, len(y_true)).proportion_ci(
        confidence_level=confidence_level, method="exact"
    )
    return Interval(n_correct / len(y_true), float(ci.low), float(ci.high),
                    confidence_level, "clopper-pearson")


def bootstrap_indices(n_samples, n_resamples, random_state):
    """Resampled row indices, in chunks of shape (n_chunk, n_samples).

    The same ``random_state`` gives the same resamples for every metric, so
    two intervals from one seed are computed on the same resampled test sets.
    """
    rng = np.random.default_rng(random_state)
    per_chunk = max(1, _CHUNK_ELEMENTS // n_samples)
    for start in range(0, n_resamples, per_chunk):
        size = min(per_chunk, n_resamples - start)
        yield rng.integers(0, n_samples, size=(size, n_samples))


def _percentile_interval(statistics, estimate, confidence_level, n_resamples):
    tail = (1 - confidence_level) / 2
    low, high = np.quantile(statistics, [tail, 1 - tail])
    return Interval(float(estimate), float(low), float(high), confidence_level,
                    f"bootstrap percentile ({n_resamples} resamples)")


def _codes(y_true, y_pred, labels):
    """Each label's position in ``labels``; ``len(labels)`` for any other value."""
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    order = np.argsort(labels, kind="stable")
    sorted_labels = labels[order]

    def encode(values):
        position = np.clip(np.searchsorted(sorted_labels, values), 0, len(labels) - 1)
        found = sorted_labels[position] == values
        return np.where(found, order[position], len(labels))

    return encode(y_true), encode(y_pred), len(labels)


def _macro_f1_statistics(y_true, y_pred, labels, chunks):
    """Macro-F1 of each resample from its confusion counts.

    Equal to ``f1_score(average="macro", labels=labels, zero_division=0)``:
    a class absent from both the truth and the predictions scores 0, and a
    prediction outside ``labels`` counts as a miss of the true class.
    """
    true_codes, pred_codes, n_labels = _codes(y_true, y_pred, labels)
    width = n_labels + 1
    pair = true_codes * width + pred_codes

    def f1(counts):
        tp = np.diagonal(counts, axis1=-2, axis2=-1)[..., :n_labels]
        n_true = counts.sum(axis=-1)[..., :n_labels]
        n_pred = counts.sum(axis=-2)[..., :n_labels]
        denominator = n_true + n_pred
        with np.errstate(invalid="ignore", divide="ignore"):
            scores = np.where(denominator > 0, 2 * tp / denominator, 0.0)
        return scores.mean(axis=-1)

    estimate = f1(np.bincount(pair, minlength=width**2).reshape(width, width))
    statistics = []
    for index in chunks:
        offsets = np.arange(len(index))[:, None] * width**2
        counts = np.bincount((pair[index] + offsets).ravel(), minlength=len(index) * width**2)
        statistics.append(f1(counts.reshape(len(index), width, width)))
    return estimate, np.concatenate(statistics)


def _mean_statistics(values, chunks):
    return values.mean(), np.concatenate([values[index].mean(axis=1) for index in chunks])


def per_sample_log_loss(y_true, y_proba, labels=None):
    """Each sample's log loss, clipped as :func:`sklearn.metrics.log_loss` clips."""
    y_proba, _, column = check_proba(y_true, y_proba, labels)
    eps = np.finfo(y_proba.dtype).eps
    p_true = np.clip(y_proba[np.arange(len(y_proba)), column], eps, 1 - eps)
    return -np.log(p_true.astype(np.float64))


_NAMED_METRICS = ("accuracy", "macro_f1", "log_loss")


def bootstrap_interval(metric, y_true, y_score, *, labels=None, confidence_level=0.95,
                       n_resamples=1000, random_state=0):
    """A metric with its bootstrap confidence interval over the test images.

    The test images are resampled with replacement ``n_resamples`` times; the
    interval is the percentile interval of the metric over the resamples
    (Efron's percentile bootstrap). The resampling is seeded, so the same call
    gives the same interval.

    Parameters
    ----------
    metric : callable or {"accuracy", "macro_f1", "log_loss"}
        ``metric(y_true, y_score) -> float``, e.g. a scikit-learn metric
        (:func:`functools.partial` fixes its options); it is called once per
        resample. The names compute the same values as
        :func:`~sklearn.metrics.accuracy_score`,
        ``f1_score(average="macro", labels=labels, zero_division=0)`` and
        ``log_loss(labels=labels)``, vectorised over the resamples.
    y_true : array-like of shape (n_samples,)
        True labels of the test images.
    y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        Predicted labels, or probabilities for ``"log_loss"`` (and for any
        callable that takes them).
    labels : array-like, default=None
        Classes for the named metrics: the classes of the probability
        columns for ``"log_loss"`` (default: the sorted labels of
        ``y_true``), the classes averaged by ``"macro_f1"`` (default: those
        in ``y_true`` or the predictions). Ignored for a callable.
    confidence_level : float, default=0.95
        Coverage of the interval, strictly between 0 and 1.
    n_resamples : int, default=1000
        Number of bootstrap resamples.
    random_state : int, numpy Generator or None, default=0
        Seed of the resampling; None draws a fresh one.

    Returns
    -------
    interval : Interval
        The metric on the whole test set and the interval's bounds.

    See Also
    --------
    accuracy_interval : The exact interval for accuracy.

    Notes
    -----
    The bootstrap treats the test images as a sample from the population of
    images; it says nothing about the variation from one training run to the
    next (train several seeds for that).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import f1_score
    >>> from fmnist_estimators.metrics import bootstrap_interval
    >>> rng = np.random.default_rng(0)
    >>> y_true = rng.integers(0, 3, size=500)
    >>> y_pred = np.where(rng.random(500) < 0.8, y_true, (y_true + 1) % 3)
    >>> fast = bootstrap_interval("macro_f1", y_true, y_pred, n_resamples=200)
    >>> slow = bootstrap_interval(
    ...     lambda t, p: f1_score(t, p, average="macro"), y_true, y_pred, n_resamples=200)
    >>> bool(np.allclose(fast[:3], slow[:3]))
    True
    >>> fast.low < fast.estimate < fast.high
    True
    """
    confidence_level = check_confidence_level(confidence_level)
    n_resamples = check_positive_int(n_resamples, "n_resamples")
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score)
    if isinstance(metric, str) and metric not in _NAMED_METRICS:
        raise ValueError(
            f"Unknown metric {metric!r}; pass a callable or one of {', '.join(_NAMED_METRICS)}."
        )
    if not isinstance(metric, str) and not callable(metric):
        raise TypeError(f"metric must be a callable or a name, got {type(metric).__name__}.")
    if metric == "log_loss" or y_score.ndim == 2:
        if y_true.ndim != 1 or len(y_true) != len(y_score):
            raise ValueError(
                f"y_true and y_score must have the same number of samples, got shapes "
                f"{y_true.shape} and {y_score.shape}."
            )
        if not len(y_true):
            raise ValueError("y_true is empty: there is nothing to evaluate.")
    else:
        y_true, y_score = check_labels_pair(y_true, y_score, name="y_score")
    chunks = bootstrap_indices(len(y_true), n_resamples, random_state)
    if metric == "accuracy":
        estimate, statistics = _mean_statistics((y_true == y_score).astype(float), chunks)
    elif metric == "macro_f1":
        estimate, statistics = _macro_f1_statistics(y_true, y_score, labels, chunks)
    elif metric == "log_loss":
        losses = per_sample_log_loss(y_true, y_score, labels)
        estimate, statistics = _mean_statistics(losses, chunks)
    else:
        estimate = metric(y_true, y_score)
        statistics = np.array([
            metric(y_true[row], y_score[row]) for index in chunks for row in index
        ])
    return _percentile_interval(statistics, estimate, confidence_level, n_resamples)
