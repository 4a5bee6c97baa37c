"""The validation hold-out that the estimators make inside ``fit``."""

import numpy as np
from sklearn.model_selection import train_test_split


def n_validation(n_samples, validation_fraction):
    """Size of the hold-out: ``ceil(fraction * n)``, or 0 if nothing can be held out."""
    n_val = int(np.ceil(validation_fraction * n_samples)) if validation_fraction else 0
    return n_val if 0 < n_val < n_samples else 0


def holdout_split(y, *, validation_fraction, random_state=None):
    """Indices of a train/validation hold-out, stratified when possible.

    This is the split ``ANNClassifier`` and ``CNNClassifier`` make in ``fit``
    from their ``validation_fraction`` and ``random_state``: two estimators
    with the same settings, fitted on the same ``y``, hold out the same images.
    Use it to give a search the same validation images, e.g. through
    ``cv=[holdout_split(y, validation_fraction=0.1, random_state=0)]``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    validation_fraction : float
        Fraction of the samples to hold out, in (0, 1). The hold-out has
        ``ceil(validation_fraction * n_samples)`` samples.
    random_state : int or None, default=None
        Seed of the shuffle.

    Returns
    -------
    train_indices, validation_indices : ndarray of int
        Positions of the training and validation samples. The validation part
        is empty when the data are too few to hold anything out.

    Examples
    --------
    >>> import numpy as np
    >>> from fmnist_estimators.model_selection import holdout_split
    >>> train, val = holdout_split(np.repeat([0, 1], 10), validation_fraction=0.2,
    ...                            random_state=0)
    >>> len(train), len(val)
    (16, 4)
    """
    y = np.asarray(y)
    n_samples = len(y)
    indices = np.arange(n_samples)
    n_val = n_validation(n_samples, validation_fraction)
    if not n_val:
        return indices, indices[:0]
    _, counts = np.unique(y, return_counts=True)
    can_stratify = counts.min() >= 2 and n_val >= len(counts)
    train, val = train_test_split(
        indices,
        test_size=n_val,
        stratify=y if can_stratify else None,
        random_state=random_state,
    )
    return train, val
