"""Where the training time goes: input pipeline, batch norm and XLA.

Trains the seed CNN (and the seed CNN with batch normalisation) and two
dense networks (the seed ANN, and ``ANNClassifier``'s default network with
batch norm and dropout) with raw Keras for several epochs and prints every
epoch's throughput, feeding the data in two ways:

- ``keras``: NumPy arrays to ``Model.fit`` (Keras builds a ``tf.data``
  pipeline with the autotuner on);
- ``ours``: :func:`fmnist_estimators._backend._input_pipeline.fit_inputs` (the same
  pipeline with the autotuner off);

and normalising batches with Keras' ``BatchNormalization`` or with the
fused-kernel layer the estimators use, with and without XLA compilation
(which Keras leaves off on CPUs), and in float32 or mixed bfloat16 (the
precision ``dtype_policy="auto"`` picks on CPUs with bfloat16 instructions).
Each configuration runs in a fresh process. TensorFlow backend only.

Usage::

    python benchmarks/bench_pipeline.py --epochs 10 --n-train 24576
    python benchmarks/bench_pipeline.py --configs "seed ANN, our input" "seed ANN, our input, XLA"
    python benchmarks/bench_pipeline.py --output benchmarks/results/pipeline-bfloat16 \
        --configs "seed CNN, our input, mixed bfloat16" \
        "+ keras batch norm, our input, mixed bfloat16" "+ fused batch norm, our input, mixed bfloat16"

Writes ``benchmarks/results/pipeline.json`` and ``pipeline.md``.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from _epochs import epoch_timer

HERE = Path(__file__).resolve().parent
# name -> (network, input pipeline, batch norm, XLA, Keras dtype policy)
CONFIGS = {
    "seed CNN, keras input": ("cnn", "keras", None, False, "float32"),
    "seed CNN, our input": ("cnn", "ours", None, False, "float32"),
    "seed CNN, our input, XLA": ("cnn", "ours", None, True, "float32"),
    "+ keras batch norm, our input": ("cnn", "ours", "keras", False, "float32"),
    "+ fused batch norm, our input": ("cnn", "ours", "fused", False, "float32"),
    "seed CNN, our input, mixed bfloat16": ("cnn", "ours", None, False, "mixed_bfloat16"),
    "+ keras batch norm, our input, mixed bfloat16": (
        "cnn", "ours", "keras", False, "mixed_bfloat16"),
    "+ fused batch norm, our input, mixed bfloat16": (
        "cnn", "ours", "fused", False, "mixed_bfloat16"),
    "seed ANN, our input": ("ann", "ours", None, False, "float32"),
    "seed ANN, our input, XLA": ("ann", "ours", None, True, "float32"),
    "default ANN, our input": ("default-ann", "ours", "fused", False, "float32"),
    "default ANN, our input, XLA": ("default-ann", "ours", "fused", True, "float32"),
}


def _normalised(x, norm):
    """Batch norm (Keras' layer or the fused one) between a layer and its ReLU."""
    import keras

    from fmnist_estimators._backend._batch_norm import batch_normalization

    layer = keras.layers.BatchNormalization() if norm == "keras" else batch_normalization()
    return keras.layers.Activation("relu")(layer(x))


def build_network(network, norm):
    """The seed CNN, the seed ANN or ANNClassifier's default dense network."""
    import keras

    if network == "cnn":
        inputs = x = keras.Input((28, 28, 1))
        for filters in (32, 64):
            if norm is None:
                x = keras.layers.Conv2D(filters, 3, activation="relu")(x)
            else:
                x = _normalised(keras.layers.Conv2D(filters, 3, use_bias=False)(x), norm)
            x = keras.layers.MaxPooling2D()(x)
        x = keras.layers.Dense(64, activation="relu")(keras.layers.Flatten()(x))
    elif network == "ann":
        inputs = x = keras.Input((784,))
        for units in (128, 64):
            x = keras.layers.Dense(units, activation="relu")(x)
    else:
        inputs = x = keras.Input((784,))
        for units in (256, 128):
            x = _normalised(keras.layers.Dense(units, use_bias=False)(x), norm)
            x = keras.layers.Dropout(0.2)(x)
    # Probabilities in float32 under a mixed policy too, as in the estimators.
    outputs = keras.layers.Dense(10, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs)


def run_one(config, epochs, n_train):
    """Images/s of each epoch after the first, and the first epoch's seconds.

    The first epoch includes tracing, and compilation with XLA.
    """
    import keras

    from fmnist_estimators._backend._input_pipeline import fit_inputs
    from fmnist_estimators.datasets import fetch_fashion_mnist

    network, feed, norm, jit_compile, dtype_policy = CONFIGS[config]
    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    shape = (-1, 28, 28, 1) if network == "cnn" else (-1, 784)
    X = X[:n_train].reshape(shape).astype("float32") / 255
    y = y[:n_train]
    keras.utils.set_random_seed(0)
    keras.config.set_dtype_policy(dtype_policy)
    model = build_network(network, norm)
    model.compile("adam", "sparse_categorical_crossentropy", steps_per_execution=32,
                  jit_compile=jit_compile)
    timer, seconds = epoch_timer()
    if feed == "keras":
        data = {"x": X, "y": y, "batch_size": 128}
    else:
        data = fit_inputs(X, y, batch_size=128, seed=0)
    model.fit(**data, epochs=epochs + 1, verbose=0, callbacks=[timer])
    return {"rates": [round(n_train / s) for s in seconds[1:]],
            "first_epoch_s": round(seconds[0], 2)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--n-train", type=int, default=24576)
    parser.add_argument("--configs", nargs="+", choices=list(CONFIGS), default=list(CONFIGS),
                        metavar="CONFIG", help="rows to run (default: all)")
    parser.add_argument("--output", type=Path, default=HERE / "results")
    parser.add_argument("--run-one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(args.run_one, args.epochs, args.n_train)))
        return
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    results = {}
    for config in args.configs:
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
        "| configuration | median | slowest | fastest | first epoch (s) | every epoch |",
        "|---|---|---|---|---|---|",
    ]
    for config, result in results.items():
        rates = result["rates"]
        lines.append(
            f"| {config} | {statistics.median(rates):,.0f} | {min(rates):,} | {max(rates):,} "
            f"| {result['first_epoch_s']} | {' '.join(f'{r:,}' for r in rates)} |"
        )
    (args.output / "pipeline.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
