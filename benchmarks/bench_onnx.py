"""Prediction time: Keras (``predict_proba``) vs ONNX Runtime on the exported graph.

For each recipe the script fits the estimator once (or loads it from
``--cache``), exports it with :func:`fmnist_estimators.export_onnx`, and
times, in this one process and on the same images:

- the 10,000 test images at once (median of ``--repeats`` runs after a
  warm-up): Keras through ``predict_proba``, ONNX Runtime in one call and in
  chunks of ``--chunk`` images;
- one image at a time (batch size 1), the median and 90th percentile over
  ``--single-images`` test images;

for ONNX Runtime under each combination of ``intra_op_num_threads`` (0 is
ONNX Runtime's default: one thread per physical core) and graph optimisation
level, since with its defaults ONNX Runtime was slower than Keras on the whole
test set in a first check. Each ONNX Runtime row also records its largest
difference from ``predict_proba`` over the 10,000 images.

Only float32 networks export: a recipe whose ``dtype_policy`` resolves to
mixed bfloat16 here (``seed-cnn`` on CPUs with bfloat16 instructions) is
fitted with ``dtype_policy="float32"``, and the report says so.

Usage::

    python benchmarks/bench_onnx.py                                  # full fits, then timings
    python benchmarks/bench_onnx.py --n-train 500 --epochs 1 --repeats 1 --single-images 20 \\
        --output /tmp/onnx-check                                      # does it run?

Writes ``benchmarks/results/onnx.json`` and the table in
``benchmarks/results/onnx.md``.
"""

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from _machine import cpu_model, has_bfloat16_instructions

HERE = Path(__file__).resolve().parent
RECIPES = ["seed-cnn", "best-cnn"]
OPTIMIZATION_LEVELS = ["basic", "extended", "all"]


def fitted_estimator(recipe, args):
    """The recipe fitted on the first ``--n-train`` training images, in float32."""
    import joblib

    from fmnist_estimators import make_recipe
    from fmnist_estimators._backend import resolve_dtype_policy
    from fmnist_estimators.datasets import fetch_fashion_mnist

    estimator = make_recipe(recipe, random_state=0)
    recipe_precision = resolve_dtype_policy(estimator.dtype_policy)
    overrides = {"dtype_policy": "float32"} if recipe_precision != "float32" else {}
    if args.epochs is not None:
        overrides["epochs"] = args.epochs
    estimator.set_params(**overrides)
    cache = None
    if args.cache is not None:
        settings = f"{recipe}-n{args.n_train}-e{estimator.epochs}-{estimator.dtype_policy}"
        cache = args.cache / f"{settings}.joblib"
        if cache.exists():
            print(f"{recipe}: loaded from {cache}", flush=True)
            return joblib.load(cache), recipe_precision, None
    train = fetch_fashion_mnist(subset="train")
    start = time.perf_counter()
    estimator.fit(train.images[:args.n_train], train.target[:args.n_train])
    fit_s = time.perf_counter() - start
    if cache is not None:
        args.cache.mkdir(parents=True, exist_ok=True)
        joblib.dump(estimator, cache)
    return estimator, recipe_precision, fit_s


def median_time(func, repeats):
    """Median seconds of ``repeats`` calls, after one untimed warm-up call."""
    func()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def per_image_times(predict_one, images):
    """Median and 90th percentile (ms) of predicting each image alone."""
    predict_one(images[:1])
    times = []
    for i in range(len(images)):
        start = time.perf_counter()
        predict_one(images[i:i + 1])
        times.append(time.perf_counter() - start)
    times.sort()
    return (round(1000 * statistics.median(times), 4),
            round(1000 * times[int(0.9 * (len(times) - 1))], 4))


def onnx_session(path, threads, level):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = {
        "basic": ort.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }[level]
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def bench_recipe(recipe, args, X_test):
    import numpy as np

    from fmnist_estimators import export_onnx

    estimator, recipe_precision, fit_s = fitted_estimator(recipe, args)
    single = X_test[:args.single_images]
    expected = estimator.predict_proba(X_test)
    rows = [{
        "engine": "keras",
        "config": "predict_proba",
        "test_set_s": round(median_time(lambda: estimator.predict_proba(X_test),
                                        args.repeats), 4),
        "per_image_ms": per_image_times(estimator.predict_proba, single),
        "max_abs_diff": 0.0,
    }]
    print("   ", rows[-1], flush=True)
    rows_flat = X_test.reshape(len(X_test), -1).astype(np.float32)
    single_flat = rows_flat[:args.single_images]
    with tempfile.TemporaryDirectory() as folder:
        path = export_onnx(estimator, Path(folder) / f"{recipe}.onnx")
        size = path.stat().st_size
        for threads in args.threads:
            for level in args.optimization_levels:
                session = onnx_session(path, threads, level)

                def run(batch, session=session):
                    return session.run(None, {"pixels": batch})[0]

                def chunked(session=session):
                    return np.concatenate([
                        session.run(None, {"pixels": rows_flat[i:i + args.chunk]})[0]
                        for i in range(0, len(rows_flat), args.chunk)
                    ])

                proba = run(rows_flat)
                rows.append({
                    "engine": "onnxruntime",
                    "config": f"intra_op_num_threads={threads}, optimization={level}",
                    "test_set_s": round(median_time(lambda: run(rows_flat), args.repeats), 4),
                    f"test_set_chunks_of_{args.chunk}_s": round(
                        median_time(chunked, args.repeats), 4),
                    "per_image_ms": per_image_times(run, single_flat),
                    "max_abs_diff": float(np.abs(proba - expected).max()),
                })
                print("   ", rows[-1], flush=True)
    return {
        "recipe": recipe,
        "recipe_precision": recipe_precision,
        "exported_precision": estimator.dtype_policy_,
        "test_time_augmentation": bool(estimator.test_time_augmentation),
        "n_train": args.n_train,
        "epochs": estimator.epochs,
        "fit_s": None if fit_s is None else round(fit_s, 1),
        "test_accuracy": float((estimator.classes_[expected.argmax(axis=1)]
                                == args.y_test).mean()),
        "onnx_bytes": size,
        "rows": rows,
    }


def write_markdown(report, path):
    lines = [
        f"Machine: {report['machine']}; Keras {report['keras']} ({report['backend']}), "
        f"ONNX Runtime {report['onnxruntime']}, tf2onnx {report['tf2onnx']}. "
        f"Test set: {report['n_test']} images, median of {report['repeats']} runs; "
        f"per image: batch size 1, median (90th percentile) over "
        f"{report['single_images']} images.",
    ]
    for result in report["results"]:
        precision = result["exported_precision"]
        note = ("" if result["recipe_precision"] == precision else
                f" The recipe computes in {result['recipe_precision']} here, which "
                f"does not export: timed is the recipe refitted in {precision}.")
        lines += [
            "",
            f"### {result['recipe']}",
            "",
            f"{precision}, test-time augmentation "
            f"{'on' if result['test_time_augmentation'] else 'off'}, "
            f"{result['n_train']} training images, {result['epochs']} epoch(s), "
            f"test accuracy {result['test_accuracy']:.4f}, "
            f"{result['onnx_bytes']:,}-byte .onnx file.{note}",
            "",
            f"| engine | settings | test set (s) | test set in chunks of {report['chunk']} (s) "
            "| images/s | one image (ms), median (p90) | max abs diff vs predict_proba |",
            "|---|---|---|---|---|---|---|",
        ]
        for row in result["rows"]:
            chunks = row.get(f"test_set_chunks_of_{report['chunk']}_s", "-")
            median, p90 = row["per_image_ms"]
            lines.append(
                f"| {row['engine']} | {row['config']} | {row['test_set_s']} | {chunks} "
                f"| {report['n_test'] / row['test_set_s']:,.0f} | {median} ({p90}) "
                f"| {row['max_abs_diff']:.1e} |"
            )
    path.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipes", nargs="+", default=RECIPES)
    parser.add_argument("--n-train", type=int, default=60000,
                        help="training images (default: all 60,000)")
    parser.add_argument("--epochs", type=int, default=None,
                        help="override the recipes' epochs (default: the recipe's)")
    parser.add_argument("--n-test", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=5,
                        help="timed runs on the test set, median reported (default 5)")
    parser.add_argument("--single-images", type=int, default=1000,
                        help="images predicted one at a time (default 1000)")
    parser.add_argument("--chunk", type=int, default=2048,
                        help="chunk size of the chunked ONNX Runtime run (default 2048, "
                             "predict_proba's)")
    parser.add_argument("--threads", type=int, nargs="+",
                        default=sorted({0, 1, os.cpu_count() or 1}),
                        help="intra_op_num_threads values (0: ONNX Runtime's default)")
    parser.add_argument("--optimization-levels", nargs="+", choices=OPTIMIZATION_LEVELS,
                        default=OPTIMIZATION_LEVELS)
    parser.add_argument("--cache", type=Path, default=None,
                        help="folder where fitted estimators are kept between runs")
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args()
    if min(args.repeats, args.single_images, args.n_test, args.chunk) < 1:
        parser.error("--repeats, --single-images, --n-test and --chunk must be positive")

    import keras
    import onnxruntime
    import tf2onnx

    from fmnist_estimators.datasets import fetch_fashion_mnist

    test = fetch_fashion_mnist(subset="test")
    X_test, args.y_test = test.images[:args.n_test], test.target[:args.n_test]
    results = []
    for recipe in args.recipes:
        print(f"{recipe} ...", flush=True)
        results.append(bench_recipe(recipe, args, X_test))
    report = {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, {platform.platform()}",
        "bfloat16_instructions": has_bfloat16_instructions(),
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "onnxruntime": onnxruntime.__version__,
        "tf2onnx": tf2onnx.__version__,
        "n_test": len(X_test),
        "repeats": args.repeats,
        "single_images": args.single_images,
        "chunk": args.chunk,
        "results": results,
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "onnx.json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, args.output / "onnx.md")
    print((args.output / "onnx.md").read_text())


if __name__ == "__main__":
    main()
