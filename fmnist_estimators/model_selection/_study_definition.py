"""The search a study was created for, stored with it and checked when it is loaded.

Trials are comparable only when they come from the same search space,
direction, estimator, epochs and training data; a different search must not
add its trials to a stored study.
"""

import hashlib

import numpy as np

from ._optuna_storage import StudyConflictError, _import_optuna

# The study user attribute that records the search a study was created for.
_DEFINITION_ATTR = "fmnist_estimators_search"


def _search_definition(estimator, search_space, X, y, validation_fraction, seed):
    """What makes trials comparable: space, direction, estimator and data."""
    optuna = _import_optuna()
    # One throw-away trial records the distributions the space samples.
    verbosity = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        dry_trial = optuna.create_study(
            sampler=optuna.samplers.RandomSampler(seed=0)
        ).ask()
    finally:
        optuna.logging.set_verbosity(verbosity)
    search_space(dry_trial)
    data = hashlib.sha256()
    for array in (X, y):
        array = np.ascontiguousarray(np.asarray(array))
        data.update(str((array.shape, array.dtype.str)).encode())
        data.update(array.data)
    return {
        "direction": "maximize",
        "search_space": {
            name: optuna.distributions.distribution_to_json(distribution)
            for name, distribution in dry_trial.distributions.items()
        },
        "estimator": type(estimator).__name__,
        "epochs": estimator.get_params().get("epochs"),
        "validation_fraction": float(validation_fraction),
        "n_samples": int(len(y)),
        "data_sha256": data.hexdigest(),
        "holdout_seed": int(seed),
    }


def _space_differences(stored, current):
    optuna = _import_optuna()
    to_distribution = optuna.distributions.json_to_distribution
    lines = []
    for name in sorted(set(stored) | set(current)):
        if name not in current:
            lines.append(f"{name} only in the stored space")
        elif name not in stored:
            lines.append(f"{name} only in this space")
        elif to_distribution(stored[name]) != to_distribution(current[name]):
            lines.append(f"{name} is {to_distribution(stored[name])} there, "
                         f"{to_distribution(current[name])} here")
    return lines


def _check_definition(study, definition, random_state, where):
    """The stored definition, or a StudyConflictError naming how this search differs."""
    optuna = _import_optuna()
    name = f"Study {study.study_name!r} in {where}"
    if list(study.directions) != [optuna.study.StudyDirection.MAXIMIZE]:
        directions = ", ".join(d.name.lower() for d in study.directions)
        raise StudyConflictError(
            f"{name} has direction {directions}, but this search maximizes the validation "
            "accuracy; choose another study name."
        )
    stored = study.user_attrs.get(_DEFINITION_ATTR)
    if stored is None:
        if study.trials:
            raise StudyConflictError(
                f"{name} has {len(study.trials)} trial(s) that tune_with_optuna did not "
                "run (it records no search space); choose another study name."
            )
        study.set_user_attr(_DEFINITION_ATTR, definition)
        stored = study.user_attrs[_DEFINITION_ATTR]
    if random_state is None:
        definition = {**definition, "holdout_seed": stored.get("holdout_seed")}
    differences = _space_differences(stored.get("search_space", {}),
                                     definition["search_space"])
    labels = {
        "direction": "direction", "estimator": "estimator", "epochs": "epochs",
        "validation_fraction": "validation_fraction", "n_samples": "training images",
        "data_sha256": "training data (SHA-256)", "holdout_seed": "random_state",
    }
    for key, label in labels.items():
        if stored.get(key) != definition[key]:
            differences.append(f"{label} {stored.get(key)!r} there, {definition[key]!r} here")
    if differences:
        raise StudyConflictError(
            f"{name} was created for another search, and its trials would be mixed with "
            f"this one's: {'; '.join(differences)}. Choose another study name, or run the "
            "search it was created for."
        )
    return stored
