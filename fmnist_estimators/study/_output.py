"""Where the study writes: a staging folder, published whole or not at all."""

import os
import shutil
from pathlib import Path

import joblib
import numpy as np

from .._io import atomic_path


def _prepare_output(output, overwrite):
    """Staging folder beside ``output``; the result only appears when complete."""
    output = Path(output)
    if output.exists() and not overwrite:
        raise FileExistsError(
            f"Output folder '{output}' already exists. Choose another --output, "
            "or pass --overwrite to replace it once the new study has finished."
        )
    staging = output.with_name(f"{output.name}.partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    return output, staging


def _what_was_kept(staging, output):
    """Remove an empty staging folder; say what a stopped run left behind."""
    kept = sorted(p.name for p in staging.iterdir()) if staging.is_dir() else []
    if kept:
        names = ", ".join(kept[:4]) + (", ..." if len(kept) > 4 else "")
        kept_text = (f"Kept {len(kept)} file(s) in '{staging}' ({names}) until the next "
                     "run with this output")
    else:
        shutil.rmtree(staging, ignore_errors=True)
        kept_text = "Nothing was kept"
    state = "was left as it was" if output.exists() else "was not created"
    return f"{kept_text}; '{output}' {state}."


def _publish(staging, output):
    if output.exists():
        old = output.with_name(f"{output.name}.old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old)
    else:
        os.replace(staging, output)


def _save_figure(figure, path):
    import matplotlib.pyplot as plt

    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)


def _write_csv(frame, path, **kwargs):
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, **kwargs)


def _model_stem(key, random_state, config):
    """``cnn`` for the first seed's files, ``cnn-seed1`` for random_state 1."""
    return key if random_state == config.random_state else f"{key}-seed{random_state}"


def _save_models(estimator, stem, staging, X_check):
    """joblib for the estimator, .keras for the network; check that both reload."""
    import keras

    estimator_path = staging / f"{stem}.joblib"
    network_path = staging / f"{stem}.keras"
    with atomic_path(estimator_path) as tmp:
        joblib.dump(estimator, tmp)
    with atomic_path(network_path) as tmp:
        keras_tmp = tmp.with_suffix(".keras")
        estimator.model_.save(keras_tmp)
        os.replace(keras_tmp, tmp)
    expected = estimator.predict_proba(X_check)
    reloaded = joblib.load(estimator_path).predict_proba(X_check)
    network = keras.saving.load_model(network_path, safe_mode=True)
    from_network = np.asarray(network.predict(
        X_check.reshape(len(X_check), -1).astype("float32"), verbose=0
    ))
    return {
        "estimator_file": estimator_path.name,
        "network_file": network_path.name,
        "reload_identical": bool(np.array_equal(expected, reloaded)),
        "network_reload_max_abs_diff": float(np.max(np.abs(expected - from_network))),
    }


def _save_all_models(runs, results, staging, X_check, config):
    """Save every seed's model; record its files and whether it reloads identically."""
    for key, estimators in runs.items():
        saved = [
            _save_models(estimator, _model_stem(key, entry["random_state"], config),
                         staging, X_check)
            for estimator, entry in zip(estimators, results[key]["seeds"])
        ]
        for entry, files in zip(results[key]["seeds"], saved):
            entry.update(files)
        results[key].update(
            saved[0],
            reload_identical=all(files["reload_identical"] for files in saved),
            network_reload_max_abs_diff=max(
                files["network_reload_max_abs_diff"] for files in saved),
        )


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")
