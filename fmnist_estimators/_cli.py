"""The ``fmnist-estimators`` command line."""

import dataclasses
import functools
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from ._cli_checks import _input_errors, _open_storage
from ._cli_parser import build_parser


def _interrupt(signum, frame):
    # Optuna logs a trial stopped by Ctrl-C as failed, with its traceback; the
    # runner's one-line account of what was kept is all that should follow.
    logging.getLogger("optuna").setLevel(logging.CRITICAL + 1)
    raise KeyboardInterrupt


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
