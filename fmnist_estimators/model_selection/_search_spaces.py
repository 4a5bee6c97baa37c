"""Search spaces of the network families: ``trial -> parameters`` for Optuna."""


def cnn_search_space(trial):
    """A search space for :class:`CNNClassifier`: rate, batch, dropout, widths.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial that samples the parameters.

    Returns
    -------
    params : dict
        Parameters for ``CNNClassifier.set_params``.
    """
    width = trial.suggest_categorical("width", [16, 32, 48])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [64, 128, 256]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "filters": (width, 2 * width),
        "dense_units": (trial.suggest_categorical("dense_units", [64, 128, 256]),),
    }


def ann_search_space(trial):
    """A search space for :class:`ANNClassifier`: rate, batch, dropout, widths.

    Parameters
    ----------
    trial : optuna.trial.Trial
        The trial that samples the parameters.

    Returns
    -------
    params : dict
        Parameters for ``ANNClassifier.set_params``.
    """
    first = trial.suggest_categorical("first_layer", [128, 256, 512])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [64, 128, 256]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "hidden_layer_sizes": (first, first // 2),
    }
