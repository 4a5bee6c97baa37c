"""Search cost: the seed's full grid vs successive halving, and n_jobs=1 vs 2.

All searches tune the seed CNN's learning rate x batch size on the same
validation hold-out of a stratified training subset, in one run, so their wall
times compare. Writes ``benchmarks/results/search.json`` and ``search.md``.

Usage::

    python benchmarks/bench_search.py --n-train 20000 --epochs 3
"""

import argparse
import json
import os
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GRID = {"learning_rate": [1e-3, 5e-4], "batch_size": [64, 128]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.model_selection import (
        GridSearchCV,
        HalvingGridSearchCV,
        HalvingRandomSearchCV,
        train_test_split,
    )

    from fmnist_estimators import make_recipe
    from fmnist_estimators.datasets import fetch_fashion_mnist
    from fmnist_estimators.model_selection import holdout_split, worker_thread_limits

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X, _, y, _ = train_test_split(X, y, train_size=args.n_train, stratify=y, random_state=0)
    cv = [holdout_split(y, validation_fraction=0.1, random_state=0)]
    base = make_recipe("seed-cnn", epochs=args.epochs, validation_fraction=0.0, random_state=0)

    searches = {
        "GridSearchCV (full grid), n_jobs=1": lambda: GridSearchCV(
            base, GRID, cv=cv, refit=False),
        "HalvingGridSearchCV, resource=epochs": lambda: HalvingGridSearchCV(
            base, GRID, cv=cv, refit=False, resource="epochs", min_resources=1,
            max_resources=args.epochs, factor=2, random_state=0),
        "HalvingRandomSearchCV, resource=n_samples": lambda: HalvingRandomSearchCV(
            base, GRID, n_candidates=4, cv=cv, refit=False, resource="n_samples",
            min_resources=len(y) // 4, factor=2, random_state=0),
        "GridSearchCV (full grid), n_jobs=2, thread limits": lambda: GridSearchCV(
            base, GRID, cv=cv, refit=False, n_jobs=2),
        "GridSearchCV (full grid), n_jobs=2, no limits": lambda: GridSearchCV(
            base, GRID, cv=cv, refit=False, n_jobs=2),
    }
    rows = []
    for name, make in searches.items():
        search = make()
        start = time.perf_counter()
        if "thread limits" in name:
            with worker_thread_limits(n_jobs=2):
                search.fit(X, y)
        else:
            search.fit(X, y)
        wall = time.perf_counter() - start
        best = {k: v for k, v in search.best_params_.items() if k in GRID}
        rows.append({"search": name, "wall_s": round(wall, 1), "best": best,
                     "best_validation_accuracy": round(float(search.best_score_), 4),
                     "fits": len(search.cv_results_["params"])})
        print(json.dumps(rows[-1]), flush=True)

    base_time = rows[0]["wall_s"]
    lines = [
        f"{len(y):,} training images ({len(cv[0][1]):,} held out), seed CNN, "
        f"{args.epochs} epochs per full candidate, {os.cpu_count()} cores.",
        "",
        "| search | wall time (s) | vs full grid | fits | best (on validation) | validation accuracy |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['search']} | {row['wall_s']} | {base_time / row['wall_s']:.2f}x "
            f"| {row['fits']} | {row['best']} | {row['best_validation_accuracy']:.4f} |"
        )
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "search.json").write_text(json.dumps(rows, indent=2) + "\n")
    (args.output / "search.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
