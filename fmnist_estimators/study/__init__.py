"""The ANN-vs-CNN study as a function: data, training, grid, report."""

from ._config import PRESETS, StudyConfig
from ._runner import run_study

__all__ = ["PRESETS", "StudyConfig", "run_study"]
