"""The ``fmnist-estimators`` command line."""

import argparse
import dataclasses
import functools
import logging
import math
import os
import signal
import sys
import threading
from pathlib import Path

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


def _file_in_the_way(path):
    """``path`` or its nearest existing parent, if that is not a folder."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None


def _input_errors(args):
    """Why the options cannot work, in one line each; checked before any import."""
    fewest = _fewest_training_images()
    n_train, n_test = args.n_train, getattr(args, "n_test", None)
    cv_folds = getattr(args, "cv_folds", None)
    if n_train is not None and not fewest <= n_train <= _N_IMAGES["train"]:
        yield (
            f"--n-train must be between {fewest} and {_N_IMAGES['train']:,}, got {n_train}: "
            f"a stratified {_VALIDATION_FRACTION:.0%} validation hold-out needs {fewest} images "
            f"to put each of the {_N_CLASSES} classes on both sides, and Fashion-MNIST has "
            f"{_N_IMAGES['train']:,} training images"
        )
    if n_test is not None and not _N_CLASSES <= n_test <= _N_IMAGES["test"]:
        yield (
            f"--n-test must be between {_N_CLASSES} and {_N_IMAGES['test']:,}, got {n_test}: "
            f"a stratified subset needs an image of each of the {_N_CLASSES} classes, and "
            f"Fashion-MNIST has {_N_IMAGES['test']:,} test images"
        )
    if cv_folds == 1:
        yield "--cv-folds must be 0 (no cross-validation) or at least 2, got 1"
    elif cv_folds and n_train is not None and cv_folds > n_train // _N_CLASSES:
        yield (
            f"--cv-folds must be 0 (no cross-validation) or between 2 and "
            f"{n_train // _N_CLASSES}, got {cv_folds}: --n-train {n_train} has "
            f"{n_train // _N_CLASSES} images of each class to spread over the folds"
        )
    yield from _storage_errors(args)
    if args.data_home is not None:
        data_home = Path(args.data_home).expanduser()
        blocker = _file_in_the_way(data_home)
        if blocker is not None:
            yield (
                f"--data-home must be a folder (it may not exist yet), but '{blocker}' is a file"
            )
    output = Path(args.output)
    blocker = _file_in_the_way(output)
    if blocker is not None:
        yield (
            f"--output must be a folder to create (or, with --overwrite, to replace), "
            f"but '{blocker}' is a file"
        )
    elif output.exists() and not args.overwrite:
        finished = "study" if args.command == "study" else "search"
        yield (
            f"--output '{output}' already exists; choose another folder, or pass "
            f"--overwrite to replace it once the new {finished} has finished"
        )


def _storage_flags(args):
    """(--storage, --study-name, --resume) of the command: the flag names and values."""
    prefix = "" if args.command == "tune" else "tune-"
    names = [f"{prefix}storage", f"{prefix}study-name", f"{prefix}resume"]
    return [(f"--{name}", getattr(args, name.replace("-", "_"), None)) for name in names]


def _storage_errors(args):
    (storage_flag, storage), (name_flag, name), (resume_flag, resume) = _storage_flags(args)
    if storage is None:
        if name is not None or resume:
            yield (f"{name_flag} and {resume_flag} name a study in {storage_flag}, "
                   "which is not given")
    elif args.command == "tune" and args.search != "optuna":
        yield f"--storage keeps an Optuna study; it needs --search optuna, not {args.search}"
    elif args.command == "study" and (args.tune_trials == 0
                                      or "cnn" not in (args.models or ["cnn"])):
        yield ("--tune-storage keeps the study of the Optuna step, which --tune-trials 0 or "
               "--models without cnn skips")


def _open_storage(args):
    """The Optuna storage and study name the options give, or why they cannot be used."""
    (_, url), (_, name), (resume_flag, resume) = _storage_flags(args)
    if url is None:
        return None, None, None
    name = name or (f"fmnist-tune-{args.model}" if args.command == "tune"
                    else "fmnist-study-tuned-cnn")
    try:
        from .model_selection._optuna_storage import _import_optuna, _where, optuna_storage

        storage = optuna_storage(url)
        optuna = _import_optuna()
    except (ImportError, ValueError, ConnectionError) as error:
        return None, None, str(error)
    if not resume and name in optuna.study.get_all_study_names(storage):
        return None, None, (
            f"study {name!r} already exists in {_where(storage)}; pass {resume_flag} to "
            "continue it, or choose another study name"
        )
    return storage, name, None


def _interrupt(signum, frame):
    # Optuna logs a trial stopped by Ctrl-C as failed, with its traceback; the
    # runner's one-line account of what was kept is all that should follow.
    logging.getLogger("optuna").setLevel(logging.CRITICAL + 1)
    raise KeyboardInterrupt


def build_parser():
    """The argument parser of the command line."""
    parser = _Parser(
        prog="fmnist-estimators",
        description="scikit-learn estimators for the ANN-vs-CNN study on Fashion-MNIST.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    study = commands.add_parser(
        "study", help="run the full ANN-vs-CNN study and write a report",
        description=_STUDY_HELP, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    study.add_argument(
        "--preset", choices=["seed", "quick"], default="seed",
        help="'seed': the notebook's settings on the full data (60,000 training and "
        "10,000 test images, 12 epochs, batch 128, Adam 1e-3, 10%% validation, the "
        "4-point grid at 3 epochs), every model trained with 3 seeds. 'quick': "
        "6,000/2,000 images, 4 epochs, grid at 1 epoch, one seed, a few minutes on 2 "
        "cores. Default: seed.",
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
        "seed preset, 1 for quick)",
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
    return parser


def _study_config(args):
    from .study import PRESETS

    overrides = {
        "models": tuple(args.models) if args.models else None,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "learning_rate": args.learning_rate,
        "grid_epochs": args.grid_epochs,
        "tune_trials": args.tune_trials,
        "tune_epochs": args.tune_epochs,
        "cv_folds": args.cv_folds,
        "n_train": args.n_train,
        "n_test": args.n_test,
        "random_state": args.random_state,
        "seeds": args.seeds,
    }
    return dataclasses.replace(
        PRESETS[args.preset], **{k: v for k, v in overrides.items() if v is not None}
    )


def main(argv=None):
    """Entry point of ``fmnist-estimators``; returns the exit status.

    Returns 2 for options that cannot work, before TensorFlow is imported,
    and 130 after Ctrl-C.
    """
    args = build_parser().parse_args(argv)
    errors = list(_input_errors(args))
    if errors:
        print(f"fmnist-estimators {args.command}: error: {errors[0]}", file=sys.stderr)
        return 2
    log = functools.partial(print, flush=True)
    if args.data_home is not None and not Path(args.data_home).expanduser().exists():
        log(f"Note: --data-home '{args.data_home}' does not exist; it is created only "
            "if Fashion-MNIST has to be downloaded.")
    # Keep TensorFlow's start-up chatter out of the report-like console output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    in_main_thread = threading.current_thread() is threading.main_thread()
    if in_main_thread:
        previous_handler = signal.signal(signal.SIGINT, _interrupt)
    started = False  # once started, the runner reports an interruption itself
    try:
        storage, study_name, error = _open_storage(args)
        if error:
            print(f"fmnist-estimators {args.command}: error: {error}", file=sys.stderr)
            return 2
        import matplotlib

        matplotlib.use("Agg")
        if args.command == "study":
            from .study import run_study

            started = True
            run_study(
                _study_config(args), args.output, overwrite=args.overwrite,
                data_home=args.data_home, log=log, tune_storage=storage,
                tune_study_name=study_name, tune_load_if_exists=args.tune_resume,
            )
        else:
            from .study._tune import run_tune

            started = True
            run_tune(
                model=args.model, search=args.search,
                grid={"learning_rate": args.learning_rates, "batch_size": args.batch_sizes},
                epochs=args.epochs, n_trials=args.n_trials, n_train=args.n_train,
                random_state=args.random_state, output=args.output,
                overwrite=args.overwrite, data_home=args.data_home, log=log,
                storage=storage, study_name=study_name, load_if_exists=args.resume,
            )
    except FileExistsError as error:  # --output created since the check above
        print(f"fmnist-estimators {args.command}: error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        # A study created for another search (found once the data is loaded).
        from .model_selection._optuna_storage import StudyConflictError

        if not isinstance(error, StudyConflictError):
            raise
        print(f"fmnist-estimators {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        if not started:
            log("Interrupted before the run started; nothing was written.")
        return 130
    finally:
        if in_main_thread:
            signal.signal(signal.SIGINT, previous_handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
