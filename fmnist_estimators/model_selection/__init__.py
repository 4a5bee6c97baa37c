"""Helpers for validating and comparing the estimators."""

from ._split import holdout_split

__all__ = ["holdout_split"]
