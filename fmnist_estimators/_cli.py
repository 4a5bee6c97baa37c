"""The ``fmnist-estimators`` command line."""

import argparse
import dataclasses
import functools
import logging
import os
import sys

_STUDY_HELP = """\
Run the whole ANN-vs-CNN study of the seed notebook: load Fashion-MNIST, hold
out a stratified validation set, train the dense ANN and the small CNN with
identical settings, search the CNN's learning rate x batch size grid on the
validation set, evaluate both models once on the test set, save them, and
write report.html, metrics.json, CSV tables and PNG figures to --output.
"""


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


def _non_negative_int(text):
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def build_parser():
    """The argument parser of the command line."""
    parser = argparse.ArgumentParser(
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
        "4-point grid at 3 epochs). 'quick': 6,000/2,000 images, 4 epochs, grid at "
        "1 epoch, a few minutes on 2 cores. Default: seed.",
    )
    study.add_argument(
        "--models", nargs="+", choices=["ann", "cnn"],
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
        "--cv-folds", type=_non_negative_int,
        help="also cross-validate the models with this many folds (default 0: no)",
    )
    study.add_argument(
        "--n-train", type=_positive_int,
        help="use a stratified subset of this many training images",
    )
    study.add_argument(
        "--n-test", type=_positive_int, help="use a stratified subset of this many test images"
    )
    study.add_argument(
        "--random-state", type=int, help="seed of the subsets, the split and the models (default 0)"
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
        "--data-home", help="where Fashion-MNIST is cached or downloaded "
        "(default: scikit-learn's data home)",
    )
    tune = commands.add_parser(
        "tune", help="tune the ANN or CNN with a grid, successive halving or Optuna",
        description="Search hyperparameters of the ANN or the CNN on a validation "
        "hold-out of the training set (the test set is not used) and write "
        "report.html, search_results.csv and best.json to --output.",
    )
    tune.add_argument("--model", choices=["cnn", "ann"], default="cnn",
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
                      help="use a stratified subset of this many training images")
    tune.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    tune.add_argument("--output", default="tune-output",
                      help="folder to create for the results (default: tune-output)")
    tune.add_argument("--overwrite", action="store_true",
                      help="replace --output if it exists (once the search has finished)")
    tune.add_argument("--data-home", help="where Fashion-MNIST is cached or downloaded")
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
    }
    return dataclasses.replace(
        PRESETS[args.preset], **{k: v for k, v in overrides.items() if v is not None}
    )


def main(argv=None):
    """Entry point of ``fmnist-estimators``; returns the exit status."""
    args = build_parser().parse_args(argv)
    # Keep TensorFlow's start-up chatter out of the report-like console output.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    import matplotlib

    matplotlib.use("Agg")
    log = functools.partial(print, flush=True)
    try:
        if args.command == "study":
            from .study import run_study

            run_study(
                _study_config(args), args.output, overwrite=args.overwrite,
                data_home=args.data_home, log=log,
            )
        else:
            from .study._tune import run_tune

            run_tune(
                model=args.model, search=args.search,
                grid={"learning_rate": args.learning_rates, "batch_size": args.batch_sizes},
                epochs=args.epochs, n_trials=args.n_trials, n_train=args.n_train,
                random_state=args.random_state, output=args.output,
                overwrite=args.overwrite, data_home=args.data_home, log=log,
            )
    except FileExistsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
