"""Tests for fetch_fashion_mnist, on the real Fashion-MNIST files.

The files come from the system copy of Debian's ``dataset-fashion-mnist``
package; downloads are tested against a local HTTP server that serves them.
"""

import functools
import gzip
import hashlib
import http.server
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from fmnist_estimators.datasets import _files, _idx, fetch_fashion_mnist

SYSTEM_DIR = Path("/usr/share/datasets/fashion-mnist")
FILES = _files._FILES
TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")
TEST_IMAGES, TEST_LABELS = TEST_FILES

if not all((SYSTEM_DIR / name).is_file() for name in FILES):
    pytest.skip(
        f"the real Fashion-MNIST files are not in {SYSTEM_DIR} "
        "(apt-get install dataset-fashion-mnist)",
        allow_module_level=True,
    )

EXPECTED_TARGET_NAMES = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def _is_original(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() == FILES[path.name][1]


def _unreachable_url():
    """A URL on a local port that nothing listens on: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


def _load_from_system(subset, tmp_dir):
    """Fetch with an empty data home and no mirror: only the system copy can serve."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_files, "_SYSTEM_DIRS", (str(SYSTEM_DIR),))
        mp.setattr(_files, "_MIRRORS", (_unreachable_url(),))
        return fetch_fashion_mnist(subset=subset, data_home=tmp_dir)


@pytest.fixture(scope="module")
def train_set(tmp_path_factory):
    return _load_from_system("train", tmp_path_factory.mktemp("data_home"))


@pytest.fixture(scope="module")
def test_set(tmp_path_factory):
    return _load_from_system("test", tmp_path_factory.mktemp("data_home"))


# --- The data itself ---------------------------------------------------------


@pytest.mark.parametrize("subset, n_samples", [("train", 60_000), ("test", 10_000)])
def test_split_shapes_dtypes_and_balance(subset, n_samples, train_set, test_set):
    bunch = {"train": train_set, "test": test_set}[subset]

    assert bunch.data.shape == (n_samples, 784)
    assert bunch.images.shape == (n_samples, 28, 28)
    assert bunch.target.shape == (n_samples,)
    assert bunch.data.dtype == np.uint8
    assert bunch.images.dtype == np.uint8
    assert bunch.target.dtype == np.int64
    assert bunch.data.min() == 0 and bunch.data.max() == 255
    # Every class is equally represented in both splits.
    np.testing.assert_array_equal(
        np.bincount(bunch.target, minlength=10), np.full(10, n_samples // 10)
    )
    # Both splits of the real data start with an ankle boot.
    assert bunch.target_names[bunch.target[0]] == "Ankle boot"


def test_images_are_the_rows_of_data(train_set):
    assert np.shares_memory(train_set.images, train_set.data)
    np.testing.assert_array_equal(
        train_set.images[123, 4], train_set.data[123, 4 * 28 : 5 * 28]
    )
    # Real images are centred objects on a black background: the side columns
    # are much darker than the middle one.
    column_means = train_set.images.mean(axis=(0, 1))
    assert column_means[[0, -1]].max() < 0.1 * column_means[14]


def test_pixel_statistics_match_the_published_ones(train_set):
    # The usual normalisation constants of Fashion-MNIST's training set.
    assert train_set.data.mean() / 255 == pytest.approx(0.2860, abs=1e-4)
    assert train_set.data.std(dtype=np.float32) / 255 == pytest.approx(0.3530, abs=1e-4)


def test_metadata(train_set):
    assert train_set.target_names == EXPECTED_TARGET_NAMES
    assert len(train_set.feature_names) == 784
    assert train_set.feature_names[:2] == ["pixel_0_0", "pixel_0_1"]
    assert train_set.feature_names[28] == "pixel_1_0"
    assert train_set.feature_names[-1] == "pixel_27_27"
    for fact in (
        "Zalando",
        "60,000",
        "10,000",
        "28x28",
        "MIT",
        "Xiao",
        str(SYSTEM_DIR),
    ):
        assert fact in train_set.DESCR


def test_arrays_are_writable(test_set):
    assert test_set.data.flags.writeable
    assert test_set.target.flags.writeable


def test_subset_all_is_train_then_test(train_set, test_set, tmp_path):
    bunch = _load_from_system("all", tmp_path)

    assert bunch.data.shape == (70_000, 784)
    assert bunch.images.shape == (70_000, 28, 28)
    np.testing.assert_array_equal(bunch.data[:60_000], train_set.data)
    np.testing.assert_array_equal(bunch.data[60_000:], test_set.data)
    np.testing.assert_array_equal(
        bunch.target, np.concatenate([train_set.target, test_set.target])
    )
    np.testing.assert_array_equal(np.bincount(bunch.target), np.full(10, 7000))


def test_return_X_y(test_set, tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "_SYSTEM_DIRS", (str(SYSTEM_DIR),))
    X, y = fetch_fashion_mnist(subset="test", data_home=tmp_path, return_X_y=True)

    np.testing.assert_array_equal(X, test_set.data)
    np.testing.assert_array_equal(y, test_set.target)


# --- Arguments ---------------------------------------------------------------


@pytest.mark.parametrize(
    "params, match",
    [
        # The message lists the allowed values, in no fixed order.
        (
            {"subset": "validation"},
            "(?=.*'subset')(?=.*'all')(?=.*'test')(?=.*'train')",
        ),
        ({"subset": None}, "'subset'"),
        ({"data_home": 3}, "'data_home'"),
        ({"download_if_missing": "yes"}, "'download_if_missing'"),
        ({"return_X_y": 1}, "'return_X_y'"),
    ],
)
def test_invalid_arguments(params, match):
    with pytest.raises(ValueError, match=match):
        fetch_fashion_mnist(**params)


def test_arguments_are_keyword_only():
    with pytest.raises(TypeError):
        fetch_fashion_mnist("train")


# --- Parsing -----------------------------------------------------------------


def _regzip(filename, edit):
    """The real file `filename`, uncompressed, edited, then gzipped again."""
    data = bytearray(gzip.decompress((SYSTEM_DIR / filename).read_bytes()))
    edit(data)
    return gzip.compress(bytes(data), compresslevel=1)


def test_parse_idx_reads_the_real_labels(test_set):
    raw = (SYSTEM_DIR / TEST_LABELS).read_bytes()
    labels = _idx._parse_idx(raw, TEST_LABELS, _idx._LABELS_MAGIC)

    np.testing.assert_array_equal(labels, test_set.target)


def test_parse_idx_rejects_a_wrong_magic_number():
    def swap_magic(data):
        data[3] = 0x03  # 2049 (labels) becomes 2051 (images)

    raw = _regzip(TEST_LABELS, swap_magic)
    with pytest.raises(ValueError, match=f"{TEST_LABELS} has magic number 2051"):
        _idx._parse_idx(raw, TEST_LABELS, _idx._LABELS_MAGIC)


def test_parse_idx_rejects_a_length_that_contradicts_the_header():
    def drop_last(data):
        del data[-1]

    raw = _regzip(TEST_IMAGES, drop_last)
    with pytest.raises(
        ValueError, match=rf"{TEST_IMAGES} declares shape \(10000, 28, 28\)"
    ):
        _idx._parse_idx(raw, TEST_IMAGES, _idx._IMAGES_MAGIC)


def test_parse_idx_rejects_data_that_is_not_gzip():
    raw = gzip.decompress((SYSTEM_DIR / TEST_LABELS).read_bytes())
    with pytest.raises(ValueError, match=f"{TEST_LABELS} is not a valid gzip file"):
        _idx._parse_idx(raw, TEST_LABELS, _idx._LABELS_MAGIC)


# --- Where the files come from -----------------------------------------------


def _files_in(directory):
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass

    def do_GET(self):
        # Under /cut/, announce the full file but close the connection halfway,
        # as a dropped connection does.
        if not self.path.startswith("/cut/"):
            return super().do_GET()
        body = (SYSTEM_DIR / Path(self.path).name).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A local HTTP server; returns the mirror URL of each kind of copy it serves.

    ``good`` holds the four original files; ``truncated`` and ``corrupt`` hold a
    damaged test-images file next to the good test labels.
    """
    root = tmp_path_factory.mktemp("mirror")
    (root / "good").mkdir()
    for name in FILES:
        shutil.copyfile(SYSTEM_DIR / name, root / "good" / name)
    images = (SYSTEM_DIR / TEST_IMAGES).read_bytes()
    flipped = np.frombuffer(images, dtype=np.uint8).copy()
    flipped[len(images) // 2 :: 4096] ^= 0xFF  # same size, different bytes
    damaged = {"truncated": images[:-1000], "corrupt": flipped.tobytes()}
    for kind, content in damaged.items():
        (root / kind).mkdir()
        (root / kind / TEST_IMAGES).write_bytes(content)
        shutil.copyfile(SYSTEM_DIR / TEST_LABELS, root / kind / TEST_LABELS)

    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}/"
    yield {kind: f"{base}{kind}/" for kind in ("good", "truncated", "corrupt", "cut")}
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def no_system_copy(monkeypatch):
    """No system copy, fast retries: only the data home and the mirrors count."""
    monkeypatch.setattr(_files, "_SYSTEM_DIRS", ())
    monkeypatch.setattr(_files, "_DOWNLOAD_ATTEMPTS", 2)
    monkeypatch.setattr(_files, "_RETRY_DELAY", 0.01)
    monkeypatch.setattr(_files, "_DOWNLOAD_TIMEOUT", 10)


def test_system_copy_is_used_without_downloading(test_set, tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "_SYSTEM_DIRS", (str(SYSTEM_DIR),))
    monkeypatch.setattr(_files, "_MIRRORS", (_unreachable_url(),))

    bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)

    np.testing.assert_array_equal(bunch.data, test_set.data)
    assert _files_in(tmp_path / "fashion_mnist") == []


def test_download_of_good_files(
    test_set, tmp_path, server, no_system_copy, monkeypatch
):
    monkeypatch.setattr(_files, "_MIRRORS", (server["good"],))

    bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)

    np.testing.assert_array_equal(bunch.data, test_set.data)
    np.testing.assert_array_equal(bunch.target, test_set.target)
    cache = tmp_path / "fashion_mnist"
    assert _files_in(cache) == sorted(TEST_FILES)  # and no temporary files
    assert all(_is_original(cache / name) for name in TEST_FILES)

    # The second time, the cache serves without any mirror.
    monkeypatch.setattr(_files, "_MIRRORS", (_unreachable_url(),))
    bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)
    np.testing.assert_array_equal(bunch.target, test_set.target)


def test_download_falls_back_to_the_next_mirror(
    test_set, tmp_path, server, no_system_copy, monkeypatch
):
    missing = server["good"].replace("/good/", "/nowhere/")  # answers 404
    monkeypatch.setattr(
        _files, "_MIRRORS", (_unreachable_url(), missing, server["good"])
    )

    with pytest.warns(UserWarning, match="retrying"):
        bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)

    np.testing.assert_array_equal(bunch.target, test_set.target)
    assert _files_in(tmp_path / "fashion_mnist") == sorted(TEST_FILES)


@pytest.mark.parametrize(
    "kind, reason",
    [
        ("truncated", "bytes instead of 4422079"),
        ("corrupt", "SHA-256 [0-9a-f]{64} instead of cc1d090a"),
        ("cut", "2211039 bytes instead of 4422079"),  # connection dropped halfway
    ],
)
def test_bad_download_is_rejected(
    kind, reason, tmp_path, server, no_system_copy, monkeypatch
):
    monkeypatch.setattr(_files, "_MIRRORS", (server[kind],))
    url = re.escape(f"{server[kind]}{TEST_IMAGES}")

    # The error names the file and the URL, and says what is wrong.
    with (
        pytest.warns(UserWarning, match=f"Downloading {url} failed"),
        pytest.raises(OSError, match=f"{TEST_IMAGES}.*\n  {url}: .*{reason}"),
    ):
        fetch_fashion_mnist(subset="test", data_home=tmp_path)

    assert _files_in(tmp_path / "fashion_mnist") == []


def test_unreachable_mirror(tmp_path, no_system_copy, monkeypatch):
    url = _unreachable_url()
    monkeypatch.setattr(_files, "_MIRRORS", (url,))

    file_url = re.escape(f"{url}{TEST_IMAGES}")
    with (
        pytest.warns(UserWarning, match="retrying") as record,
        pytest.raises(OSError, match=f"{TEST_IMAGES}.*\n  {file_url}: .*refused"),
    ):
        fetch_fashion_mnist(subset="test", data_home=tmp_path)

    assert len(record) == _files._DOWNLOAD_ATTEMPTS - 1
    assert _files_in(tmp_path / "fashion_mnist") == []


def _corrupt_cache(data_home, name):
    cache = data_home / "fashion_mnist"
    cache.mkdir()
    content = bytearray((SYSTEM_DIR / name).read_bytes())
    content[100] ^= 0xFF
    (cache / name).write_bytes(bytes(content))
    return cache


def test_bad_cached_file_is_replaced_by_a_download(
    test_set, tmp_path, server, no_system_copy, monkeypatch
):
    monkeypatch.setattr(_files, "_MIRRORS", (server["good"],))
    cache = _corrupt_cache(tmp_path, TEST_LABELS)

    with pytest.warns(UserWarning, match=f"bad cached file .*{TEST_LABELS}.*SHA-256"):
        bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)

    np.testing.assert_array_equal(bunch.target, test_set.target)
    assert _is_original(cache / TEST_LABELS)


def test_bad_cached_file_gives_way_to_the_system_copy(test_set, tmp_path, monkeypatch):
    monkeypatch.setattr(_files, "_SYSTEM_DIRS", (str(SYSTEM_DIR),))
    monkeypatch.setattr(_files, "_MIRRORS", (_unreachable_url(),))
    cache = _corrupt_cache(tmp_path, TEST_LABELS)

    with pytest.warns(UserWarning, match=f"bad cached file .*{TEST_LABELS}"):
        bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)

    np.testing.assert_array_equal(bunch.target, test_set.target)
    assert _files_in(cache) == []


def test_missing_files_without_download(tmp_path, no_system_copy, monkeypatch):
    monkeypatch.setattr(_files, "_SYSTEM_DIRS", (str(tmp_path / "system"),))

    with pytest.raises(FileNotFoundError) as excinfo:
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, download_if_missing=False
        )

    message = str(excinfo.value)
    for expected in (
        *TEST_FILES,
        str(tmp_path / "fashion_mnist"),
        str(tmp_path / "system"),
        "apt-get install dataset-fashion-mnist",
        "download_if_missing=True",
    ):
        assert expected in message
    assert "train-" not in message


@pytest.fixture
def bad_system_copy(tmp_path, monkeypatch):
    system = tmp_path / "system"
    system.mkdir()
    for name in TEST_FILES:
        shutil.copyfile(SYSTEM_DIR / name, system / name)
    (system / TEST_LABELS).write_bytes((SYSTEM_DIR / TEST_LABELS).read_bytes()[:-1])
    monkeypatch.setattr(_files, "_SYSTEM_DIRS", (str(system),))
    return system


def test_bad_system_copy_without_download(tmp_path, bad_system_copy):
    bad_file = bad_system_copy / TEST_LABELS
    with pytest.raises(OSError, match=rf"(?s){re.escape(str(bad_file))}.*--reinstall"):
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, download_if_missing=False
        )


def test_bad_system_copy_with_failed_download(tmp_path, bad_system_copy, monkeypatch):
    monkeypatch.setattr(_files, "_DOWNLOAD_ATTEMPTS", 1)
    monkeypatch.setattr(_files, "_MIRRORS", (_unreachable_url(),))

    bad_file = re.escape(str(bad_system_copy / TEST_LABELS))
    with pytest.raises(OSError, match=f"(?s){bad_file}.*--reinstall.*refused"):
        fetch_fashion_mnist(subset="test", data_home=tmp_path)


def test_bad_system_copy_is_replaced_by_a_download(
    test_set, tmp_path, bad_system_copy, server, monkeypatch
):
    monkeypatch.setattr(_files, "_MIRRORS", (server["good"],))

    bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path)

    np.testing.assert_array_equal(bunch.target, test_set.target)
    # Only the damaged file was downloaded; the good system copy still served.
    assert _files_in(tmp_path / "fashion_mnist") == [TEST_LABELS]


def test_concurrent_fetches_share_the_cache(tmp_path, server):
    """Two processes downloading the same files at once both get good data."""
    script = textwrap.dedent(f"""
        import sys
        from fmnist_estimators.datasets import _files, fetch_fashion_mnist
        _files._SYSTEM_DIRS = ()
        _files._MIRRORS = ({server["good"]!r},)
        print("ready", flush=True)
        sys.stdin.readline()
        bunch = fetch_fashion_mnist(subset="all", data_home={str(tmp_path)!r})
        print(bunch.data.shape, bunch.data.sum(), bunch.target.sum())
        """)
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        # Release both only once both are imported, so that the downloads overlap.
        for process in processes:
            assert process.stdout.readline() == "ready\n", process.stderr.read()
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        outputs = [process.communicate(timeout=60) for process in processes]
    finally:
        for process in processes:
            process.kill()

    for process, (_, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][0].startswith("(70000, 784)")
    cache = tmp_path / "fashion_mnist"
    assert _files_in(cache) == sorted(FILES)
    assert all(_is_original(cache / name) for name in FILES)
