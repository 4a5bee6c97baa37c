"""Speed and accuracy on a GPU with the JAX backend, in one run.

Prepared for the lent GPU machine (JAX and CUDA, no TensorFlow, no network).
``benchmarks/gpu_prepare.sh`` puts the wheels it lacks (Keras, scikeras and
their dependencies) and the four Fashion-MNIST files into ``.gpu/`` here;
``benchmarks/gpu_run.sh`` installs them there and runs this script, in effect::

    KERAS_BACKEND=jax PYTHONPATH=SITE:. python benchmarks/bench_gpu.py --data .gpu/data

Append its ``gpu.jsonl`` to ``results/gpu.jsonl`` and rerun with
``--summarise`` for the tables of every run in ``results/gpu.md``.

Three parts, each contender appended to ``--output`` as soon as it finishes
(one JSON line each) so that a run cut short keeps what it did:

* ``profile`` (not run by default): where a ``seed-cnn`` epoch's time goes,
  see :func:`profile_seed_cnn`.
* ``speed``: the seed notebook's raw Keras CNN against ``make_recipe``'s
  ``seed-cnn`` (also in Keras' own step loop, with a whole epoch per
  execution, with each execution copied to the device instead of the
  training set once, and under ``mixed_bfloat16``), ``fast-cnn`` and ``cnn``:
  first epoch (tracing and XLA compilation), later epochs, 12-epoch training
  time without the first epoch's compile overhead, predict time on the
  10,000 test images and test accuracy.
* ``accuracy``: ``wide-cnn``, longer and residual variants for the GPU's
  5-minute budget, one seed each, each scored on the test images after every
  epoch (outside the timed epochs; never used to choose) for the training
  time to 0.94 test accuracy; then more seeds of the variant with the best
  *validation* accuracy (never the test accuracy) among those that trained
  within the budget.

A contender starts only when its estimated time fits in what is left of
``--budget-s``.
"""

import argparse
import contextlib
import json
import os
import time
import traceback
from pathlib import Path

from _epochs import epoch_timer
from _jax_paths import jax_training_path
from bench_speed import seed_network

os.environ.setdefault("KERAS_BACKEND", "jax")

RESULTS = Path(__file__).resolve().parent / "results"
# The GPU targets of the accuracy issue: the best recipe's training time,
# and the test accuracy whose training time to reach is reported.
ACCURACY_BUDGET_S = 300
TIME_TO_ACCURACY = 0.94

# name -> (recipe, parameter overrides, estimated seconds on an H100/H200)
SPEED_CONTENDERS = {
    # The training set copied to the device once, 32 steps per execution.
    "make_recipe('seed-cnn')": ("seed-cnn", {}, 30),
    # The same in Keras' own loop, one jitted step per call and one copy per
    # step (the estimators' path before the scanned executions).
    "make_recipe('seed-cnn'), Keras' step loop": (
        "seed-cnn", {"compile__steps_per_execution": 1}, 30),
    # A whole epoch per execution: 422 batches of 128 cover the 54,000
    # images left after the 10% hold-out.
    "make_recipe('seed-cnn'), one epoch per execution": (
        "seed-cnn", {"compile__steps_per_execution": 422}, 30),
    "make_recipe('seed-cnn'), mixed_bfloat16": ("seed-cnn", {"dtype_policy": "mixed_bfloat16"}, 30),
    "make_recipe('fast-cnn')": ("fast-cnn", {}, 20),
    "make_recipe('cnn')": ("cnn", {}, 30),
}
# Contenders whose executions are copied to the device one at a time, the
# estimators' path before the training set stayed on the device.
COPIED_CONTENDERS = {
    "make_recipe('seed-cnn'), each execution copied": ("seed-cnn", {}, 30),
}
# The first run (2026-11-28, H200) tried best-cnn with (64, 128, 256) filters,
# "same" padding and mixed bfloat16 over 40 and 60 epochs; the 60-epoch
# network had the better validation accuracy and became "wide-cnn".
# wide-cnn's 60 epochs took 54 s there; the variants spend the 5-minute
# budget on more epochs or on a wide residual network.
_WIDE_RESNET = {
    "filters": (64, 128, 256), "blocks_per_stage": 2, "random_flip": True,
    "random_erasing": 0.25, "label_smoothing": 0.1, "weight_decay": 0.05,
    "test_time_augmentation": True, "dtype_policy": "mixed_bfloat16",
}
ACCURACY_CONTENDERS = {
    "wide-cnn": ("wide-cnn", {}, 90),
    "wide-cnn, 150 epochs": ("wide-cnn", {"epochs": 150}, 200),
    "wide resnet (64, 128, 256) x 2, 40 epochs": ("resnet", {**_WIDE_RESNET, "epochs": 40}, 240),
}
EXTRA_SEEDS = (1, 2)


def epoch_summary(times):
    """First epoch, mean of the others, and training time without compilation."""
    later = times[1:] or times
    later_mean = sum(later) / len(later)
    return {
        "first_epoch_s": round(times[0], 3),
        "later_epoch_mean_s": round(later_mean, 4),
        "train_s_without_compile": round(later_mean * len(times), 3),
        "compile_overhead_s": round(times[0] - later_mean, 3),
        "train_s_total": round(sum(times), 3),
    }


def timed_predict(predict, X):
    """Seconds of the second of two predictions (the first compiles)."""
    predict(X)
    start = time.perf_counter()
    output = predict(X)
    return output, time.perf_counter() - start


def run_seed_keras(data, epochs):
    """The seed notebook's CNN and training, verbatim but for the epoch timer."""
    import keras

    X, y, X_test, y_test = data
    keras.utils.set_random_seed(0)
    timer, seconds = epoch_timer()
    model = seed_network("cnn")
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    n_val = len(X) // 10
    Xf = (X[n_val:] / 255.0).astype("float32")[..., None]
    Xv = (X[:n_val] / 255.0).astype("float32")[..., None]
    start = time.perf_counter()
    model.fit(Xf, y[n_val:], epochs=epochs, batch_size=128, verbose=0,
              validation_data=(Xv, y[:n_val]), callbacks=[timer])
    fit_s = time.perf_counter() - start
    X_test = (X_test / 255.0).astype("float32")[..., None]
    proba, predict_s = timed_predict(lambda X: model.predict(X, verbose=0), X_test)
    return {
        "fit_s": round(fit_s, 3), **epoch_summary(seconds),
        "predict_10k_s": round(predict_s, 4),
        "test_accuracy": round(float((proba.argmax(1) == y_test).mean()), 4),
    }


def test_accuracy_tracker(estimator, X_test, y_test, seconds):
    """A callback scoring the test images after each epoch, and its records.

    Runs after the epoch timer, so the scoring is not in ``seconds``; the
    records pair the training seconds so far (the first epoch's compilation
    included) with the estimator's test accuracy then (its own chunked
    prediction and test-time views). The network is scored with its running
    batch-norm statistics, before ``fit`` recalibrates them, so early epochs
    may score lower than the same weights would after ``fit``: the time to
    accuracy is, if anything, overstated.
    """
    import keras

    records = []

    class TestAccuracy(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            accuracy = float((estimator.predict(X_test) == y_test).mean())
            records.append((round(sum(seconds), 3), round(accuracy, 4)))

    return TestAccuracy(), records


def time_to_accuracy(records, target=TIME_TO_ACCURACY):
    """Training seconds until the first epoch at or above ``target``, or None."""
    return next((seconds for seconds, accuracy in records if accuracy >= target), None)


def run_recipe(data, recipe, params, seed, track_test=False):
    """Fit ``make_recipe(recipe, **params)``; times, accuracies, predict time.

    With ``track_test``, the test accuracy after each epoch and the training
    time to :data:`TIME_TO_ACCURACY` are recorded too.
    """
    from fmnist_estimators import make_recipe

    X, y, X_test, y_test = data
    timer, seconds = epoch_timer()
    estimator = make_recipe(recipe, random_state=seed, **params)
    callbacks, tracked = [timer], None
    if track_test:
        tracker, tracked = test_accuracy_tracker(estimator, X_test, y_test, seconds)
        callbacks.append(tracker)
    start = time.perf_counter()
    estimator.fit(X, y, callbacks=callbacks)
    fit_s = time.perf_counter() - start
    predicted, predict_s = timed_predict(estimator.predict, X_test)
    history = {key: round(float(values[-1]), 4) for key, values in estimator.history_.items()}
    return {
        "fit_s": round(fit_s, 3), **epoch_summary(seconds),
        "predict_10k_s": round(predict_s, 4),
        "test_accuracy": round(float((predicted == y_test).mean()), 4),
        "final_epoch": history,
        "n_parameters": int(estimator.model_.count_params()),
        **({} if tracked is None else {
            "test_accuracy_by_epoch": tracked,
            f"time_to_{TIME_TO_ACCURACY}_s": time_to_accuracy(tracked),
        }),
    }


def run_copied_recipe(data, recipe, params, seed):
    """:func:`run_recipe` with each execution's batches copied to the device."""
    with jax_training_path(on_device=False):
        return run_recipe(data, recipe, params, seed)


def profile_seed_cnn(data, epochs=3):
    """Where a seed-cnn epoch's time goes on the JAX backend.

    The fitted ``make_recipe("seed-cnn")`` network is trained further for
    ``epochs`` epochs each way: Keras ``fit`` on NumPy arrays (what the
    estimator does) and on arrays already on the device (mean of the epochs
    after the first); then, after one compiling epoch, a Python loop over the
    jitted training step with batches already on the device (Keras' dispatch
    cost without its data iterator) and one ``jax.lax.scan`` over the whole
    epoch (the device's own time, with no per-step Python at all; median of
    the epochs).
    """
    import jax
    import jax.numpy as jnp
    import keras
    import numpy as np

    from fmnist_estimators import make_recipe

    X, y, _, _ = data
    estimator = make_recipe("seed-cnn", random_state=0, epochs=1).fit(X, y)
    model = estimator.model_
    n_steps = int(len(X) * 0.9) // 128
    X_flat = np.ascontiguousarray(X[: n_steps * 128].reshape(n_steps * 128, -1))
    y_int = np.asarray(y[: n_steps * 128], dtype="int32")
    result = {"steps_per_epoch": n_steps}

    def fit_epoch_s(inputs, targets):
        timer, seconds = epoch_timer()
        model.fit(inputs, targets, batch_size=128, epochs=epochs, shuffle=True,
                  verbose=0, callbacks=[timer])
        return round(float(np.mean(seconds[1:])), 4)

    result["fit_numpy_epoch_s"] = fit_epoch_s(X_flat, y_int)
    X_device, y_device = jnp.asarray(X_flat), jnp.asarray(y_int)
    result["fit_device_arrays_epoch_s"] = fit_epoch_s(X_device, y_device)

    batches_X = X_device.reshape(n_steps, 128, -1)
    batches_y = y_device.reshape(n_steps, 128)
    state = model._get_jax_state(trainable_variables=True, non_trainable_variables=True,
                                 optimizer_variables=True, metrics_variables=True)
    step = jax.jit(model.train_step)

    def python_loop(state):
        for i in range(n_steps):
            logs, state = step(state, (batches_X[i], batches_y[i]))
        jax.block_until_ready(state)
        return state

    def scan_body(state, batch):
        logs, state = model.train_step(state, batch)
        return state, logs["loss"]

    scan = jax.jit(lambda state: jax.lax.scan(scan_body, state, (batches_X, batches_y))[0])
    for name, function in (("jitted_step_loop_epoch_s", python_loop), ("scan_epoch_s", scan)):
        state = jax.block_until_ready(function(state))  # compiles
        times = []
        for _ in range(epochs):
            start = time.perf_counter()
            state = jax.block_until_ready(function(state))
            times.append(time.perf_counter() - start)
        result[name] = round(float(np.median(times)), 4)
    keras.backend.clear_session()
    return result


def device_description():
    import jax
    import keras

    return {
        "backend": keras.backend.backend(),
        "keras": keras.__version__,
        "jax": jax.__version__,
        "devices": [str(device) for device in jax.devices()],
        "device_kind": jax.devices()[0].device_kind,
    }


def next_run_number(path=RESULTS / "gpu.jsonl"):
    """One more than the highest run recorded in the committed results."""
    if not path.exists():
        return 1
    runs = [json.loads(line).get("run", 0) for line in path.read_text().splitlines() if line]
    return max(runs, default=0) + 1


class Runner:
    """Runs contenders within a time budget and appends each result to a file.

    Every record starts with ``context`` (run number, date, device, versions),
    so that records from several runs can share one file.
    """

    def __init__(self, output, budget_s, context):
        self.output = output
        self.deadline = time.perf_counter() + budget_s
        self.context = context
        self.results = []

    def left_s(self):
        return self.deadline - time.perf_counter()

    def run(self, name, function, *args, expected_s, **record):
        if expected_s > self.left_s():
            print(f"skipped (needs ~{expected_s} s, {self.left_s():.0f} s left): {name}",
                  flush=True)
            return None
        result = {**self.context, "contender": name, **record}
        try:
            result.update(function(*args))
        except Exception as error:  # keep going: one failure must not lose the rest
            result["error"] = f"{type(error).__name__}: {error}"
            traceback.print_exc()
        self.results.append(result)
        with open(self.output, "a") as file:
            file.write(json.dumps(result) + "\n")
        print(json.dumps(result), flush=True)
        return result


def best_by_validation(results, names):
    """The contender with the best final validation accuracy within the budget."""
    eligible = [
        r for r in results
        if r["contender"] in names and "error" not in r and r["fit_s"] <= ACCURACY_BUDGET_S
    ]
    if not eligible:
        return None
    return max(eligible, key=lambda r: r["final_epoch"].get("val_accuracy", 0))["contender"]


TABLE_COLUMNS = ("run", "contender", "seed", "fit_s", "first_epoch_s", "later_epoch_mean_s",
                 "train_s_without_compile", "predict_10k_s", "test_accuracy",
                 f"time_to_{TIME_TO_ACCURACY}_s")
PROFILE_COLUMNS = ("run", "steps_per_epoch", "fit_numpy_epoch_s", "fit_device_arrays_epoch_s",
                   "jitted_step_loop_epoch_s", "scan_epoch_s")


def markdown_table(results, columns):
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for result in results:
        lines.append("| " + " | ".join(str(result.get(column, "")) for column in columns) + " |")
    return "\n".join(lines)


def summarise(path_jsonl, path_md):
    """Write the JSON lines of all runs as markdown tables."""
    results = [json.loads(line) for line in Path(path_jsonl).read_text().splitlines() if line]
    runs = [r for r in results if "scan_epoch_s" not in r]
    profiles = [r for r in results if "scan_epoch_s" in r]
    notes = sorted({(r.get("run"), r["note"]) for r in results if "note" in r}, key=str)
    devices = sorted({f"{r.get('device', '?')}, Keras {r.get('keras', '?')}, JAX {r.get('jax', '?')}"
                      for r in results})
    parts = [
        "# GPU runs (JAX backend)", "",
        f"Written by `python benchmarks/bench_gpu.py --summarise` from `{Path(path_jsonl).name}`. "
        "Times in seconds; `first_epoch_s` includes tracing and XLA compilation, "
        "`train_s_without_compile` is the mean later epoch times the number of epochs.", "",
        "Devices: " + "; ".join(devices), "",
        markdown_table(runs, TABLE_COLUMNS), "",
    ]
    if profiles:
        parts += ["Where a `seed-cnn` epoch's time goes (mean of later epochs, or median of "
                  "repeats):", "", markdown_table(profiles, PROFILE_COLUMNS), ""]
    parts += [f"- run {run}: {note}" for run, note in notes]
    Path(path_md).write_text("\n".join(parts).rstrip() + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="data_home holding fashion_mnist/")
    parser.add_argument("--output", type=Path, default=RESULTS / "gpu.jsonl",
                        help="JSON lines file to append to")
    parser.add_argument("--budget-s", type=float, default=540)
    parser.add_argument("--parts", nargs="+", default=["speed", "accuracy"],
                        choices=["speed", "accuracy", "profile"])
    parser.add_argument("--run", type=int, default=next_run_number(),
                        help="run number in the records (default: one more than the "
                             "highest in results/gpu.jsonl, so append each run's records "
                             "there before the next run)")
    parser.add_argument("--note", help="a note kept with every record of this run")
    parser.add_argument("--smoke", action="store_true",
                        help="2,000 training images (256 for the accuracy contenders), 2 epochs: "
                             "checks the code paths only")
    parser.add_argument("--summarise", action="store_true",
                        help="only write the markdown tables of --output next to it")
    args = parser.parse_args()
    if args.summarise:
        summarise(args.output, args.output.with_suffix(".md"))
        return

    from fmnist_estimators._backend import _precision
    from fmnist_estimators.datasets import fetch_fashion_mnist

    kwargs = {"data_home": args.data, "download_if_missing": False} if args.data else {}
    X, y = fetch_fashion_mnist(subset="train", return_X_y=True, **kwargs)
    X_test, y_test = fetch_fashion_mnist(subset="test", return_X_y=True, **kwargs)
    X, X_test = X.reshape(-1, 28, 28), X_test.reshape(-1, 28, 28)
    epochs, smoke = 12, {}
    data = accuracy_data = (X, y, X_test, y_test)
    if args.smoke:
        epochs, smoke = 2, {"epochs": 2}
        data = (X[:2000], y[:2000], X_test, y_test)
        # The accuracy contenders' wide networks are slow on a CPU's XLA:
        # fewer images still run every path, the per-epoch scoring included.
        accuracy_data = (X[:256], y[:256], X_test[:1000], y_test[:1000])

    device = device_description()
    print(json.dumps(device), flush=True)
    on_cpu = device["device_kind"].lower() == "cpu"
    if on_cpu and not args.smoke:
        raise SystemExit("No GPU is visible to JAX; this benchmark is for a GPU (or --smoke).")
    context = {"run": args.run, "date": time.strftime("%Y-%m-%d"),
               "device": device["device_kind"], "backend": device["backend"],
               "keras": device["keras"], "jax": device["jax"]}
    if on_cpu and not _precision._jax_compiles_bfloat16_block():
        # The estimators refuse bfloat16 where JAX's CPU compiler gets it wrong.
        smoke["dtype_policy"] = "float32"
        print("JAX's CPU compiler computes bfloat16 networks wrongly here: the smoke "
              "run trains the bfloat16 contenders in float32.", flush=True)
    if args.smoke or args.note:
        smoke_note = "smoke" + (", bfloat16 run in float32" if "dtype_policy" in smoke else "")
        context["note"] = "; ".join(filter(None, [smoke_note if args.smoke else None, args.note]))
    # A CPU keeps Keras' loop; the smoke run checks the GPU's scanned paths.
    with jax_training_path() if on_cpu else contextlib.nullcontext():
        runner = Runner(args.output, args.budget_s, context)
        if "profile" in args.parts:
            runner.run("seed-cnn epoch profile", profile_seed_cnn, data, expected_s=60, seed=0)
        if "speed" in args.parts:
            runner.run("seed raw Keras", run_seed_keras, data, epochs, expected_s=40, seed=0)
            for name, (recipe, params, expected_s) in SPEED_CONTENDERS.items():
                runner.run(name, run_recipe, data, recipe, {**params, **smoke}, 0,
                           expected_s=expected_s, seed=0)
            # The smoke run's 15 steps per epoch would not fill one 32-step
            # execution, which a copied execution then runs step by step.
            copied_smoke = {**smoke, "compile__steps_per_execution": 4} if smoke else {}
            for name, (recipe, params, expected_s) in COPIED_CONTENDERS.items():
                runner.run(name, run_copied_recipe, data, recipe, {**params, **copied_smoke},
                           0, expected_s=expected_s, seed=0)
        if "accuracy" in args.parts:
            for name, (recipe, params, expected_s) in ACCURACY_CONTENDERS.items():
                runner.run(name, run_recipe, accuracy_data, recipe, {**params, **smoke}, 0,
                           True, expected_s=expected_s, seed=0)
            chosen = best_by_validation(runner.results, ACCURACY_CONTENDERS)
            if chosen is not None:
                recipe, params, _ = ACCURACY_CONTENDERS[chosen]
                first = next(r for r in runner.results if r["contender"] == chosen)
                for seed in EXTRA_SEEDS:
                    runner.run(chosen, run_recipe, accuracy_data, recipe, {**params, **smoke},
                               seed, expected_s=first["fit_s"] + 15, seed=seed)
    print(markdown_table(runner.results, TABLE_COLUMNS))


if __name__ == "__main__":
    main()
