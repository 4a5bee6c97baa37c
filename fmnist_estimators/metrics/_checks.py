"""Input checks shared by the statistics: one clear error per kind of bad input."""

import numbers

import numpy as np


def check_labels_pair(y_true, y_pred, *, name="y_pred"):
    """``y_true`` and ``y_pred`` as 1-D arrays of one non-zero length."""
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.ndim != 1:
        raise ValueError(f"y_true must be 1-D (one label per test image), got shape {y_true.shape}.")
    if y_pred.ndim != 1:
        raise ValueError(
            f"{name} must be 1-D (one predicted label per test image), got shape "
            f"{y_pred.shape}; pass predicted labels, not probabilities."
        )
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true and {name} must have the same length, got {len(y_true)} and "
            f"{len(y_pred)}."
        )
    if not len(y_true):
        raise ValueError("y_true is empty: there is nothing to evaluate.")
    return y_true, y_pred


def check_proba(y_true, y_proba, labels, *, name="y_proba"):
    """Probabilities as a float 2-D array and the class of each column.

    Returns the probabilities and each sample's column index of its true class
    (-1 where the true class is not among ``labels``, which is an error).
    """
    y_true = np.asarray(y_true)
    y_proba = np.asarray(y_proba)
    # Keep float32 as float32: log loss clips at the dtype's epsilon, as
    # scikit-learn's log_loss does.
    if y_proba.dtype not in (np.float16, np.float32, np.float64):
        y_proba = y_proba.astype(np.float64)
    if y_true.ndim != 1 or not len(y_true):
        raise ValueError(f"y_true must be a non-empty 1-D array, got shape {y_true.shape}.")
    if y_proba.ndim != 2 or y_proba.shape[1] < 2:
        raise ValueError(
            f"{name} must have shape (n_samples, n_classes) with at least 2 classes, got "
            f"shape {y_proba.shape}."
        )
    if len(y_proba) != len(y_true):
        raise ValueError(
            f"y_true and {name} must have the same number of samples, got {len(y_true)} "
            f"and {len(y_proba)}."
        )
    if not np.all(np.isfinite(y_proba)) or y_proba.min() < 0 or y_proba.max() > 1:
        raise ValueError(f"{name} must hold probabilities in [0, 1] (no NaN or inf).")
    labels = np.unique(y_true) if labels is None else np.asarray(labels)
    if len(labels) != y_proba.shape[1]:
        raise ValueError(
            f"{name} has {y_proba.shape[1]} columns but there are {len(labels)} labels; "
            "pass labels= with the class of each column (e.g. estimator.classes_)."
        )
    order = np.argsort(labels, kind="stable")
    position = np.searchsorted(labels[order], y_true)
    position = np.clip(position, 0, len(labels) - 1)
    column = order[position]
    if not np.all(labels[column] == y_true):
        missing = sorted(set(np.unique(y_true).tolist()) - set(labels.tolist()))
        raise ValueError(f"y_true holds labels that are not among labels: {missing[:5]}.")
    return y_proba, labels, column


def check_confidence_level(confidence_level):
    if not isinstance(confidence_level, numbers.Real) or not 0 < confidence_level < 1:
        raise ValueError(
            f"confidence_level must be a number strictly between 0 and 1, e.g. 0.95; got "
            f"{confidence_level!r}."
        )
    return float(confidence_level)


def check_alpha(alpha):
    if not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(
            f"alpha must be a number strictly between 0 and 1, e.g. 0.05; got {alpha!r}."
        )
    return float(alpha)


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    return int(value)
