"""Keras' loop against scanned executions on a CPU, with the JAX backend.

On a GPU, fit runs each execution's steps in one ``jax.lax.scan`` over indices
into the training set on the device (``fmnist_estimators/_backend/_jax_steps.py``),
because there the per-step dispatch, not the arithmetic, sets the pace. This
script checks the choice to keep Keras' step-by-step loop on a CPU: it trains
``make_recipe("seed-cnn")`` on the first ``--n-train`` training images in
each of four ways, interleaved over ``--rounds`` rounds, and reports the
seconds of the epochs after the first (which compiles):

* Keras' loop (what a fit does on a CPU);
* scanned executions of 8 steps, each copied to the device;
* scanned executions of 8 steps, gathered from the training set on the device;
* one scanned execution per epoch, gathered from the training set on the device.

Usage::

    python benchmarks/bench_jax_cpu_scan.py [--n-train 4096] [--epochs 2] [--rounds 2]

Writes ``results/jax_cpu_scan.jsonl`` (appended) and ``results/jax_cpu_scan.md``.
Time it alone on the machine.
"""

import argparse
import json
import os
import statistics
import time
from pathlib import Path

os.environ["KERAS_BACKEND"] = "jax"

from _epochs import epoch_timer  # noqa: E402
from _jax_paths import jax_training_path  # noqa: E402
from _machine import cpu_model  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BATCH_SIZE = 128
# name -> (steps per execution, scanned, training set on the device)
PATHS = {
    "Keras' loop": (8, False, False),
    "scanned, 8 steps per execution, each copied": (8, True, False),
    "scanned, 8 steps per execution, on the device": (8, True, True),
    "scanned, one epoch per execution, on the device": (10_000, True, True),
}


def later_epoch_seconds(X, y, epochs, steps_per_execution, scanned, on_device):
    """Mean seconds of the epochs after the first, and the final loss."""
    from fmnist_estimators import make_recipe

    timer, seconds = epoch_timer()
    estimator = make_recipe(
        "seed-cnn", epochs=epochs, batch_size=BATCH_SIZE, validation_fraction=0.0,
        random_state=0, compile__steps_per_execution=steps_per_execution,
    )
    with jax_training_path(scanned=scanned, on_device=on_device):
        estimator.fit(X, y, callbacks=[timer])
    return statistics.mean(seconds[1:]), float(estimator.history_["loss"][-1])


def summarise(path_jsonl, path_md):
    records = [json.loads(line) for line in path_jsonl.read_text().splitlines() if line]
    lines = [
        "# Keras' loop against scanned executions on a CPU (JAX backend)", "",
        f"Written by `python benchmarks/bench_jax_cpu_scan.py` from `{path_jsonl.name}`: "
        "mean seconds of the epochs after the first, per round, and the ratio to "
        "Keras' loop of the same round.", "",
        "| date | machine | images | path | seconds per epoch | ratio to Keras' loop |",
        "|---|---|---|---|---|---|",
    ]
    for record in records:
        for name, seconds in record["epoch_s"].items():
            ratio = seconds / record["epoch_s"]["Keras' loop"]
            lines.append(f"| {record['date']} | {record['machine']} | {record['n_train']} | "
                         f"{name} | {seconds:.2f} | {ratio:.2f} |")
    path_md.write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-train", type=int, default=4096)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--output", type=Path, default=RESULTS / "jax_cpu_scan.jsonl")
    args = parser.parse_args()
    if args.epochs < 2:
        parser.error("--epochs must be at least 2: the first epoch compiles.")

    from fmnist_estimators.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X, y = X[:args.n_train], y[:args.n_train]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    for round_ in range(args.rounds):
        epoch_s, losses = {}, {}
        for name, path in PATHS.items():
            epoch_s[name], losses[name] = later_epoch_seconds(X, y, args.epochs, *path)
            print(f"round {round_ + 1}: {name}: {epoch_s[name]:.2f} s per epoch", flush=True)
        record = {"date": time.strftime("%Y-%m-%d"), "machine": f"{cpu_model()}, {os.cpu_count()} cores",
                  "n_train": args.n_train, "epochs": args.epochs, "round": round_ + 1,
                  "epoch_s": {k: round(v, 3) for k, v in epoch_s.items()},
                  "final_loss": {k: round(v, 5) for k, v in losses.items()}}
        with args.output.open("a") as output:
            output.write(json.dumps(record) + "\n")
    summarise(args.output, args.output.with_suffix(".md"))


if __name__ == "__main__":
    main()
