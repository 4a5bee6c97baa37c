"""Tidy tables from scikit-learn's search and cross-validation results."""

import numpy as np
import pandas as pd


def search_results_table(search, *, score="test_score"):
    """One row per candidate of a fitted search, best first.

    Works with ``GridSearchCV``, ``RandomizedSearchCV``, the successive-halving
    searches (one row per candidate and iteration, with its resource) and
    ``OptunaSearchCV``.

    Parameters
    ----------
    search : fitted search or dict
        A search with ``cv_results_``, or the ``cv_results_`` dict itself.
    score : str, default="test_score"
        Which score to report: ``mean_<score>`` and ``std_<score>`` become
        the ``mean_score`` and ``std_score`` columns.

    Returns
    -------
    table : pandas.DataFrame
        Parameter columns (without the ``param_`` prefix), ``mean_score``,
        ``std_score``, ``mean_fit_time``, ``rank`` and, for halving searches,
        ``iter`` and ``n_resources``.

    Examples
    --------
    >>> from fmnist_estimators.model_selection import search_results_table
    >>> search_results_table(grid_search)  # doctest: +SKIP
    """
    results = pd.DataFrame(getattr(search, "cv_results_", search))
    params = [c for c in results.columns if c.startswith("param_")]
    columns = {c: c.removeprefix("param_") for c in params}
    table = results[params].rename(columns=columns)
    for column in table:
        # Unwrap masked-array cells and keep ints as ints.
        table[column] = table[column].map(lambda v: v.item() if isinstance(v, np.generic) else v)
    table["mean_score"] = results[f"mean_{score}"]
    table["std_score"] = results[f"std_{score}"]
    table["mean_fit_time"] = results["mean_fit_time"]
    rank_column = f"rank_{score}"
    table["rank"] = results[rank_column] if rank_column in results else np.nan
    for extra in ("iter", "n_resources"):
        if extra in results:
            table[extra] = results[extra]
    order = ["iter", "mean_score"] if "iter" in table else ["mean_score"]
    return table.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)


def cross_validation_report(results):
    """Summarise ``cross_validate`` outputs of several models side by side.

    Parameters
    ----------
    results : dict of str to dict
        Model name to the dict returned by
        :func:`sklearn.model_selection.cross_validate`.

    Returns
    -------
    report : pandas.DataFrame
        One row per model; for each metric (``test_*``, ``train_*``,
        ``fit_time``, ``score_time``) a ``"mean ± std"`` string column, plus
        numeric ``<metric> mean`` and ``<metric> std`` columns for sorting and
        plotting. Negated scorers (``neg_log_loss``) are reported as is.

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> from fmnist_estimators.model_selection import cross_validation_report
    >>> report = cross_validation_report({  # doctest: +SKIP
    ...     "ANN": cross_validate(ann, X, y, cv=3),
    ...     "CNN": cross_validate(cnn, X, y, cv=3),
    ... })
    """
    if not results:
        raise ValueError("results is empty: pass {model name: cross_validate output}.")
    rows = {}
    for name, scores in results.items():
        row = {}
        for metric, values in scores.items():
            if metric in ("estimator", "indices"):
                continue
            values = np.asarray(values, dtype=float)
            label = metric.removeprefix("test_") if metric.startswith("test_") else metric
            row[f"{label} mean"] = values.mean()
            row[f"{label} std"] = values.std()
            row[label] = f"{values.mean():.4f} ± {values.std():.4f}"
        rows[name] = row
    report = pd.DataFrame.from_dict(rows, orient="index")
    report.index.name = "model"
    summary = [c for c in report.columns if not c.endswith((" mean", " std"))]
    numeric = [c for c in report.columns if c.endswith((" mean", " std"))]
    return report[summary + numeric]
