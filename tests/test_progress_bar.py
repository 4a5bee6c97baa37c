"""The ``verbose=1`` progress bar counts an epoch's training steps and the epochs."""

import os
import re
import subprocess
import sys
import textwrap

import pytest

from fmnist_estimators import ANNClassifier

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def bar_counts(output):
    """The ``done/total`` pairs of the progress bars in ``output``."""
    lines = ANSI.sub("", output).replace("\r", "\n").splitlines()
    return [
        tuple(int(n) for n in match.groups())
        for line in lines if "/step" in line
        for match in [re.match(r"\s*(\d+)/(\d+) ", line)] if match
    ]


@pytest.fixture(scope="module")
def data(fashion_train):
    # 2,700 training images after the 10% hold-out: 22 steps of 128, fewer
    # than the 32 steps of one call into the backend (Keras' bar read "32/22").
    X, y = fashion_train
    return X[:3000], y[:3000]


def test_fit_bar_counts_training_steps(data, capsys):
    X, y = data
    clf = ANNClassifier(hidden_layer_sizes=(16,), epochs=2, verbose=1, random_state=0)
    capsys.readouterr()
    clf.fit(X, y)
    output = capsys.readouterr().out
    counts = bar_counts(output)
    assert counts, output
    assert {total for _, total in counts} == {22}, output
    assert all(done <= total for done, total in counts), output
    assert counts[-1] == (22, 22), output
    assert "Epoch 1/2" in output and "Epoch 2/2" in output and "Epoch 3" not in output


def test_partial_fit_bar_counts_epochs_and_steps(data, capsys):
    X, y = data
    clf = ANNClassifier(hidden_layer_sizes=(16,), verbose=1, random_state=0)
    clf.partial_fit(X, y)
    capsys.readouterr()
    clf.partial_fit(X, y)
    output = capsys.readouterr().out
    assert set(bar_counts(output)) == {(22, 22)}, output
    assert "Epoch 2/2" in output, output


@pytest.mark.parametrize("scanned", [False, True], ids=["cpu-loop", "scanned"])
def test_bar_counts_training_steps_on_jax(scanned):
    # A scanned call into the backend trains a whole execution of up to 32
    # steps, here the whole epoch: Keras' bar counted those calls ("1/1").
    # A CPU keeps Keras' loop unless told otherwise.
    pytest.importorskip("jax")
    script = textwrap.dedent(
        f"""
        import contextlib, io
        from fmnist_estimators import ANNClassifier
        from fmnist_estimators._backend import _jax_steps
        from fmnist_estimators.datasets import fetch_fashion_mnist
        if {scanned}:
            _jax_steps._LOOPED_PLATFORMS = frozenset()
        train = fetch_fashion_mnist(subset="train")
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            ANNClassifier(hidden_layer_sizes=(16,), epochs=1, verbose=1,
                          random_state=0).fit(train.images[:3000], train.target[:3000])
        print(out.getvalue())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "KERAS_BACKEND": "jax"},
        capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    counts = bar_counts(result.stdout)
    assert counts and counts[-1] == (22, 22), result.stdout
    assert {total for _, total in counts} == {22}, result.stdout
