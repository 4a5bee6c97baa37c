"""``fmnist-estimators tune``: one search, written up like the study."""

import html
import json
import time

from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV

from .._io import write_text
from .._recipes import make_recipe
from .._registry import FAMILIES
from ..datasets import fetch_fashion_mnist
from ..datasets._files import _describe_source
from ..model_selection import (
    holdout_split,
    optuna_results_table,
    search_results_table,
    tune_with_optuna,
)
from ..model_selection._optuna_storage import StudyConflictError, _where
from ._html import _CSS, _image_tag, _table
from ._data import _subset
from ._output import _prepare_output, _publish, _save_figure, _what_was_kept, _write_csv

SEARCHES = ("grid", "halving", "optuna")


def run_tune(*, model="cnn", search="grid", grid=None, epochs=3, n_trials=10,
             n_train=None, validation_fraction=0.1, random_state=0,
             output="tune-output", overwrite=False, data_home=None, log=print,
             storage=None, study_name=None, load_if_exists=False):
    """Tune the ANN or the CNN on the training set and write a report.

    Every search scores candidates on the same validation hold-out of the
    training set; the test set is not touched.

    Parameters
    ----------
    model : str, default="cnn"
        The network family to tune, a name of the registry ("ann" or "cnn"),
        starting from its seed recipe.
    search : {"grid", "halving", "optuna"}, default="grid"
        ``GridSearchCV``; ``HalvingGridSearchCV`` with epochs as the resource
        (1 up to ``epochs``); or Optuna over learning rate, batch size,
        dropout and widths with per-epoch pruning.
    grid : dict of str to list, default=None
        Grid of the grid and halving searches; the seed's learning rate x
        batch size grid by default.
    epochs : int, default=3
        Epochs per candidate (the largest resource for halving).
    n_trials : int, default=10
        Finished trials of the Optuna search, in all: those kept in
        ``storage`` from an earlier run or run by other workers count.
    n_train : int, default=None
        Stratified subset of the training set; None uses all of it.
    validation_fraction : float, default=0.1
        The hold-out that scores every candidate.
    random_state : int, default=0
        Seed of the subset, the hold-out, the sampler and the models.
    output : str or path, default="tune-output"
        Folder to create; written in full or not at all.
    overwrite : bool, default=False
        Replace an existing output folder once the search has finished.
    data_home : str or path, default=None
        Where Fashion-MNIST is cached.
    log : callable, default=print
        Receives the progress lines.
    storage : str or optuna.storages.BaseStorage, default=None
        Keep the Optuna study in this database (e.g. ``sqlite:///tune.db``);
        see :func:`~fmnist_estimators.model_selection.tune_with_optuna`.
    study_name : str, default=None
        Name of the study in ``storage``.
    load_if_exists : bool, default=False
        Continue the study ``study_name`` if ``storage`` has it.

    Returns
    -------
    summary : dict
        The content of ``best.json``.
    """
    if model not in FAMILIES or search not in SEARCHES:
        raise ValueError(
            f"model must be one of {list(FAMILIES)} and search one of {SEARCHES}."
        )
    family = FAMILIES[model]
    if storage is not None and search != "optuna":
        raise ValueError("A storage keeps an Optuna study: it needs search='optuna'.")
    grid = grid or {"learning_rate": [1e-3, 5e-4], "batch_size": [64, 128]}
    output, staging = _prepare_output(output, overwrite)
    try:
        train = fetch_fashion_mnist(subset="train", data_home=data_home)
        data_source = {"description": _describe_source(train.source), "files": train.source}
        log(f"Data: {data_source['description']}")
        X, y = _subset(train.images, train.target, n_train, random_state)
        base = make_recipe(family.seed_recipe, epochs=epochs, random_state=random_state)
        log(f"{search} search of the {family.label} on {len(y)} training images ...")
        start = time.perf_counter()
        figure = None
        if search == "optuna":
            if storage is not None:
                log(f"Optuna study {study_name!r} in {_where(storage)}")

            def report(study, trial):
                if not trial.user_attrs.get("surplus"):
                    finished = sum(t.state.name in ("COMPLETE", "PRUNED")
                                   for t in study.get_trials(deepcopy=False))
                    log(f"    trial {trial.number + 1}: {trial.state.name.lower()} "
                        f"({finished}/{n_trials} finished in the study)")

            study = tune_with_optuna(
                base, family.search_space_function(), X, y,
                n_trials=n_trials, validation_fraction=validation_fraction,
                random_state=random_state, callbacks=[report],
                storage=storage, study_name=study_name, load_if_exists=load_if_exists,
            )
            table = optuna_results_table(study)
            table["trial"] += 1  # numbered from 1, as in the progress lines
            best = {"params": study.best_trial.user_attrs["params"],
                    "validation_accuracy": study.best_value}
            if storage is not None:
                best["optuna_study"] = {
                    "name": study.study_name, "storage": _where(storage),
                    "n_finished_trials": int(table["state"].isin(["complete", "pruned"]).sum()),
                }
        else:
            cv = [holdout_split(y, validation_fraction=validation_fraction,
                                random_state=random_state)]
            base.set_params(validation_fraction=0.0)
            if search == "grid":
                searcher = GridSearchCV(base, grid, cv=cv, refit=False, verbose=3)
            else:
                searcher = HalvingGridSearchCV(
                    base, grid, resource="epochs", min_resources=1, max_resources=epochs,
                    factor=2, cv=cv, refit=False, verbose=1, random_state=random_state,
                )
            searcher.fit(X, y)
            table = search_results_table(searcher)
            best = {"params": searcher.best_params_,
                    "validation_accuracy": float(searcher.best_score_)}
            if len(grid) == 2 and search == "grid":
                from .._plotting import SearchHeatmapDisplay

                x_param, y_param = sorted(grid)
                figure = SearchHeatmapDisplay.from_search(
                    searcher, x_param=x_param, y_param=y_param
                ).figure_
        best.update(
            model=model, search=search, wall_time_s=round(time.perf_counter() - start, 1),
            n_train=int(len(y)), epochs=epochs, random_state=random_state,
            data_source=data_source,
        )
        _write_csv(table, staging / "search_results.csv", index=False)
        write_text(staging / "best.json", json.dumps(best, indent=2, default=str))
        if figure is not None:
            _save_figure(figure, staging / "search_heatmap.png")
        parts = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>Tuning the {family.label}</title><style>{_CSS}</style></head><body>",
            f"<h1>{html.escape(search)} search of the {family.label}</h1>",
            f"<p class='note'>{len(y):,} training images, validation hold-out "
            f"{validation_fraction:.0%}, {epochs} epoch(s) per candidate, "
            f"{best['wall_time_s']:.0f} s in all. The test set was not used.</p>",
            f"<p class='note'>Data: {html.escape(data_source['description'])}.</p>",
            f"<p>Best validation accuracy <strong>{best['validation_accuracy']:.4f}</strong> "
            f"with <code>{html.escape(str(best['params']))}</code>.</p>",
            _table(table, index=False),
        ]
        if figure is not None:
            parts.append(_image_tag(staging / "search_heatmap.png", "Search heatmap"))
        parts.append("</body></html>")
        write_text(staging / "report.html", "\n".join(parts))
    except BaseException as error:
        reason = "was interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        kept = _what_was_kept(staging, output)
        if storage is not None and search == "optuna" and not isinstance(
                error, (StudyConflictError, ConnectionError, ImportError)):
            kept += (f" Finished trials stay in Optuna study {study_name!r} "
                     f"({_where(storage)}); rerun with --resume to continue it.")
        log(f"\nThe search {reason}. No report was written. {kept}")
        raise
    _publish(staging, output)
    log(table.head(10).to_string())
    log(f"\nBest: {best['params']} (validation accuracy {best['validation_accuracy']:.4f})")
    log(f"Report: {output / 'report.html'}")
    return best
