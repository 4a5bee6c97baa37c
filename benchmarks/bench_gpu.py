"""The seed CNN's 12 epochs on a GPU with the JAX backend: compile vs train time.

Prepared for the lent GPU machine (JAX and CUDA, no TensorFlow, no network).
Carry Keras, scikeras and this package as wheels, e.g.::

    pip wheel --no-deps -w wheels . keras scikeras   # here, then on the GPU machine:
    pip install --no-index --no-deps wheels/*.whl
    KERAS_BACKEND=jax python benchmarks/bench_gpu.py --data /path/to/fashion-mnist

Reports, for the seed's raw Keras code and for ``make_recipe("seed-cnn")``:
the first epoch (tracing and XLA compilation included), the mean of the
other epochs, 12-epoch training time without the first epoch's compile
overhead, and test accuracy. Prints one JSON line per contender.
"""

import argparse
import json
import os
import time

os.environ.setdefault("KERAS_BACKEND", "jax")


class _EpochTimes:
    def __init__(self):
        import keras

        class Callback(keras.callbacks.Callback):
            def on_epoch_begin(cb, epoch, logs=None):
                cb.start = time.perf_counter()

            def on_epoch_end(cb, epoch, logs=None):
                self.times.append(time.perf_counter() - cb.start)

        self.times = []
        self.callback = Callback()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", default=None, help="folder with the four idx .gz files")
    parser.add_argument("--epochs", type=int, default=12)
    args = parser.parse_args()

    import keras

    from fmnist_estimators import make_recipe
    from fmnist_estimators.datasets import fetch_fashion_mnist

    kwargs = {"data_home": args.data} if args.data else {}
    train = fetch_fashion_mnist(subset="train", **kwargs)
    test = fetch_fashion_mnist(subset="test", **kwargs)
    X, y, X_test, y_test = train.images, train.target, test.images, test.target

    # The seed's raw Keras code.
    timer = _EpochTimes()
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"), keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(), keras.layers.Dense(64, activation="relu"),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    Xf = (X[6000:] / 255.0).astype("float32")[..., None]
    Xv = (X[:6000] / 255.0).astype("float32")[..., None]
    model.fit(Xf, y[6000:], epochs=args.epochs, batch_size=128, verbose=0,
              validation_data=(Xv, y[:6000]), callbacks=[timer.callback])
    accuracy = float((model.predict(X_test[..., None] / 255.0, verbose=0).argmax(1) == y_test).mean())
    report("seed raw Keras", timer.times, accuracy)

    for recipe in ("seed-cnn", "cnn", "fast-cnn"):
        timer = _EpochTimes()
        estimator = make_recipe(recipe, random_state=0)
        estimator.fit(X, y, callbacks=[timer.callback])
        report(f"make_recipe({recipe!r})", timer.times, float(estimator.score(X_test, y_test)))


def report(name, times, accuracy):
    print(json.dumps({
        "contender": name,
        "backend": __import__("keras").backend.backend(),
        "first_epoch_s": round(times[0], 2),
        "later_epoch_mean_s": round(sum(times[1:]) / max(1, len(times) - 1), 3),
        "train_s_without_compile": round(sum(times[1:]) / max(1, len(times) - 1) * len(times), 2),
        "train_s_total": round(sum(times), 2),
        "test_accuracy": round(accuracy, 4),
    }), flush=True)


if __name__ == "__main__":
    main()
