"""Where a recipe's training time goes, operation by operation.

Trains a recipe for two epochs on real images with TensorFlow's profiler on
during the second, then adds up the time of each kernel that ran::

    python benchmarks/profile_ops.py seed-ann seed-cnn

Each recipe's table goes to ``results/profile-<recipe>.md``. Times are
summed over TensorFlow's compute threads, and the profiler itself slows the
epoch down, so the shares, not the absolute times, are the result.
TensorFlow backend only.
"""

import argparse
import collections
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from _machine import cpu_model

HERE = Path(__file__).resolve().parent


def profile_epoch(estimator, X, y, logdir):
    """Fit ``estimator`` (two epochs), profiling the second epoch; return its seconds."""
    import keras
    import tensorflow as tf

    keras.backend.clear_session()  # layer names as in a fresh process

    class Profile(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                tf.profiler.experimental.start(str(logdir))
                self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            if epoch == 1:
                tf.profiler.experimental.stop()
                self.seconds = time.perf_counter() - self.start

    profile = Profile()
    estimator.fit(X, y, callbacks=[profile])
    return profile.seconds


def kernel_times(logdir):
    """Seconds per kernel type and per operation, from the profiler's trace."""
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    space = xplane_pb2.XSpace()
    space.ParseFromString(next(Path(logdir).rglob("*.xplane.pb")).read_bytes())
    by_kernel, by_operation = collections.Counter(), collections.Counter()
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        for line in plane.lines:
            if not line.name.startswith("tf_Compute"):
                continue
            for event in line.events:
                # Kernel events are named "<operation path>:<kernel type>".
                name = plane.event_metadata[event.metadata_id].name
                if ":" not in name or name.startswith("ExecutorState"):
                    continue
                path, kernel = name.rsplit(":", 1)
                operation = re.sub(r"_\d+\b", "", path.rsplit("StatefulPartitionedCall/", 1)[-1])
                seconds = event.duration_ps * 1e-12
                by_kernel[kernel] += seconds
                by_operation[f"{operation} ({kernel})"] += seconds
    return by_kernel, by_operation


def markdown(recipe, n_images, epoch_s, by_kernel, by_operation, top=15):
    total = sum(by_kernel.values())
    lines = [
        f"# Training operations of `{recipe}`",
        "",
        f"Machine: {cpu_model()}, {os.cpu_count()} cores.",
        "",
        f"One profiled epoch on {n_images:,} images (10% held out) took {epoch_s:.2f} s "
        f"with the profiler on; its kernels ran for {total:.2f} s, summed over threads.",
        "",
        "| kernel type | seconds | share |",
        "|---|---|---|",
    ]
    lines += [f"| {k} | {s:.3f} | {s / total:.1%} |" for k, s in by_kernel.most_common(top)]
    lines += ["", "| operation | seconds | share |", "|---|---|---|"]
    lines += [f"| `{k}` | {s:.3f} | {s / total:.1%} |" for k, s in by_operation.most_common(top)]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="+")
    parser.add_argument(
        "--images", type=int, default=None,
        help="training images (default: 60,000 for ANNs, 12,000 for CNNs)",
    )
    parser.add_argument("--output", type=Path, default=HERE / "results")
    args = parser.parse_args(argv)
    import keras

    if keras.backend.backend() != "tensorflow":
        sys.exit("profile_ops.py reads TensorFlow's profiler: run it on the TensorFlow backend.")
    from fmnist_estimators import ANNClassifier, make_recipe
    from fmnist_estimators.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    args.output.mkdir(parents=True, exist_ok=True)
    for recipe in args.recipes:
        estimator = make_recipe(recipe, epochs=2, random_state=0)
        n_images = args.images or (60_000 if isinstance(estimator, ANNClassifier) else 12_000)
        with tempfile.TemporaryDirectory() as logdir:
            epoch_s = profile_epoch(estimator, X[:n_images], y[:n_images], logdir)
            by_kernel, by_operation = kernel_times(logdir)
        table = markdown(recipe, n_images, epoch_s, by_kernel, by_operation)
        (args.output / f"profile-{recipe}.md").write_text(table)
        print(table)


if __name__ == "__main__":
    main()
