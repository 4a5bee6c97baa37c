"""Peak memory of predicting all 70,000 Fashion-MNIST images.

Runs each way of predicting in a fresh process and reports the growth of its
peak resident memory (ru_maxrss) during the prediction: our chunked
``predict_proba`` on raw uint8 images, versus converting everything to
float32 first and calling ``keras.Model.predict`` as hand-written code does.

Usage::

    python benchmarks/bench_memory.py
"""

import json
import os
import resource
import subprocess
import sys


def measure(way):
    from fmnist_estimators import make_recipe
    from fmnist_estimators.datasets import fetch_fashion_mnist

    X, y = fetch_fashion_mnist(subset="all", return_X_y=True)
    clf = make_recipe("seed-cnn", epochs=1, random_state=0).fit(X[:2000], y[:2000])
    clf.predict_proba(X[:10])  # warm up
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if way == "ours":
        proba = clf.predict_proba(X)
    else:
        proba = clf.model_.predict((X / 255.0).astype("float32"), verbose=0)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"way": way, "n_images": len(X), "proba_shape": list(proba.shape),
            "peak_rss_before_mib": round(before / 1024), "peak_rss_after_mib": round(after / 1024),
            "growth_mib": round((after - before) / 1024)}


def main():
    if len(sys.argv) > 1:
        print(json.dumps(measure(sys.argv[1])))
        return
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    for way in ("ours", "float32-then-keras-predict"):
        out = subprocess.run([sys.executable, __file__, way], capture_output=True,
                             text=True, env=env, check=True)
        print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
