"""Training and prediction speed: the seed's raw Keras code vs our estimators vs peers.

Every contender runs in a fresh subprocess (so import time and peak memory are
its own) on the same data: 54,000 training images, 6,000 held out for
validation each epoch, the 10,000 test images for prediction and accuracy.
Ratios against the seed's raw Keras code measured in the same run are the
headline; absolute times depend on the machine. On a shared machine single
timings vary by 10-20%, so each contender runs ``--repeats`` times, in
interleaved rounds, and the medians are compared.

Usage::

    python benchmarks/bench_speed.py                 # 12 epochs, 3 rounds, every contender
    python benchmarks/bench_speed.py --epochs 2 --repeats 1 --contenders seed-cnn ours-cnn

The PyTorch peers (``torch-*``: a hand-written loop; ``skorch-*``: skorch's
``NeuralNetClassifier``) run where torch and skorch are installed, and are
left out by default elsewhere; see ``_torch_peers.py``.

``ours-cnn`` is ``make_recipe("seed-cnn")`` as a user gets it: in mixed
bfloat16 on a CPU with bfloat16 instructions (its ``dtype_policy="auto"``),
in float32 elsewhere. ``ours-cnn-float32`` pins float32: it is the one to
compare with ``keras-tuned-cnn`` for the wrapper's overhead, and is left out
by default where ``ours-cnn`` computes in float32 already.

Writes ``benchmarks/results/speed.json`` and the table in
``benchmarks/results/speed.md``.
"""

import argparse
import importlib.util
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _machine import cpu_model, has_bfloat16_instructions
from _torch_peers import run_skorch, run_torch_loop

HERE = Path(__file__).resolve().parent
CONTENDERS = [
    "seed-ann", "ours-ann", "sklearn-mlp", "torch-ann", "skorch-ann",
    "seed-cnn", "keras-tuned-cnn", "ours-cnn", "ours-cnn-float32", "ours-fast-cnn",
    "torch-cnn", "skorch-cnn",
]
# The PyTorch peers: how each trains, and the packages it needs.
TORCH_PEERS = {"torch": (run_torch_loop, ("torch",)),
               "skorch": (run_skorch, ("torch", "skorch"))}
# Contenders that change one setting of a recipe.
VARIANTS = {"ours-cnn-float32": ("seed-cnn", {"dtype_policy": "float32"})}
# Forward-pass multiply-adds x 2 of the seed CNN on a 28x28 image; a training
# step costs about three forward passes (forward, and two for the backward).
CNN_FORWARD_FLOPS = 2 * (26 * 26 * 32 * 9 + 11 * 11 * 64 * 9 * 32 + 1600 * 64 + 64 * 10)


def load_split():
    """The seed's split: first 10% of the training set for validation."""
    from fmnist_estimators.datasets import fetch_fashion_mnist

    train = fetch_fashion_mnist(subset="train")
    test = fetch_fashion_mnist(subset="test")
    n_val = len(train.target) // 10
    return (
        train.images[n_val:], train.target[n_val:],
        train.images[:n_val], train.target[:n_val],
        test.images, test.target,
    )


def _best_of(n, func):
    times = []
    for _ in range(n):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def seed_network(kind):
    """The notebook's ``"ann"`` or ``"cnn"``, verbatim (28x28 or 28x28x1 input)."""
    import keras
    from keras import layers

    if kind == "ann":
        return keras.Sequential([
            keras.Input((28, 28)), layers.Flatten(),
            layers.Dense(128, activation="relu"), layers.Dense(64, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(32, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Conv2D(64, (3, 3), activation="relu"), layers.MaxPooling2D((2, 2)),
        layers.Flatten(), layers.Dense(64, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ])


def run_seed_keras(kind, epochs, data, tuned=False):
    """The notebook's code, verbatim apart from verbose=0.

    ``tuned=True`` keeps the network and settings but trains and predicts the
    way our estimators do (their input pipeline, 32 steps per execution,
    2,048-image prediction batches): our estimator's time over this one is
    the cost of the wrapper alone.
    """
    start = time.perf_counter()
    import keras
    import numpy as np

    import_time = time.perf_counter() - start
    X_train, y_train, X_val, y_val, X_test, y_test = data
    X_train = X_train.astype("float32") / 255.0
    X_val = X_val.astype("float32") / 255.0
    X_test = X_test.astype("float32") / 255.0
    if kind == "cnn":
        X_train, X_val, X_test = (x[..., None] for x in (X_train, X_val, X_test))
    model = seed_network(kind)
    if tuned:
        from fmnist_estimators._backend import fit_inputs, validation_inputs
        from fmnist_estimators._optimization import STEPS_PER_EXECUTION
        from fmnist_estimators._training import PREDICT_BATCH_SIZE as _PREDICT_BATCH_SIZE

        steps_per_execution = STEPS_PER_EXECUTION
        fit_data = {
            **fit_inputs(X_train, y_train, batch_size=128, seed=0),
            **validation_inputs((X_val, y_val), batch_size=_PREDICT_BATCH_SIZE),
        }

        def predict():
            return np.concatenate([
                keras.ops.convert_to_numpy(
                    model.predict_on_batch(X_test[i:i + _PREDICT_BATCH_SIZE])
                )
                for i in range(0, len(X_test), _PREDICT_BATCH_SIZE)
            ])
    else:
        steps_per_execution = 1  # Keras' default, as in the notebook
        fit_data = {"x": X_train, "y": y_train, "batch_size": 128,
                    "validation_data": (X_val, y_val)}

        def predict():
            return model.predict(X_test, verbose=0)

    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    start = time.perf_counter()
    model.fit(**fit_data, epochs=epochs, verbose=0)
    fit_time = time.perf_counter() - start
    predict_time, proba = _best_of(3, predict)
    accuracy = float((proba.argmax(axis=1) == y_test).mean())
    return import_time, fit_time, predict_time, accuracy


def run_ours(recipe, epochs, data, **overrides):
    """Our estimator from a recipe, fed raw uint8 images.

    ``epochs`` overrides the seed recipes' 12; other recipes keep their own.
    ``overrides`` change other settings of the recipe.
    """
    start = time.perf_counter()
    from fmnist_estimators import make_recipe

    make_recipe("seed-ann")  # imports Keras through the package, as a user would
    import_time = time.perf_counter() - start
    X_train, y_train, X_val, y_val, X_test, y_test = data
    import numpy as np

    X = np.concatenate([X_val, X_train])
    y = np.concatenate([y_val, y_train])
    params = {"epochs": epochs} if recipe.startswith("seed-") else {}
    params.update(overrides)
    estimator = make_recipe(recipe, random_state=0, **params)
    start = time.perf_counter()
    estimator.fit(X, y)
    fit_time = time.perf_counter() - start
    predict_time, proba = _best_of(3, lambda: estimator.predict_proba(X_test))
    accuracy = float((estimator.classes_[proba.argmax(axis=1)] == y_test).mean())
    return import_time, fit_time, predict_time, accuracy


def run_sklearn_mlp(epochs, data):
    """scikit-learn's MLPClassifier of the same shape and settings."""
    import warnings

    start = time.perf_counter()
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    import_time = time.perf_counter() - start
    import numpy as np

    X_train, y_train, X_val, y_val, X_test, y_test = data
    X = np.concatenate([X_val, X_train]).reshape(60000, -1).astype("float32") / 255.0
    y = np.concatenate([y_val, y_train])
    X_test = X_test.reshape(len(X_test), -1).astype("float32") / 255.0
    # early_stopping holds out 10% and scores it every epoch, as Keras does;
    # the patience keeps it from stopping before `epochs`.
    mlp = MLPClassifier(
        hidden_layer_sizes=(128, 64), batch_size=128, learning_rate_init=1e-3,
        max_iter=epochs, early_stopping=True, validation_fraction=0.1,
        n_iter_no_change=epochs + 1, random_state=0,
    )
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        mlp.fit(X, y)
    fit_time = time.perf_counter() - start
    predict_time, proba = _best_of(3, lambda: mlp.predict_proba(X_test))
    accuracy = float((proba.argmax(axis=1) == y_test).mean())
    return import_time, fit_time, predict_time, accuracy


def run_contender(name, epochs):
    data = load_split()
    if name == "sklearn-mlp":
        import_time, fit_time, predict_time, accuracy = run_sklearn_mlp(epochs, data)
    elif name.startswith("seed-"):
        kind = name.removeprefix("seed-")
        import_time, fit_time, predict_time, accuracy = run_seed_keras(kind, epochs, data)
    elif name == "keras-tuned-cnn":
        import_time, fit_time, predict_time, accuracy = run_seed_keras(
            "cnn", epochs, data, tuned=True
        )
    elif name.startswith(tuple(TORCH_PEERS)):
        framework, kind = name.split("-")
        import_time, fit_time, predict = TORCH_PEERS[framework][0](kind, epochs, data)
        predict_time, proba = _best_of(3, predict)
        accuracy = float((proba.argmax(axis=1) == data[5]).mean())
    elif name in VARIANTS:
        recipe, overrides = VARIANTS[name]
        import_time, fit_time, predict_time, accuracy = run_ours(
            recipe, epochs, data, **overrides
        )
    else:
        recipe = name.removeprefix("ours-")
        recipe = f"seed-{recipe}" if recipe in ("ann", "cnn") else recipe
        import_time, fit_time, predict_time, accuracy = run_ours(recipe, epochs, data)
    n_train = len(data[1])
    if name == "ours-fast-cnn":
        from fmnist_estimators import make_recipe

        epochs = make_recipe("fast-cnn").epochs
        n_train = len(data[1]) + len(data[3])  # no hold-out: all 60,000 images
    return {
        "contender": name,
        "epochs": epochs,
        "n_train": n_train,
        "import_s": round(import_time, 3),
        "fit_s": round(fit_time, 2),
        "predict_10k_s": round(predict_time, 4),
        "test_accuracy": round(accuracy, 4),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


# (contender, reference): pairs whose training times are compared round by round.
PAIRED_COMPARISONS = [
    ("ours-ann", "sklearn-mlp"), ("ours-ann", "seed-ann"),
    ("ours-ann", "torch-ann"), ("ours-ann", "skorch-ann"),
    ("ours-cnn", "seed-cnn"), ("ours-cnn", "keras-tuned-cnn"),
    ("ours-cnn-float32", "seed-cnn"), ("ours-cnn-float32", "keras-tuned-cnn"),
    ("ours-cnn", "torch-cnn"), ("ours-cnn", "skorch-cnn"),
    ("ours-cnn-float32", "torch-cnn"), ("ours-cnn-float32", "skorch-cnn"),
]


def paired_ratios(reference, contender):
    """Reference's training time over the contender's, for each round."""
    return [ref / own for ref, own in zip(reference["fit_s_runs"], contender["fit_s_runs"])]


def summarise_runs(runs):
    """One contender's row: median times over its runs, with every run kept."""
    fit_s = statistics.median(run["fit_s"] for run in runs)
    first = runs[0]
    row = {
        "contender": first["contender"],
        "epochs": first["epochs"],
        "runs": len(runs),
        "import_s": round(statistics.median(run["import_s"] for run in runs), 3),
        "fit_s": round(fit_s, 2),
        "epoch_s": round(fit_s / first["epochs"], 2),
        "train_images_per_s": round(first["n_train"] * first["epochs"] / fit_s),
        "predict_10k_s": round(statistics.median(run["predict_10k_s"] for run in runs), 4),
        "test_accuracy": round(statistics.mean(run["test_accuracy"] for run in runs), 4),
        "peak_rss_mib": max(run["peak_rss_mib"] for run in runs),
        "fit_s_runs": [run["fit_s"] for run in runs],
        "predict_10k_s_runs": [run["predict_10k_s"] for run in runs],
        "test_accuracy_runs": [run["test_accuracy"] for run in runs],
    }
    if "cnn" in row["contender"]:
        achieved = 3 * CNN_FORWARD_FLOPS * row["train_images_per_s"]
        row["train_gflops"] = round(achieved / 1e9, 1)
    return row


def matmul_peak_gflops():
    """The machine's float32 matrix-multiply rate with numpy, best of a few runs."""
    import numpy as np

    n = 2048
    a = np.random.default_rng(0).random((n, n), dtype=np.float32)
    a @ a
    best, _ = _best_of(5, lambda: a @ a)
    return 2 * n**3 / best / 1e9


def write_markdown(report, path):
    rows = report["results"]
    base = {r["contender"].split("-")[1]: r for r in rows if r["contender"].startswith("seed-")}
    lines = [
        f"Machine: {report['machine']}; Keras {report['keras']} ({report['backend']}), "
        f"{report['epochs']} epochs; numpy float32 matmul peak "
        f"{report['peak_gflops']:.0f} GFLOPS. Medians of {report.get('repeats', 1)} "
        "interleaved runs per contender. ours-cnn (`make_recipe(\"seed-cnn\")`) "
        f"computes in {report.get('seed_cnn_dtype_policy', 'float32')} here.",
        "",
        "| contender | train img/s | epoch (s) | fit (s), fastest–slowest run | fit vs seed | predict 10k (s) "
        "| predict vs seed | test acc | import (s) | peak RSS (MiB) | % of peak FLOPS |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        name = r["contender"]
        kind = "ann" if name.endswith("-ann") or name == "sklearn-mlp" else "cnn"
        ref = base.get(kind)
        fit_ratio = f"{ref['fit_s'] / r['fit_s']:.2f}x" if ref else "-"
        predict_ratio = f"{ref['predict_10k_s'] / r['predict_10k_s']:.2f}x" if ref else "-"
        flops = (f"{100 * r['train_gflops'] / report['peak_gflops']:.0f}%"
                 if "train_gflops" in r else "-")
        fit_runs = r.get("fit_s_runs", [r["fit_s"]])
        fit_runs = f"{min(fit_runs):.1f}–{max(fit_runs):.1f}"
        lines.append(
            f"| {r['contender']} | {r['train_images_per_s']:,} | {r['epoch_s']} | {fit_runs} "
            f"| {fit_ratio} "
            f"| {r['predict_10k_s']} | {predict_ratio} | {r['test_accuracy']:.4f} "
            f"| {r['import_s']} | {r['peak_rss_mib']:,} | {flops} |"
        )
    by_name = {r["contender"]: r for r in rows}
    # keras-tuned-cnn computes in float32: compare it with our float32 network.
    in_float32 = report.get("seed_cnn_dtype_policy", "float32") == "float32"
    ours = "ours-cnn" if in_float32 else "ours-cnn-float32"
    if {ours, "keras-tuned-cnn"} <= set(by_name):
        overhead = by_name[ours]["fit_s"] / by_name["keras-tuned-cnn"]["fit_s"] - 1
        lines += ["", f"Wrapper overhead ({ours} over keras-tuned-cnn, training): "
                      f"{100 * overhead:+.1f}%."]
    pairs = [pair for pair in PAIRED_COMPARISONS if set(pair) <= set(by_name)]
    if pairs and report.get("repeats", 1) > 1:
        lines += ["", "Training-time ratios round by round, reference's time over the "
                      "contender's (each round runs every contender once, so a slow "
                      "spell of the machine hits both sides):", ""]
        for contender, reference in pairs:
            ratios = paired_ratios(by_name[reference], by_name[contender])
            lines.append(f"- {contender} vs {reference}: "
                         + ", ".join(f"{r:.2f}x" for r in ratios))
    lines += ["", "Ratios: the seed's raw Keras code time divided by the contender's "
              "(higher is faster), same run, same data. keras-tuned-cnn is the seed's "
              "network trained by raw Keras the way our estimators train it. % of peak "
              "FLOPS is against numpy's float32 peak, whatever the contender's precision."]
    path.write_text("\n".join(lines) + "\n")


def seed_cnn_dtype_policy():
    """The precision ``make_recipe("seed-cnn")`` computes in on this machine.

    Asked of a subprocess, so that this process does not start TensorFlow
    before the contenders are timed.
    """
    code = ("from fmnist_estimators import make_recipe; "
            "from fmnist_estimators._backend._precision import resolve_dtype_policy; "
            "print(resolve_dtype_policy(make_recipe('seed-cnn').dtype_policy))")
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"},
    )
    return out.stdout.split()[-1]


def _run_in_subprocess(name, epochs):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    out = subprocess.run(
        [sys.executable, __file__, "--run-one", name, "--epochs", str(epochs)],
        capture_output=True, text=True, env=env, check=False,
    )
    if out.returncode:
        sys.exit(f"{name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each contender, in interleaved rounds (default 3)")
    parser.add_argument("--contenders", nargs="+", choices=CONTENDERS)
    parser.add_argument("--output", type=Path, default=HERE / "results")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_contender(args.run_one, args.epochs)))
        return
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {args.repeats}")
    contenders = args.contenders
    seed_cnn_precision = seed_cnn_dtype_policy()
    if contenders is None:
        contenders = list(CONTENDERS)
        if seed_cnn_precision == "float32":
            print("ours-cnn-float32 left out: ours-cnn computes in float32 here already.")
            contenders.remove("ours-cnn-float32")
    for framework, (_, packages) in TORCH_PEERS.items():
        missing = ", ".join(p for p in packages if importlib.util.find_spec(p) is None)
        asked = [c for c in contenders if c.startswith(f"{framework}-")]
        if missing and asked:
            if args.contenders is not None:
                parser.error(f"not installed: {missing}, needed by {', '.join(asked)}")
            print(f"{', '.join(asked)} left out: {missing} not installed.")
            contenders = [c for c in contenders if c not in asked]
    runs = {name: [] for name in contenders}
    # Rounds rather than back-to-back repeats, so that a slow spell of a shared
    # machine spreads over every contender.
    for round_ in range(1, args.repeats + 1):
        for name in contenders:
            print(f"round {round_}/{args.repeats}: {name} ({args.epochs} epochs) ...",
                  flush=True)
            runs[name].append(_run_in_subprocess(name, args.epochs))
            print("   ", runs[name][-1], flush=True)
    import keras

    report = {
        "machine": f"{cpu_model()}, {os.cpu_count()} cores, {platform.platform()}",
        "bfloat16_instructions": has_bfloat16_instructions(),
        "seed_cnn_dtype_policy": seed_cnn_precision,
        "keras": keras.__version__,
        "backend": keras.backend.backend(),
        "epochs": args.epochs,
        "repeats": args.repeats,
        "peak_gflops": round(matmul_peak_gflops(), 1),
        "results": [summarise_runs(runs[name]) for name in contenders],
    }
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "speed.json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, args.output / "speed.md")
    print((args.output / "speed.md").read_text())


if __name__ == "__main__":
    main()
