"""Loaders for the Fashion-MNIST data set."""

from ._fashion_mnist import fetch_fashion_mnist

__all__ = ["fetch_fashion_mnist"]
