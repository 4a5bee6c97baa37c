"""Which classes a classifier mixes up, as pairs with counts."""

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix

from ._checks import check_labels_pair, check_positive_int


def most_confused_pairs(y_true, y_pred, *, labels=None, target_names=None, n_pairs=5):
    """The pairs of classes most often mistaken for each other.

    Confusions are counted in both directions (a Shirt called a T-shirt/top
    and a T-shirt/top called a Shirt are one pair), and pairs are ranked by
    their total.

    Parameters
    ----------
    y_true : array-like of shape (n_samples,)
        True labels.
    y_pred : array-like of shape (n_samples,)
        Predicted labels.
    labels : array-like, default=None
        The classes, in the order of ``target_names``; by default the sorted
        labels of ``y_true`` and ``y_pred``.
    target_names : list of str, default=None
        Display names of ``labels``; by default the labels themselves.
    n_pairs : int, default=5
        How many pairs to return (fewer when fewer pairs are confused).

    Returns
    -------
    pairs : pandas.DataFrame
        One row per pair, most confused first: ``class_a``, ``class_b``,
        ``a_as_b`` (images of ``class_a`` predicted as ``class_b``),
        ``b_as_a`` and ``total``; ties are broken by label order.

    Examples
    --------
    >>> from fmnist_estimators.metrics import most_confused_pairs
    >>> y_true = ["cat", "cat", "dog", "dog", "dog", "owl"]
    >>> y_pred = ["dog", "cat", "cat", "cat", "owl", "owl"]
    >>> most_confused_pairs(y_true, y_pred)
      class_a class_b  a_as_b  b_as_a  total
    0     cat     dog       1       2      3
    1     dog     owl       1       0      1
    """
    y_true, y_pred = check_labels_pair(y_true, y_pred)
    n_pairs = check_positive_int(n_pairs, "n_pairs")
    labels = np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)
    names = [str(label) for label in labels] if target_names is None else list(target_names)
    if len(names) != len(labels):
        raise ValueError(
            f"target_names has {len(names)} names for {len(labels)} labels."
        )
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    upper_a, upper_b = np.triu_indices(len(labels), k=1)
    a_as_b = counts[upper_a, upper_b]
    b_as_a = counts[upper_b, upper_a]
    total = a_as_b + b_as_a
    order = np.argsort(-total, kind="stable")
    order = order[total[order] > 0][:n_pairs]
    return pd.DataFrame({
        "class_a": [names[i] for i in upper_a[order]],
        "class_b": [names[i] for i in upper_b[order]],
        "a_as_b": a_as_b[order].astype(int),
        "b_as_a": b_as_a[order].astype(int),
        "total": total[order].astype(int),
    })
