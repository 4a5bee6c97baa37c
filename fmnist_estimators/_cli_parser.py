"""The command line's argument parser: its commands, options and their types.

It imports nothing heavy, so that ``--help`` and bad options answer at once.
"""

import argparse
import math

from ._registry import FAMILIES

_STUDY_HELP = """\
Run the whole ANN-vs-CNN study of the seed notebook: load Fashion-MNIST, hold
out a stratified validation set, train the dense ANN and the small CNN with
identical settings, search the CNN's learning rate x batch size grid on the
validation set, evaluate both models once on the test set, save them, and
write report.html, metrics.json, CSV tables and PNG figures to --output.
"""


# Known here so that bad sizes are refused before the loader, and with it
# TensorFlow, is imported; tests/test_cli.py checks them against the loader,
# the presets and run_tune.
_N_IMAGES = {"train": 60_000, "test": 10_000}
_N_CLASSES = 10
_VALIDATION_FRACTION = 0.1
_PRESETS = ["seed", "full", "quick"]


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``--help`` has the usage)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        value = None
    if value is None or value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text}")
    return value


def _positive_float(text):
    try:
        value = float(text)
    except ValueError:
        value = None
    if value is None or not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _fewest_training_images(validation_fraction=_VALIDATION_FRACTION, n_classes=_N_CLASSES):
    """The fewest images whose validation hold-out and rest both hold every class.

    The hold-out has ``ceil(validation_fraction * n)`` images, as in
    :func:`~fmnist_estimators.model_selection.holdout_split`, which stratifies
    only when it can give every class a place on both sides.
    """
    n = 2 * n_classes
    while True:
        n_validation = math.ceil(validation_fraction * n)
        if min(n_validation, n - n_validation) >= n_classes:
            return n
        n += 1


def build_parser():
    """The argument parser of the command line."""
    parser = _Parser(
        prog="fmnist-estimators",
        description="scikit-learn estimators for the ANN-vs-CNN study on Fashion-MNIST.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_study_command(commands)
    _add_tune_command(commands)
    return parser


def _add_study_command(commands):
    """The ``study`` command and its options."""
    study = commands.add_parser(
        "study", help="run the full ANN-vs-CNN study and write a report",
        description=_STUDY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    study.add_argument(
        "--preset", choices=_PRESETS, default="seed",
        help="'seed': the notebook's settings (12 epochs, batch 128, Adam 1e-3, 10%% "
        "validation, the 4-point grid at 3 epochs, 10 Optuna trials), every model "
        "trained with 3 seeds, on a stratified 12,000 of the training images and all "
        "10,000 test images: under 15 minutes on 2 cores. 'full': the same on all "
        "60,000 training images (five times the images per epoch). 'quick': "
        "6,000/2,000 images, 4 epochs, grid at 1 epoch, one seed, a few minutes. "
        "Default: seed.",
    )
    study.add_argument(
        "--models", nargs="+", choices=list(FAMILIES),
        help="models to train (default: both)",
    )
    study.add_argument("--epochs", type=_positive_int, help="training epochs of every model")
    study.add_argument("--batch-size", type=_positive_int, help="batch size of every model")
    study.add_argument("--learning-rate", type=_positive_float, help="Adam learning rate")
    study.add_argument(
        "--grid-epochs", type=_non_negative_int,
        help="epochs per grid point; 0 skips the grid search",
    )
    study.add_argument(
        "--tune-trials", type=_non_negative_int,
        help="Optuna trials for the 'tuned CNN' row (default 10; 0 skips it)",
    )
    study.add_argument(
        "--tune-epochs", type=_positive_int, help="epochs of a full Optuna trial (default 3)"
    )
    study.add_argument(
        "--tune-storage", metavar="URL",
        help="keep the Optuna step's study in this database, e.g. sqlite:///tune.db, so "
        "that it can be resumed or shared (see 'tune --storage')",
    )
    study.add_argument(
        "--tune-study-name",
        help="name of that study in --tune-storage (default: fmnist-study-tuned-cnn)",
    )
    study.add_argument(
        "--tune-resume", action="store_true",
        help="continue the study --tune-study-name if --tune-storage has it",
    )
    study.add_argument(
        "--cv-folds", type=_non_negative_int,
        help="also cross-validate the models with this many folds, 2 or more "
        "(default 0: no)",
    )
    study.add_argument(
        "--n-train", type=_positive_int,
        help="use a stratified subset of this many training images "
        f"({_fewest_training_images()} to {_N_IMAGES['train']:,})",
    )
    study.add_argument(
        "--n-test", type=_positive_int,
        help=f"use a stratified subset of this many test images ({_N_CLASSES} to "
        f"{_N_IMAGES['test']:,})",
    )
    study.add_argument(
        "--random-state", type=int, help="seed of the subsets, the split and the models (default 0)"
    )
    study.add_argument(
        "--seeds", type=_positive_int, metavar="K",
        help="train every model K times, with random_state, random_state + 1, ... on the "
        "same training and test images (the grid and the Optuna search run once); a "
        "difference is significant only if it is at every seed (default: 3 for the "
        "seed and full presets, 1 for quick)",
    )
    study.add_argument(
        "--output", default="study-output",
        help="folder to create for the results (default: study-output)",
    )
    study.add_argument(
        "--overwrite", action="store_true",
        help="replace --output if it exists (only once the new study has finished)",
    )
    study.add_argument(
        "--data-home", help="folder where Fashion-MNIST is cached, or downloaded to "
        "if Debian's copy in /usr/share/datasets/fashion-mnist is missing; created "
        "only for a download (default: scikit-learn's data home)",
    )


def _add_tune_command(commands):
    """The ``tune`` command and its options."""
    tune = commands.add_parser(
        "tune", help="tune the ANN or CNN with a grid, successive halving or Optuna",
        description="Search hyperparameters of the ANN or the CNN on a validation "
        "hold-out of the training set (the test set is not used) and write "
        "report.html, search_results.csv and best.json to --output.",
    )
    tune.add_argument("--model", choices=list(FAMILIES), default="cnn",
                      help="model to tune (default: cnn)")
    tune.add_argument(
        "--search", choices=["grid", "halving", "optuna"], default="grid",
        help="grid: GridSearchCV; halving: HalvingGridSearchCV with epochs as the "
        "resource; optuna: learning rate, batch size, dropout and widths with "
        "per-epoch pruning (default: grid)",
    )
    tune.add_argument("--learning-rates", type=_positive_float, nargs="+",
                      default=[1e-3, 5e-4], help="grid values (default: 1e-3 5e-4)")
    tune.add_argument("--batch-sizes", type=_positive_int, nargs="+", default=[64, 128],
                      help="grid values (default: 64 128)")
    tune.add_argument("--epochs", type=_positive_int, default=3,
                      help="epochs per candidate (default: 3)")
    tune.add_argument("--n-trials", type=_positive_int, default=10,
                      help="Optuna trials (default: 10)")
    tune.add_argument("--n-train", type=_positive_int,
                      help="use a stratified subset of this many training images "
                      f"({_fewest_training_images()} to {_N_IMAGES['train']:,})")
    tune.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    tune.add_argument("--output", default="tune-output",
                      help="folder to create for the results (default: tune-output)")
    tune.add_argument("--overwrite", action="store_true",
                      help="replace --output if it exists (once the search has finished)")
    tune.add_argument("--data-home", help="folder where Fashion-MNIST is cached, or "
                      "downloaded to if Debian's copy is missing; created only for a download")
    tune.add_argument(
        "--storage", metavar="URL",
        help="keep the Optuna study in this database, e.g. sqlite:///tune.db or "
        "postgresql://user:password@host/database, so that a stopped search can be "
        "resumed and workers given the same --storage and --study-name share it; "
        "--n-trials is then the study's total (--search optuna only)",
    )
    tune.add_argument("--study-name",
                      help="name of the study in --storage (default: fmnist-tune-<model>)")
    tune.add_argument("--resume", action="store_true",
                      help="continue the study --study-name if --storage has it, keeping its "
                      "finished trials (without it, an existing study is an error)")
