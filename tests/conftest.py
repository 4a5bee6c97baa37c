"""Shared fixtures: small subsets of the real Fashion-MNIST and fitted models."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from fmnist_estimators.datasets import fetch_fashion_mnist

N_TRAIN = 3000
N_TEST = 1000


@pytest.fixture(scope="session")
def fashion_train():
    """A stratified slice of the real training set: raw uint8 images, int labels."""
    bunch = fetch_fashion_mnist(subset="train")
    return bunch.images[:N_TRAIN], bunch.target[:N_TRAIN]


@pytest.fixture(scope="session")
def fashion_test():
    """The first images of the real test set."""
    bunch = fetch_fashion_mnist(subset="test")
    return bunch.images[:N_TEST], bunch.target[:N_TEST]


@pytest.fixture(scope="session")
def target_names():
    return fetch_fashion_mnist(subset="test").target_names


@pytest.fixture
def close_figures():
    """Close every matplotlib figure before and after a plotting test."""
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def rng():
    return np.random.default_rng(0)
