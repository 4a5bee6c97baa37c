"""The ANN-vs-CNN study as a function: data, training, grid, report."""

from ._runner import PRESETS, StudyConfig, run_study

__all__ = ["PRESETS", "StudyConfig", "run_study"]
