"""Verdicts over several training seeds: a difference counts only if every seed shows it."""

import dataclasses

import numpy as np
import pandas as pd

from ._comparison import ModelComparison, _level, format_p_value

RULE = (
    "The paired tests are computed for each seed's pair of models; a difference is "
    "called significant only when it is significant at every seed (Holm-adjusted "
    "McNemar p below {alpha}), in the same direction; otherwise there is no "
    "significant difference."
)


@dataclasses.dataclass(frozen=True)
class CombinedComparison:
    """Comparisons of the same models at several training seeds, and their verdicts.

    Returned by :func:`combine_comparisons`; not meant to be built by hand.

    Attributes
    ----------
    comparisons : list of ModelComparison
        One comparison per seed, in the order given.
    random_states : list
        The seed of each comparison.
    scores : pandas.DataFrame
        One row per model (index ``model``): ``<metric>_mean`` and
        ``<metric>_std`` over the seeds for every score of the comparisons
        (``accuracy``, ``macro_f1`` and, with probabilities, ``log_loss``,
        ``brier``, ``ece``). The standard deviation is the sample one
        (``ddof=1``), NaN for a single seed.
    pairs : pandas.DataFrame
        One row per pair of models, as in the comparisons: ``model_a``,
        ``model_b``, ``difference_mean`` (A - B, mean over seeds),
        ``n_seeds``, ``a_significant`` and ``b_significant`` (the number of
        seeds at which A, or B, is significantly more accurate), ``significant``
        (significant at every seed in the same direction), ``winner`` (None
        unless significant) and the ``verdict`` sentence.
    verdicts : list of str
        One sentence per pair, then one on the most accurate model.
    best : str or None
        The model significantly more accurate than every other one at every
        seed; None when there is no such model.
    tied : list of str
        The model of highest mean accuracy and every model not significantly
        less accurate than it at every seed.
    alpha : float
        Level of each seed's tests, after Holm's correction.
    confidence_level : float
        Coverage of each seed's intervals.
    n_samples : int
        Number of test images.
    """

    comparisons: list
    random_states: list
    scores: pd.DataFrame
    pairs: pd.DataFrame
    verdicts: list
    best: object
    tied: list
    alpha: float
    confidence_level: float
    n_samples: int

    @property
    def n_seeds(self):
        """Number of seeds."""
        return len(self.comparisons)

    @property
    def rule(self):
        """The rule that turns the seeds' tests into verdicts, as a sentence."""
        return RULE.format(alpha=f"{self.alpha:g}")

    def pair(self, model_a, model_b):
        """The combined verdict of ``model_a`` against ``model_b``, oriented as asked.

        Parameters
        ----------
        model_a, model_b : str
            Names of two compared models, in either order.

        Returns
        -------
        row : dict
            A row of :attr:`pairs`, flipped when the pair was stored as
            ``(model_b, model_a)``, with ``per_seed``: each seed's
            :meth:`ModelComparison.pair` row, oriented the same way.
        """
        for row in self.pairs.to_dict(orient="records"):
            if {row["model_a"], row["model_b"]} != {model_a, model_b}:
                continue
            if row["model_a"] != model_a:
                row = {**row, "model_a": model_a, "model_b": model_b,
                       "difference_mean": -row["difference_mean"],
                       "a_significant": row["b_significant"],
                       "b_significant": row["a_significant"]}
            row["per_seed"] = [c.pair(model_a, model_b) for c in self.comparisons]
            return row
        raise KeyError(
            f"No comparison of {model_a!r} with {model_b!r}; models: {list(self.scores.index)}."
        )

    def to_dict(self):
        """Everything as JSON-ready Python types, each seed's figures included.

        Returns
        -------
        results : dict
            ``alpha``, ``confidence_level``, ``n_samples``, ``n_seeds``,
            ``random_states``, ``test``, ``rule``; ``scores`` (model name to
            ``<metric>_mean``, ``<metric>_std`` (None for one seed) and
            ``per_seed``, each seed's figures with their intervals as
            ``<metric>_ci``); ``pairs`` (the combined verdict of each pair with
            ``per_seed``, each seed's difference, interval, discordant counts
            and p-values); ``verdicts``, ``best`` and ``tied``.
        """
        per_seed = [c.to_dict() for c in self.comparisons]
        scores = {}
        for model, row in self.scores.iterrows():
            entry = {name: (None if np.isnan(value) else float(value))
                     for name, value in row.items()}
            entry["per_seed"] = [{"random_state": _plain(seed), **d["scores"][model]}
                                 for seed, d in zip(self.random_states, per_seed)]
            scores[model] = entry
        pairs = []
        for index, row in enumerate(self.pairs.to_dict(orient="records")):
            pairs.append({
                "model_a": row["model_a"], "model_b": row["model_b"],
                "n_seeds": int(row["n_seeds"]),
                "accuracy_difference_mean": float(row["difference_mean"]),
                "seeds_a_significant": int(row["a_significant"]),
                "seeds_b_significant": int(row["b_significant"]),
                "significant": bool(row["significant"]), "winner": row["winner"],
                "verdict": row["verdict"],
                "per_seed": [{"random_state": _plain(seed), **d["pairs"][index]}
                             for seed, d in zip(self.random_states, per_seed)],
            })
        return {
            "alpha": self.alpha, "confidence_level": self.confidence_level,
            "n_samples": self.n_samples, "n_seeds": self.n_seeds,
            "random_states": [_plain(seed) for seed in self.random_states],
            "test": per_seed[0]["test"], "rule": self.rule,
            "scores": scores, "pairs": pairs, "verdicts": list(self.verdicts),
            "best": self.best, "tied": list(self.tied),
        }

    def __str__(self):
        return "\n".join(self.verdicts)


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


def _listed(items):
    return ", ".join(str(item) for item in items)


def _combined_verdict(row, per_seed, random_states, n_pairs, alpha):
    """The sentence on one pair over the seeds; ``per_seed`` rows are oriented A, B."""
    a, b = row["model_a"], row["model_b"]
    holm = n_pairs > 1
    seeds = f"the {len(per_seed)} seeds (random_state {_listed(random_states)})"
    if row["winner"] == b:
        a, b = b, a
        per_seed = [{**r, "difference": -r["difference"]} for r in per_seed]
    differences = _listed(f"{r['difference']:+.4f}" for r in per_seed)
    p_values = _listed(format_p_value(r["p_value_holm" if holm else "p_value"])
                       for r in per_seed)
    figures = (f"{a} - {b} = {differences}; "
               f"{'Holm-adjusted' if holm else 'McNemar'} p = {p_values}")
    if row["winner"] is not None:
        return f"{a} more accurate than {b} at every one of {seeds}: {figures}"
    n_a, n_b, n = row["a_significant"], row["b_significant"], len(per_seed)
    if n_a and n_b:
        how = f"significant at {n_a + n_b} of {n} seeds, in opposite directions"
    elif n_a or n_b:
        ahead = a if n_a else b
        how = f"significant at {n_a or n_b} of {n} seeds ({ahead} ahead), not at every seed"
    else:
        how = f"significant at none of the {n} seeds"
    return (f"No significant difference between {a} and {b} at the {_level(alpha)} level "
            f"over {seeds}: {how}. {figures}")


def _combined_ranking(names, mean_accuracy, pairs, n_seeds, alpha):
    top = names[int(np.argmax([mean_accuracy[name] for name in names]))]
    tied = [top]
    for row in pairs.to_dict(orient="records"):
        if top in (row["model_a"], row["model_b"]) and not row["significant"]:
            tied.append(row["model_b"] if row["model_a"] == top else row["model_a"])
    tied = [name for name in names if name in tied]
    best = top if len(tied) == 1 else None
    level = (f"At the {_level(alpha)} level at every one of the {n_seeds} seeds "
             "(McNemar's exact test")
    level += ", Holm-adjusted over all pairs at each seed)" if len(pairs) > 1 else ")"
    if best is not None:
        sentence = (f"{level}, {best} is the most accurate model: it is significantly "
                    "more accurate than every other model at every seed.")
    else:
        listed = ", ".join(tied[:-1]) + f" and {tied[-1]}"
        sentence = (f"{level}, no model is significantly more accurate than all the "
                    f"others at every seed: {listed} are tied for the highest mean "
                    "accuracy.")
    return best, tied, sentence


def combine_comparisons(comparisons, *, random_states=None):
    """Combine the comparisons of the same models trained with several seeds.

    Each seed gives its own :func:`compare_models` on the same test images:
    McNemar's exact test, the paired difference and Holm's correction over
    that seed's pairs. A difference is called significant only when it is
    significant at every seed, in the same direction; otherwise the verdict
    is "no significant difference", with each seed's differences and
    p-values. Requiring every seed to reject at ``alpha`` is an
    intersection-union test: the chance of a false "more accurate" stays
    below ``alpha`` without a further correction, at the price of power. A
    best model is named only when it is significantly more accurate than
    every other model at every seed.

    Parameters
    ----------
    comparisons : list of ModelComparison
        One :func:`compare_models` result per seed: the same models, in the
        same order, on the same test images, at the same ``alpha``.
    random_states : list, default=None
        The seed of each comparison, used in the sentences; by default
        ``0, 1, ...``.

    Returns
    -------
    combined : CombinedComparison
        Mean and standard deviation of every score over the seeds, the
        combined verdict of every pair, ``best`` and ``tied``. With one
        comparison its verdicts are that comparison's.

    See Also
    --------
    compare_models

    Notes
    -----
    Each seed's test still holds its two trained networks fixed; the seeds
    add the variation from one training run to the next, which a single
    test on the test images does not see (Dietterich, 1998).

    Examples
    --------
    >>> import numpy as np
    >>> from fmnist_estimators.metrics import combine_comparisons, compare_models
    >>> rng = np.random.default_rng(0)
    >>> y_true = rng.integers(0, 10, size=2000)
    >>> def noisy(accuracy):
    ...     wrong = rng.random(2000) > accuracy
    ...     return np.where(wrong, (y_true + 1) % 10, y_true)
    >>> seeds = [compare_models(y_true, {"A": noisy(0.9), "B": noisy(0.8)})
    ...          for seed in range(3)]
    >>> combined = combine_comparisons(seeds)
    >>> combined.best
    'A'
    >>> print(combined.verdicts[0])  # doctest: +ELLIPSIS
    A more accurate than B at every one of the 3 seeds (random_state 0, 1, 2): ...
    """
    comparisons = list(comparisons)
    if not comparisons or not all(isinstance(c, ModelComparison) for c in comparisons):
        raise TypeError(
            "comparisons must be a non-empty list of compare_models results, one per seed."
        )
    first = comparisons[0]
    names = list(first.scores.index)
    for index, comparison in enumerate(comparisons[1:], start=1):
        if list(comparison.scores.index) != names:
            raise ValueError(
                f"Every comparison must have the same models in the same order: "
                f"comparison 0 has {names}, comparison {index} has "
                f"{list(comparison.scores.index)}."
            )
        if (comparison.n_samples, comparison.alpha) != (first.n_samples, first.alpha):
            raise ValueError(
                f"Every comparison must be on the same test images at the same alpha: "
                f"comparison 0 has {first.n_samples} images at alpha={first.alpha}, "
                f"comparison {index} {comparison.n_samples} at alpha={comparison.alpha}."
            )
    random_states = (list(range(len(comparisons))) if random_states is None
                     else list(random_states))
    if len(random_states) != len(comparisons):
        raise ValueError(
            f"random_states must give one seed per comparison: {len(comparisons)} "
            f"comparisons, {len(random_states)} seeds."
        )

    metrics = [c for c in first.scores.columns if not c.endswith(("_low", "_high"))]
    stacked = np.stack([c.scores.loc[names, metrics].to_numpy(float) for c in comparisons])
    std = (stacked.std(axis=0, ddof=1) if len(comparisons) > 1
           else np.full(stacked.shape[1:], np.nan))
    scores = pd.DataFrame(
        {**{f"{m}_mean": stacked.mean(axis=0)[:, j] for j, m in enumerate(metrics)},
         **{f"{m}_std": std[:, j] for j, m in enumerate(metrics)}},
        index=pd.Index(names, name="model"),
    )

    records, n_pairs = [], len(first.pairs)
    for row in first.pairs.to_dict(orient="records"):
        a, b = row["model_a"], row["model_b"]
        per_seed = [c.pair(a, b) for c in comparisons]
        winners = [r["winner"] for r in per_seed]
        record = {
            "model_a": a, "model_b": b,
            "difference_mean": float(np.mean([r["difference"] for r in per_seed])),
            "n_seeds": len(per_seed),
            "a_significant": winners.count(a), "b_significant": winners.count(b),
        }
        winner = winners[0] if winners[0] is not None and len(set(winners)) == 1 else None
        record.update(significant=winner is not None, winner=winner)
        if len(comparisons) == 1:
            record["verdict"] = row["verdict"]
        else:
            record["verdict"] = _combined_verdict(record, per_seed, random_states, n_pairs,
                                                  first.alpha)
        records.append(record)
    columns = ["model_a", "model_b", "difference_mean", "n_seeds", "a_significant",
               "b_significant", "significant", "winner", "verdict"]
    pairs = pd.DataFrame.from_records(records, columns=columns)
    pairs["winner"] = pairs["winner"].astype(object).where(pairs["winner"].notna(), None)

    if len(comparisons) == 1:
        verdicts, best, tied = list(first.verdicts), first.best, list(first.tied)
    elif len(names) > 1:
        mean_accuracy = dict(zip(names, scores["accuracy_mean"]))
        best, tied, sentence = _combined_ranking(names, mean_accuracy, pairs,
                                                 len(comparisons), first.alpha)
        verdicts = list(pairs["verdict"]) + [sentence]
    else:
        verdicts, best, tied = [], None, list(names)
    return CombinedComparison(comparisons, random_states, scores, pairs, verdicts, best,
                              tied, first.alpha, first.confidence_level, first.n_samples)
