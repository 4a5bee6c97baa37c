"""Where the training time of the CNN goes: input pipeline and batch norm.

Trains the seed CNN (and the seed CNN with batch normalisation) with raw
Keras for several epochs and prints every epoch's throughput, feeding the
data in two ways:

- ``keras``: NumPy arrays to ``Model.fit`` (Keras builds a ``tf.data``
  pipeline with the autotuner on);
- ``ours``: :func:`fmnist_estimators._input_pipeline.fit_inputs` (the same
  pipeline with the autotuner off);

and normalising batches with Keras' ``BatchNormalization`` or with the
fused-kernel layer the estimators use, and once with XLA compilation. Each
configuration runs in a fresh process. TensorFlow backend only.

Usage::

    python benchmarks/bench_pipeline.py --epochs 10 --n-train 24576

Writes ``benchmarks/results/pipeline.json`` and ``pipeline.md``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# name -> (input pipeline, batch norm, XLA)
CONFIGS = {
    "seed CNN, keras input": ("keras", None, False),
    "seed CNN, our input": ("ours", None, False),
    "seed CNN, our input, XLA": ("ours", None, True),
    "+ keras batch norm, our input": ("ours", "keras", False),
    "+ fused batch norm, our input": ("ours", "fused", False),
}


def run_one(config, epochs, n_train):
    import keras

    from fmnist_estimators._batch_norm import batch_normalization
    from fmnist_estimators._input_pipeline import fit_inputs
    from fmnist_estimators.datasets import fetch_fashion_mnist

    feed, norm, jit_compile = CONFIGS[config]
    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X = X[:n_train].reshape(-1, 28, 28, 1).astype("float32") / 255
    y = y[:n_train]
    keras.utils.set_random_seed(0)
    inputs = keras.Input((28, 28, 1))
    x = inputs
    for filters in (32, 64):
        if norm is None:
            x = keras.layers.Conv2D(filters, 3, activation="relu")(x)
        else:
            x = keras.layers.Conv2D(filters, 3, use_bias=False)(x)
            layer = (keras.layers.BatchNormalization() if norm == "keras"
                     else batch_normalization())
            x = keras.layers.Activation("relu")(layer(x))
        x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(x))
    model.compile("adam", "sparse_categorical_crossentropy", steps_per_execution=32,
                  jit_compile=jit_compile)
    rates = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            rates.append(round(n_train / (time.perf_counter() - self.start)))

    if feed == "keras":
        data = {"x": X, "y": y, "batch_size": 128}
    else:
        data = fit_inputs(X, y, batch_size=128, seed=0)
    model.fit(**data, epochs=epochs + 1, verbose=0, callbacks=[Timer()])
    return rates[1:]  # the first epoch includes tracing


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=24576)
    parser.add_argument("--output", type=Path, default=HERE / "results")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(args.run_one, args.epochs, args.n_train)))
        return
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    results = {}
    for config in CONFIGS:
        out = subprocess.run(
            [sys.executable, __file__, "--run-one", config, "--epochs", str(args.epochs),
             "--n-train", str(args.n_train)],
            capture_output=True, text=True, env=env, check=True,
        )
        results[config] = json.loads(out.stdout.strip().splitlines()[-1])
        print(config, results[config], flush=True)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "pipeline.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"Training images/s of each epoch after the first ({args.n_train:,} images, "
        "batch 128, 32 steps per execution), one process per row.",
        "",
        "| configuration | median | slowest | fastest | every epoch |",
        "|---|---|---|---|---|",
    ]
    for config, rates in results.items():
        lines.append(
            f"| {config} | {statistics.median(rates):,.0f} | {min(rates):,} | {max(rates):,} "
            f"| {' '.join(f'{r:,}' for r in rates)} |"
        )
    (args.output / "pipeline.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
