"""The study's settings: the models it compares, its statistics and its presets."""

import dataclasses

from .._registry import FAMILIES

# Every network family of the registry, as (label, seed recipe).
MODEL_RECIPES = {
    name: (family.label, family.seed_recipe) for name, family in FAMILIES.items()
}
TUNED_KEY, TUNED_LABEL = "tuned-cnn", "Tuned CNN"

# The level of every test and the coverage of every interval in the report.
ALPHA, CONFIDENCE_LEVEL = 0.05, 0.95
N_RESAMPLES = 2000
ECE_BINS = 15


@dataclasses.dataclass(frozen=True)
class StudyConfig:
    """Settings of one study run.

    Parameters
    ----------
    models : tuple of str
        Models to train, among the network families ``"ann"``, ``"cnn"`` and
        ``"resnet"``.
    n_train, n_test : int or None
        Stratified subsets of the training and test sets; None uses all of it.
    epochs, batch_size, learning_rate : int, int, float
        Training settings, identical for every model.
    validation_fraction : float
        Hold-out of the training set for validation curves and the grid.
    grid : dict of str to list
        The CNN's learning-rate x batch-size grid.
    grid_epochs : int
        Epochs per grid point; 0 skips the grid search.
    tune_trials : int
        Optuna trials for the "tuned CNN" (learning rate, batch size, dropout,
        widths), pruned per epoch on the validation hold-out; 0 skips it.
    tune_epochs : int
        Epochs of a full Optuna trial. Its settings being chosen at this
        budget, the tuned CNN is then trained for up to ``epochs`` epochs with
        early stopping on the validation loss (best weights restored), not
        for a fixed ``epochs`` like the ANN and the CNN.
    cv_folds : int
        Stratified folds of an extra cross-validation of the ANN and the CNN
        on the training set (mean +- std of accuracy and log loss); 0 skips it.
    random_state : int
        Seed of the subsets, the grid's split, the searches and the first
        training run of every model.
    seeds : int
        Training runs of every model (the ANN, the CNN and the tuned CNN's
        final training), with ``random_state + k`` for ``k`` in
        ``range(seeds)``, on the same training images and test images; each
        run's validation hold-out is drawn from its own ``random_state``, as
        the estimators draw it. The grid and the Optuna search run once, at
        ``random_state``. The paired tests are computed at each seed and a
        difference is significant only when it is significant at every seed,
        in the same direction
        (:func:`~fmnist_estimators.metrics.combine_comparisons`).
    """

    models: tuple = ("ann", "cnn")
    n_train: int | None = None
    n_test: int | None = None
    epochs: int = 12
    batch_size: int = 128
    learning_rate: float = 1e-3
    validation_fraction: float = 0.1
    grid: dict = dataclasses.field(
        default_factory=lambda: {"learning_rate": [1e-3, 5e-4], "batch_size": [64, 128]}
    )
    grid_epochs: int = 3
    tune_trials: int = 10
    tune_epochs: int = 3
    cv_folds: int = 0
    random_state: int = 0
    seeds: int = 1


# Training images of the seed preset: a stratified subset that lets its
# 3 seeds of every model, the grid and the Optuna search finish within 15
# minutes on 2 cores.
SEED_PRESET_N_TRAIN = 12_000

PRESETS = {
    # The notebook's models, training settings, grid and Optuna search, every
    # model trained with 3 seeds, on a stratified 12,000 of the 60,000
    # training images and all 10,000 test images (the CNN recipes compute in
    # mixed bfloat16 with TensorFlow on CPUs with bfloat16 instructions).
    "seed": StudyConfig(n_train=SEED_PRESET_N_TRAIN, seeds=3),
    # The same on all 60,000 training images: five times the images per epoch.
    "full": StudyConfig(seeds=3),
    # Minutes on a laptop: 6,000 training and 2,000 test images, one seed
    # (a second trains the three models again: about a minute more on 2 cores).
    "quick": StudyConfig(
        n_train=6000, n_test=2000, epochs=4, grid_epochs=1, tune_trials=4, tune_epochs=2
    ),
}


def _checked_config(config):
    """``config``, or the seed preset for None, once its models and seeds are checked."""
    config = PRESETS["seed"] if config is None else config
    unknown = set(config.models) - set(MODEL_RECIPES)
    if unknown or not config.models:
        raise ValueError(
            f"models must be a non-empty subset of {sorted(MODEL_RECIPES)}, got "
            f"{list(config.models)}."
        )
    if not isinstance(config.seeds, int) or config.seeds < 1:
        raise ValueError(f"seeds must be a positive integer, got {config.seeds!r}.")
    return config


def _random_states(config):
    return [config.random_state + k for k in range(config.seeds)]
