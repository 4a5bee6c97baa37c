"""The study's images: stratified subsets of Fashion-MNIST and the validation hold-out."""

import dataclasses

import numpy as np
from sklearn.model_selection import train_test_split

from ..datasets import fetch_fashion_mnist
from ..datasets._files import _describe_source
from ..model_selection import holdout_split


@dataclasses.dataclass(frozen=True)
class _StudyData:
    """The training and test images of one study, and where they came from."""

    X: np.ndarray
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    train_idx: np.ndarray
    val_idx: np.ndarray
    target_names: list
    source: dict


def _subset(X, y, n, random_state):
    if n is None or n >= len(y):
        return X, y
    # A left-over part too small to hold every class cannot be stratified.
    stratify = y if len(y) - n >= len(np.unique(y)) else None
    X, _, y, _ = train_test_split(
        X, y, train_size=n, stratify=stratify, random_state=random_state
    )
    return X, y


def _load_data(config, data_home, log):
    """Fashion-MNIST's subsets for ``config`` and the grid's validation hold-out."""
    train = fetch_fashion_mnist(subset="train", data_home=data_home)
    test = fetch_fashion_mnist(subset="test", data_home=data_home)
    files = {**train.source, **test.source}
    source = {"description": _describe_source(files), "files": files}
    log(f"      data: {source['description']}")
    X, y = _subset(train.images, train.target, config.n_train, config.random_state)
    X_test, y_test = _subset(test.images, test.target, config.n_test, config.random_state)
    train_idx, val_idx = holdout_split(
        y, validation_fraction=config.validation_fraction,
        random_state=config.random_state,
    )
    log(f"      train {len(train_idx)}, validation {len(val_idx)}, test {len(y_test)} images")
    return _StudyData(X, y, X_test, y_test, train_idx, val_idx,
                      list(train.target_names), source)
