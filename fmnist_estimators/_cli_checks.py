"""Checks of the command line's options, made before TensorFlow is imported."""

from pathlib import Path

from ._cli_parser import _N_CLASSES, _N_IMAGES, _VALIDATION_FRACTION, _fewest_training_images


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
