"""Optuna studies kept in real databases: resumed, shared by workers, guarded.

SQLite files in a temporary folder, and a PostgreSQL server that a fixture
starts on 127.0.0.1 from Debian's ``postgresql`` binaries (skipped, with the
reason, where they are not installed). Trials are tiny: the ANN for one epoch
on a few hundred real Fashion-MNIST images.
"""

import json
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

optuna = pytest.importorskip("optuna")

from fmnist_estimators import ANNClassifier  # noqa: E402
from fmnist_estimators import _cli  # noqa: E402
from fmnist_estimators.model_selection import (  # noqa: E402
    ann_search_space,
    optuna_results_table,
    optuna_storage,
    tune_with_optuna,
)
from fmnist_estimators.model_selection._optuna_storage import StudyConflictError  # noqa: E402

N_IMAGES = 300
FINISHED = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)
PASSWORD = "pg-s3cret"
# Workers keep to one thread each: two of them share the machine's cores.
WORKER_ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "TF_NUM_INTRAOP_THREADS": "1",
              "TF_NUM_INTEROP_THREADS": "1", "OMP_NUM_THREADS": "1"}

# A worker process: the tiny search, on the study given on its command line.
WORKER = textwrap.dedent("""
    import json, os, sys, time
    url, name, n_trials, pause = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    wait_for_running = sys.argv[5] == "1"
    import optuna
    from fmnist_estimators import ANNClassifier
    from fmnist_estimators.datasets import fetch_fashion_mnist
    from fmnist_estimators.model_selection import (
        ann_search_space, optuna_storage, tune_with_optuna)

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)

    def space(trial):
        params = ann_search_space(trial)
        if pause and trial.study.study_name == name:  # not the throw-away trial
            time.sleep(pause)  # holds the trial "running" for the test to kill it
        return params

    storage = optuna_storage(url, heartbeat_interval=1, grace_period=5)
    # Started with the slow worker, this one waits until that one holds a trial.
    while wait_for_running:
        try:
            other = optuna.load_study(study_name=name, storage=storage)
        except KeyError:
            other = None
        if other and other.get_trials(states=(optuna.trial.TrialState.RUNNING,)):
            break
        time.sleep(0.2)

    study = tune_with_optuna(
        ANNClassifier(epochs=1), space, X[:{n}], y[:{n}], n_trials=n_trials,
        random_state=0, study_name=name, load_if_exists=True, storage=storage,
    )
    print(json.dumps({{"pid": os.getpid(), "trials": len(study.trials)}}))
""").format(n=N_IMAGES)


@pytest.fixture(scope="module")
def data(fashion_train):
    X, y = fashion_train
    return X[:N_IMAGES], y[:N_IMAGES]


def _finished(study):
    return study.get_trials(deepcopy=False, states=FINISHED)


def _start_worker(script, url, name, n_trials, pause=0.0, wait_for_running=False):
    return subprocess.Popen(
        [sys.executable, str(script), url, name, str(n_trials), str(pause),
         str(int(wait_for_running))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=WORKER_ENV,
    )


def _finish(process, timeout=600):
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
    assert process.returncode == 0, stderr[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])


def _wait_for(condition, what, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


def _worker_of(trial):
    return int(trial.user_attrs.get("worker", ":-1").rsplit(":", 1)[1])


def _assert_one_study_of(study, n_trials):
    """Exactly n_trials finished, none still running, no trial run twice."""
    finished = _finished(study)
    assert len(finished) == n_trials
    assert not study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
    numbers = [t.number for t in study.trials]
    assert len(set(numbers)) == len(numbers)
    # The sampler is not seeded on a storage: no two workers repeat a point.
    rates = [t.params["learning_rate"] for t in finished]
    assert len(set(rates)) == len(rates), rates
    assert all(t.user_attrs["params"] and "worker" in t.user_attrs for t in finished)


def test_two_workers_one_killed_and_restarted_share_one_sqlite_study(tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    url, name, n_trials = f"sqlite:///{tmp_path / 'tune.db'}", "shared", 4
    storage = optuna_storage(url, heartbeat_interval=1, grace_period=5)

    # The slow worker's trials stay running (it sleeps in them) until it is
    # killed; the fast one starts its trials once the slow one holds one.
    slow = _start_worker(script, url, name, n_trials, pause=600)
    fast = _start_worker(script, url, name, n_trials, wait_for_running=True)
    try:
        def running_trial_of_slow():
            try:
                study = optuna.load_study(study_name=name, storage=storage)
            except KeyError:  # not created yet
                return None
            return next((t for t in study.get_trials(states=(optuna.trial.TrialState.RUNNING,))
                         if _worker_of(t) == slow.pid), None)

        killed = _wait_for(running_trial_of_slow, "the slow worker's first trial")
        study = optuna.load_study(study_name=name, storage=storage)
        _wait_for(lambda: [t for t in _finished(study) if _worker_of(t) == fast.pid],
                  "a trial of the second worker while the first one runs")
        assert slow.poll() is None  # both were running at once
        slow.send_signal(signal.SIGKILL)
        slow.wait()
        before_kill = {t.number: (t.value, t.user_attrs["params"]) for t in _finished(study)}
        restarted = _start_worker(script, url, name, n_trials)
        _finish(fast)
        _finish(restarted)
    finally:
        for process in (slow, fast):
            if process.poll() is None:
                process.kill()

    study = optuna.load_study(study_name=name, storage=storage)
    _assert_one_study_of(study, n_trials)
    # The killed worker's trial was failed through its stopped heartbeat.
    assert study.trials[killed.number].state == optuna.trial.TrialState.FAIL
    after = {t.number: (t.value, t.user_attrs["params"]) for t in _finished(study)}
    assert before_kill and before_kill.items() <= after.items()
    table = optuna_results_table(study)
    assert sorted(table["state"]).count("fail") == 1
    assert (table["state"] != "fail").sum() == n_trials


def test_a_search_stopped_by_ctrl_c_resumes_with_its_finished_trials(tmp_path, data):
    X, y = data
    url = f"sqlite:///{tmp_path / 'tune.db'}"

    def stopped_in_second_trial(trial):
        params = ann_search_space(trial)
        if trial.study.study_name == "ctrl-c" and trial.number == 1:
            raise KeyboardInterrupt
        return params

    with pytest.raises(KeyboardInterrupt):
        tune_with_optuna(ANNClassifier(epochs=1), stopped_in_second_trial, X, y, n_trials=3,
                         random_state=0, storage=url, study_name="ctrl-c")
    stopped = optuna.load_study(study_name="ctrl-c", storage=url)
    assert [t.state.name for t in stopped.trials] == ["COMPLETE", "FAIL"]
    first = stopped.trials[0]

    study = tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, n_trials=3,
                             random_state=0, storage=url, study_name="ctrl-c",
                             load_if_exists=True)

    assert [t.state.name for t in study.trials] == ["COMPLETE", "FAIL", "COMPLETE", "COMPLETE"]
    kept = study.trials[0]
    assert (kept.value, kept.params, kept.datetime_complete) == (
        first.value, first.params, first.datetime_complete)
    # A study that has its trials runs none more.
    again = tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, n_trials=3,
                             storage=url, study_name="ctrl-c", load_if_exists=True)
    assert len(again.trials) == 4


@pytest.fixture(scope="module")
def base_study(tmp_path_factory, fashion_train):
    """A SQLite study of one finished trial: the ANN space, 1 epoch, seed 0."""
    X, y = fashion_train
    url = f"sqlite:///{tmp_path_factory.mktemp('base') / 'tune.db'}"
    tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X[:N_IMAGES], y[:N_IMAGES],
                     n_trials=1, random_state=0, storage=url, study_name="base")
    return url


def _extra_parameter(trial):
    params = ann_search_space(trial)
    trial.suggest_float("extra", 0.0, 1.0)
    return params


def _narrower_layers(trial):
    first = trial.suggest_categorical("first_layer", [64, 128])
    return {
        "learning_rate": trial.suggest_float("learning_rate", 3e-4, 1e-2, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [64, 128, 256]),
        "dropout": trial.suggest_float("dropout", 0.0, 0.5),
        "hidden_layer_sizes": (first, first // 2),
    }


CONFLICTS = {
    "space with another parameter": (
        {"search_space": _extra_parameter}, "extra only in this space"),
    "space with other choices": (
        {"search_space": _narrower_layers},
        "first_layer is CategoricalDistribution(choices=(128, 256, 512)) there, "
        "CategoricalDistribution(choices=(64, 128)) here"),
    "epochs": ({"estimator": ANNClassifier(epochs=2)}, "epochs 1 there, 2 here"),
    "estimator": ({"estimator": "cnn"}, "estimator 'ANNClassifier' there, 'CNNClassifier'"),
    "data": ({"n_images": N_IMAGES - 100}, "training images 300 there, 200 here"),
    "hold-out": ({"validation_fraction": 0.2}, "validation_fraction 0.1 there, 0.2 here"),
    "seed": ({"random_state": 1}, "random_state 0 there, 1 here"),
}


@pytest.mark.parametrize("change, expected", CONFLICTS.values(), ids=list(CONFLICTS))
def test_a_study_refuses_trials_of_another_search(base_study, fashion_train, change, expected):
    from fmnist_estimators import CNNClassifier

    X, y = fashion_train
    change = dict(change)
    n = change.pop("n_images", N_IMAGES)
    kwargs = {"estimator": ANNClassifier(epochs=1), "search_space": ann_search_space,
              "random_state": 0, **change}
    if kwargs["estimator"] == "cnn":
        kwargs["estimator"] = CNNClassifier(epochs=1)
    estimator, space = kwargs.pop("estimator"), kwargs.pop("search_space")

    with pytest.raises(StudyConflictError) as error:
        tune_with_optuna(estimator, space, X[:n], y[:n], n_trials=2, storage=base_study,
                         study_name="base", load_if_exists=True, **kwargs)

    message = str(error.value)
    assert message.startswith(f"Study 'base' in {base_study} was created for another search")
    assert expected in message
    assert len(optuna.load_study(study_name="base", storage=base_study).trials) == 1


def test_the_same_search_joins_and_takes_the_stored_seed(base_study, data):
    X, y = data
    study = tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, n_trials=1,
                             storage=base_study, study_name="base", load_if_exists=True)
    assert len(study.trials) == 1  # n_trials is the study's total: nothing more to run
    assert study.user_attrs["fmnist_estimators_search"]["holdout_seed"] == 0


def test_an_existing_study_needs_load_if_exists(base_study, data):
    X, y = data
    with pytest.raises(StudyConflictError, match=(
            f"Study 'base' already exists in {base_study}; pass load_if_exists=True")):
        tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, n_trials=2,
                         random_state=0, storage=base_study, study_name="base")


def test_a_study_of_another_direction_or_objective_is_refused(tmp_path, data):
    X, y = data
    url = f"sqlite:///{tmp_path / 'tune.db'}"
    optuna.create_study(storage=url, study_name="loss", direction="minimize")
    other = optuna.create_study(storage=url, study_name="other", direction="maximize")
    other.optimize(lambda trial: trial.suggest_float("x", 0, 1), n_trials=1)

    with pytest.raises(StudyConflictError, match=(
            "Study 'loss' in .* has direction minimize, but this search maximizes")):
        tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, storage=url,
                         study_name="loss", load_if_exists=True)
    with pytest.raises(StudyConflictError, match="1 trial.* that tune_with_optuna did not run"):
        tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, storage=url,
                         study_name="other", load_if_exists=True)


@pytest.mark.parametrize(
    "kwargs, error, expected",
    [
        ({"study": "in memory", "storage": "sqlite:///x.db"}, ValueError,
         "either a study or a storage"),
        ({"load_if_exists": True}, ValueError, "needs a storage"),
        ({"n_trials": 0}, ValueError, "n_trials must be a positive integer, got 0"),
        ({"storage": "not a url"}, ValueError, "Not a database URL: 'not a url'"),
        ({"storage": "nosuchdb://host/db"}, ValueError, "names a database SQLAlchemy does not"),
    ],
)
def test_bad_arguments(kwargs, error, expected, data):
    X, y = data
    if kwargs.get("study") == "in memory":
        kwargs["study"] = optuna.create_study(direction="maximize")
    with pytest.raises(error, match=expected):
        tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, **kwargs)


def _closed_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_unopenable_sqlite_file_fails_at_once(tmp_path, data):
    X, y = data
    url = f"sqlite:///{tmp_path / 'missing' / 'tune.db'}"
    with pytest.raises(ConnectionError) as error:
        tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, storage=url)
    assert str(error.value) == (
        f"Cannot reach the Optuna storage {url}: unable to open database file "
        "(does its folder exist?)"
    )
    assert not (tmp_path / "missing").exists()


def test_an_unreachable_postgresql_server_is_named_with_its_password_masked():
    pytest.importorskip("psycopg")
    port = _closed_port()
    with pytest.raises(ConnectionError) as error:
        optuna_storage(f"postgresql://tuner:{PASSWORD}@127.0.0.1:{port}/tune")
    message = str(error.value)
    assert message.startswith(
        f"Cannot reach the Optuna storage postgresql://tuner:***@127.0.0.1:{port}/tune: ")
    assert "Connection refused" in message and "\n" not in message
    assert PASSWORD not in message


def test_a_server_that_never_answers_is_given_up_on():
    pytest.importorskip("psycopg")
    with socket.socket() as silent:  # accepts connections (backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = f"postgresql://tuner:{PASSWORD}@127.0.0.1:{silent.getsockname()[1]}/tune"
        outcome = []

        def connect():
            try:
                optuna_storage(url, connect_timeout=1)
            except Exception as error:
                outcome.append(error)

        attempt = threading.Thread(target=connect, daemon=True)
        attempt.start()
        attempt.join(120)  # a bound on a hang, not a timing: connect_timeout ends it
    assert not attempt.is_alive()
    assert isinstance(outcome[0], ConnectionError)
    assert "timeout" in str(outcome[0]) and PASSWORD not in str(outcome[0])


# --- PostgreSQL ----------------------------------------------------------------


def _postgres_binaries():
    found = shutil.which("pg_ctl")
    folders = [Path(found).resolve().parent] if found else []
    folders += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((f for f in folders if (f / "initdb").is_file() and (f / "pg_ctl").is_file()),
                None)


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL server on 127.0.0.1 in a temporary data folder, with a password."""
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed "
                        "(pip install 'fmnist-estimators[postgres]')")
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL binaries (initdb, pg_ctl) not found: apt-get install postgresql")
    root = Path(tempfile.mkdtemp(prefix="fmnist-postgres-"))
    as_user = []
    (root / "password").write_text(PASSWORD)
    if os.geteuid() == 0:  # initdb refuses root: run the server as Debian's postgres user
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(root)
            pytest.skip("running as root, and there is no 'postgres' user to run initdb as")
        for path in (root, root / "password"):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log, port = root / "data", root / "server.log", _closed_port()

    def run(*command):
        return subprocess.run([*as_user, *map(str, command)], capture_output=True, text=True,
                              timeout=120, check=True)

    try:
        run(binaries / "initdb", "-D", data, "-U", "postgres", f"--pwfile={root / 'password'}",
            "--auth-host=scram-sha-256", "--auth-local=trust", "--no-sync", "-E", "UTF8")
        run(binaries / "pg_ctl", "-D", data, "-l", log, "-w", "-t", "60", "-o",
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=off", "start")
    except subprocess.CalledProcessError as error:
        server_log = log.read_text() if log.exists() else ""
        shutil.rmtree(root, ignore_errors=True)
        pytest.fail(f"PostgreSQL did not start: {shlex.join(error.cmd)}: {error.stderr}"
                    f"{server_log}")
    try:
        yield f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres"
    finally:
        run(binaries / "pg_ctl", "-D", data, "-m", "fast", "-w", "stop")
        shutil.rmtree(root, ignore_errors=True)


def test_two_workers_share_one_postgresql_study(postgres_url, tmp_path):
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    n_trials = 3
    workers = [_start_worker(script, postgres_url, "pg-shared", n_trials) for _ in range(2)]
    results = [_finish(worker) for worker in workers]

    study = optuna.load_study(study_name="pg-shared", storage=optuna_storage(postgres_url))
    _assert_one_study_of(study, n_trials)
    assert {r["pid"] for r in results} == {w.pid for w in workers}
    assert len(optuna_results_table(study)) == n_trials


def test_a_postgresql_study_resumes_and_refuses_another_search(postgres_url, data):
    X, y = data
    first = tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, n_trials=1,
                             random_state=0, storage=postgres_url, study_name="pg-resume")
    study = tune_with_optuna(ANNClassifier(epochs=1), ann_search_space, X, y, n_trials=2,
                             random_state=0, storage=postgres_url, study_name="pg-resume",
                             load_if_exists=True)
    assert [t.state.name for t in study.trials] == ["COMPLETE", "COMPLETE"]
    assert study.trials[0].value == first.trials[0].value
    # Tuples come back from the database as lists; the table shows them as tuples.
    assert optuna_results_table(study)["hidden_layer_sizes"].str.startswith("(").all()
    with pytest.raises(StudyConflictError, match="epochs 1 there, 3 here"):
        tune_with_optuna(ANNClassifier(epochs=3), ann_search_space, X, y, n_trials=3,
                         random_state=0, storage=postgres_url, study_name="pg-resume",
                         load_if_exists=True)


def test_a_wrong_postgresql_password_is_a_clear_error(postgres_url):
    wrong = postgres_url.replace(PASSWORD, "not-the-password")
    with pytest.raises(ConnectionError) as error:
        optuna_storage(wrong)
    message = str(error.value)
    assert "postgresql://postgres:***@127.0.0.1:" in message
    assert "password authentication failed" in message
    assert "not-the-password" not in message


# --- command line -----------------------------------------------------------------


def _cli_refusal(args, cwd):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "fmnist_estimators", *args],
        cwd=cwd, capture_output=True, text=True, timeout=120, env=WORKER_ENV,
    )
    lines = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    modules = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()
               if line.startswith("import time:")]
    return result.returncode, lines, modules


@pytest.mark.parametrize(
    "args, expected",
    [
        ("tune --storage sqlite:///t.db", "--storage keeps an Optuna study; it needs --search "
         "optuna, not grid"),
        ("tune --resume", "--study-name and --resume name a study in --storage, which is "
         "not given"),
        ("study --tune-study-name s", "--tune-study-name and --tune-resume name a study in "
         "--tune-storage"),
        ("study --tune-storage sqlite:///t.db --tune-trials 0", "--tune-storage keeps the "
         "study of the Optuna step, which --tune-trials 0 or --models without cnn skips"),
        ("tune --search optuna --storage sqlite:///t.db --study-name taken",
         "study 'taken' already exists in sqlite:///t.db; pass --resume to continue it"),
        ("study --tune-storage sqlite:///t.db --tune-study-name taken",
         "study 'taken' already exists in sqlite:///t.db; pass --tune-resume"),
        ("tune --search optuna --storage sqlite:///missing/t.db", "Cannot reach the Optuna "
         "storage sqlite:///missing/t.db: unable to open database file"),
        (f"tune --search optuna --storage postgresql://tuner:{PASSWORD}@127.0.0.1:PORT/tune",
         "Cannot reach the Optuna storage postgresql://tuner:***@127.0.0.1:PORT/tune"),
    ],
)
def test_storage_options_are_refused_in_one_line_before_tensorflow(args, expected, tmp_path):
    if "postgresql" in args:
        pytest.importorskip("psycopg")
        port = str(_closed_port())
        args, expected = args.replace("PORT", port), expected.replace("PORT", port)
    optuna.create_study(storage=f"sqlite:///{tmp_path / 't.db'}", study_name="taken")

    status, lines, modules = _cli_refusal(shlex.split(args), tmp_path)

    assert status == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"fmnist-estimators {args.split()[0]}: error: ")
    assert expected in lines[0]
    assert PASSWORD not in lines[0]
    assert "fmnist_estimators._cli" in modules
    assert not [m for m in modules if m.split(".")[0] in ("tensorflow", "keras", "jax")]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.db"]


def test_tune_command_resumes_a_study(tmp_path, capsys):
    common = ["tune", "--model", "ann", "--search", "optuna", "--epochs", "1",
              "--n-train", str(N_IMAGES), "--storage", f"sqlite:///{tmp_path / 't.db'}",
              "--study-name", "cli"]
    assert _cli.main([*common, "--n-trials", "2", "--output", str(tmp_path / "one")]) == 0
    assert _cli.main([*common, "--n-trials", "3", "--resume",
                      "--output", str(tmp_path / "two")]) == 0
    out = capsys.readouterr().out
    assert "Optuna study 'cli' in sqlite:///" in out
    assert "trial 3: complete (3/3 finished in the study)" in out

    one = json.loads((tmp_path / "one" / "best.json").read_text())
    two = json.loads((tmp_path / "two" / "best.json").read_text())
    assert one["optuna_study"]["n_finished_trials"] == 2
    assert two["optuna_study"] == {"name": "cli", "storage": f"sqlite:///{tmp_path / 't.db'}",
                                   "n_finished_trials": 3}
    assert two["validation_accuracy"] >= one["validation_accuracy"]

    # The CNN's space on the ANN's study: refused once the data is loaded.
    status = _cli.main([*common[:2], "cnn", *common[3:], "--resume",
                        "--output", str(tmp_path / "three")])
    assert status == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert error[-1].startswith("fmnist-estimators tune: error: Study 'cli' in sqlite:///")
    assert "was created for another search" in error[-1]
    assert not (tmp_path / "three").exists()


def test_study_command_passes_its_storage_to_the_optuna_step(tmp_path, monkeypatch):
    from fmnist_estimators import study as study_package

    seen = {}
    monkeypatch.setattr(study_package, "run_study",
                        lambda config, output, **kwargs: seen.update(kwargs))
    url = f"sqlite:///{tmp_path / 't.db'}"
    assert _cli.main(["study", "--tune-storage", url, "--tune-resume",
                      "--output", str(tmp_path / "out")]) == 0
    assert isinstance(seen["tune_storage"], optuna.storages.RDBStorage)
    assert seen["tune_study_name"] == "fmnist-study-tuned-cnn"
    assert seen["tune_load_if_exists"] is True


def test_the_study_runner_keeps_its_optuna_trials_in_the_storage(tmp_path, data):
    from fmnist_estimators.study import StudyConfig, _fitting

    X, y = data
    url = f"sqlite:///{tmp_path / 't.db'}"
    config = StudyConfig(models=("cnn",), tune_trials=2, tune_epochs=1)
    study, table = _fitting._optuna_search(config, X, y, lambda line: None, storage=url,
                                           study_name="runner", load_if_exists=False)
    stored = optuna.load_study(study_name="runner", storage=url)
    assert len(_finished(stored)) == 2 == len(table)
    assert stored.user_attrs["fmnist_estimators_search"]["estimator"] == "CNNClassifier"
