"""Loader for the Fashion-MNIST data set (Xiao, Rasul and Vollgraf, 2017)."""

import contextlib
import gzip
import hashlib
import http.client
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

logger = logging.getLogger(__name__)

# Size in bytes and SHA-256 of each original ``.gz`` file; every copy is checked
# against them, whatever its source.
_FILES = {
    "train-images-idx3-ubyte.gz": (
        26421856,
        "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    ),
    "train-labels-idx1-ubyte.gz": (
        29491,
        "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    ),
    "t10k-images-idx3-ubyte.gz": (
        4422079,
        "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    ),
    "t10k-labels-idx1-ubyte.gz": (
        5125,
        "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
    ),
}

# (images file, labels file) for each split.
_SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_SUBSETS = {"train": ("train",), "test": ("test",), "all": ("train", "test")}

# Where Debian's ``dataset-fashion-mnist`` package installs the original files.
_SYSTEM_DIRS = ("/usr/share/datasets/fashion-mnist",)

# The upstream mirror is an S3 website endpoint, which only speaks plain HTTP;
# that is safe here because every download is checked against its SHA-256.
_MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)
_DOWNLOAD_TIMEOUT = 60  # seconds without data before a connection is dropped
_DOWNLOAD_ATTEMPTS = 3  # per mirror
_RETRY_DELAY = 1.0  # seconds before the first retry, doubled after each one
_CHUNK_SIZE = 1 << 16

_IMAGES_MAGIC = 2051
_LABELS_MAGIC = 2049

_TARGET_NAMES = [
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

_DESCR = """\
.. _fashion_mnist_dataset:

Fashion-MNIST dataset
---------------------

Fashion-MNIST is a data set of Zalando's article images, published by Zalando
Research as a drop-in replacement for MNIST: same image size, same file format
and same train/test split sizes, but a harder classification task.

**Data Set Characteristics:**

:Number of Instances: 70,000 (60,000 train, 10,000 test)
:Number of Attributes: 784 (28x28 grayscale pixels, uint8 in 0..255,
    0 is background)
:Classes: 10, balanced (6,000 train and 1,000 test images each):
    0 T-shirt/top, 1 Trouser, 2 Pullover, 3 Dress, 4 Coat, 5 Sandal,
    6 Shirt, 7 Sneaker, 8 Bag, 9 Ankle boot
:Source: https://github.com/zalandoresearch/fashion-mnist
:License: MIT, Copyright (c) 2017 Zalando SE

The four original idx files (``train-images-idx3-ubyte.gz``,
``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
``t10k-labels-idx1-ubyte.gz``) are searched, in this order, in the data
home ({data_home}), in the system copy that the Debian package
``dataset-fashion-mnist`` installs ({system_dirs}), and finally downloaded
into the data home. Every file is checked against its known size and SHA-256.

.. dropdown:: References

  - Han Xiao, Kashif Rasul and Roland Vollgraf (2017). Fashion-MNIST: a Novel
    Image Dataset for Benchmarking Machine Learning Algorithms.
    arXiv:1708.07747.
"""


class _ChecksumError(OSError):
    """A file whose size or SHA-256 is not the expected one."""


def _check(filename, n_bytes, sha256=None):
    """Raise `_ChecksumError` unless size and SHA-256 match the original file."""
    expected_size, expected_sha256 = _FILES[filename]
    if n_bytes != expected_size:
        raise _ChecksumError(
            f"{filename} has {n_bytes} bytes instead of {expected_size} "
            "(truncated or not the original file)"
        )
    if sha256 is not None and sha256 != expected_sha256:
        raise _ChecksumError(
            f"{filename} has SHA-256 {sha256} instead of {expected_sha256} "
            "(corrupt or not the original file)"
        )


def _read_checked(path, filename):
    """Return the bytes of `path` if it holds the original `filename`.

    Raises `_ChecksumError` otherwise. Checking the very bytes that are then
    parsed leaves no window for the file to change in between.
    """
    # The size first, to avoid reading and hashing a wrong large file.
    _check(filename, path.stat().st_size)
    raw = path.read_bytes()
    _check(filename, len(raw), hashlib.sha256(raw).hexdigest())
    return raw


def _download_once(url, path, filename):
    """Download `url` to `path` through a temporary file, checking it first."""
    size = _FILES[filename][0]
    # A unique temporary name in the target directory, then an atomic rename:
    # concurrent fetches never see, or leave behind, a partial file.
    tmp = tempfile.NamedTemporaryFile(
        prefix=f"{filename}.part-", dir=path.parent, delete=False
    )
    try:
        with tmp, urllib.request.urlopen(url, timeout=_DOWNLOAD_TIMEOUT) as response:
            digest = hashlib.sha256()
            n_bytes = 0
            # Stop reading past the expected size: a wrong file is rejected
            # below anyway, and need not be downloaded whole.
            while n_bytes <= size and (chunk := response.read(_CHUNK_SIZE)):
                tmp.write(chunk)
                digest.update(chunk)
                n_bytes += len(chunk)
        _check(filename, n_bytes, digest.hexdigest())
        os.replace(tmp.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp.name)
        raise


def _download(filename, data_home):
    """Download `filename` into `data_home`, trying each mirror in turn.

    Returns the checked bytes of the downloaded file.
    """
    os.makedirs(data_home, exist_ok=True)
    path = data_home / filename
    failures = []
    for mirror in _MIRRORS:
        url = mirror + filename
        for attempt in range(_DOWNLOAD_ATTEMPTS):
            logger.info("Downloading %s to %s", url, path)
            try:
                _download_once(url, path, filename)
            # HTTPException: a broken response, e.g. a cut chunked transfer.
            except (OSError, http.client.HTTPException) as exc:
                failures.append(f"{url}: {exc}")
                # A file the server does not have will not appear on retry.
                if isinstance(exc, urllib.error.HTTPError) and exc.code < 500:
                    break
                if attempt + 1 < _DOWNLOAD_ATTEMPTS:
                    delay = _RETRY_DELAY * 2**attempt
                    warnings.warn(
                        f"Downloading {url} failed ({exc}); retrying in {delay:g} s.",
                        stacklevel=2,
                    )
                    time.sleep(delay)
            else:
                return _read_checked(path, filename)
    raise OSError(
        f"Could not download the Fashion-MNIST file {filename} into {data_home}:\n  "
        + "\n  ".join(failures)
    )


def _load_raw(filename, data_home, download_if_missing):
    """Return the checked bytes of `filename` and where they came from.

    Looks in `data_home`, then in the system directories, then downloads into
    `data_home` if `download_if_missing`. Returns ``(raw, path, origin)`` with
    `origin` one of ``"cache"``, ``"system"`` and ``"download"``, or
    ``(None, None, None)`` if the file is not available.
    """
    cached = data_home / filename
    if cached.exists():
        try:
            return _read_checked(cached, filename), cached, "cache"
        except _ChecksumError as exc:
            warnings.warn(
                f"Ignoring and removing the bad cached file {cached}: {exc}.",
                stacklevel=2,
            )
            # The copy is useless either way; if it cannot be removed, a
            # download still replaces it.
            with contextlib.suppress(OSError):
                cached.unlink()

    bad_system_copies = []
    for directory in _SYSTEM_DIRS:
        path = Path(directory) / filename
        if path.exists():
            try:
                return _read_checked(path, filename), path, "system"
            except _ChecksumError as exc:
                bad_system_copies.append(f"{path}: {exc}")

    reinstall = (
        "The system copy of Fashion-MNIST is damaged:\n  "
        + "\n  ".join(bad_system_copies)
        + "\nReinstall it with 'apt-get install --reinstall dataset-fashion-mnist'"
    )
    if download_if_missing:
        try:
            return _download(filename, data_home), data_home / filename, "download"
        except OSError as exc:
            if bad_system_copies:
                raise OSError(f"{reinstall}.\n{exc}") from exc
            raise
    if bad_system_copies:
        raise OSError(f"{reinstall}, or pass download_if_missing=True.")
    return None, None, None


def _parse_idx(raw, filename, magic):
    """Parse a gzipped idx file into a uint8 array, checking its header.

    The idx format is a big-endian int32 magic number, one int32 per
    dimension (the number of dimensions is the magic's low byte), then the
    uint8 values in C order.
    """
    try:
        data = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError(f"{filename} is not a valid gzip file: {exc}") from exc
    ndim = magic & 0xFF
    header_size = 4 * (1 + ndim)
    if len(data) < header_size:
        raise ValueError(f"{filename} is too short for an idx header.")
    found_magic, *shape = np.frombuffer(data, dtype=">u4", count=1 + ndim).tolist()
    if found_magic != magic:
        raise ValueError(
            f"{filename} has magic number {found_magic}, expected {magic}."
        )
    n_values = int(np.prod(shape))
    if len(data) - header_size != n_values:
        raise ValueError(
            f"{filename} declares shape {tuple(shape)} ({n_values} values) but "
            f"holds {len(data) - header_size}."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header_size).reshape(shape)


@validate_params(
    {
        "subset": [StrOptions(set(_SUBSETS))],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def fetch_fashion_mnist(
    *, subset="train", data_home=None, download_if_missing=True, return_X_y=False
):
    """Load the Fashion-MNIST data set (classification).

    Fashion-MNIST holds 70,000 28x28 grayscale images of Zalando articles in
    10 balanced classes, split into 60,000 training and 10,000 test images.

    =================   ==============
    Classes                         10
    Samples total                70000
    Dimensionality                 784
    Features            integers 0-255
    =================   ==============

    The original files are searched first in ``data_home``, then in
    ``/usr/share/datasets/fashion-mnist/`` (Debian package
    ``dataset-fashion-mnist``), and are otherwise downloaded into
    ``data_home``. Every file is checked against its known SHA-256: a bad
    cached file is replaced, a bad download is never kept.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        Which split to load. ``"all"`` is the training set followed by the
        test set.

    data_home : str or path-like, default=None
        Folder for the downloaded files; they go to its ``fashion_mnist``
        subfolder, created only when a file must be downloaded. By default
        the scikit-learn data home, ``~/scikit_learn_data``, see
        :func:`sklearn.datasets.get_data_home`.

    download_if_missing : bool, default=True
        If False, raise an error instead of downloading files that are found
        neither in ``data_home`` nor in the system copy.

    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch object.

    Returns
    -------
    dataset : :class:`~sklearn.utils.Bunch`
        Dictionary-like object, with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype uint8
            The flattened images, one row per image, pixels in row-major order.
        images : ndarray of shape (n_samples, 28, 28), dtype uint8
            The same pixels as images; a view of ``data``.
        target : ndarray of shape (n_samples,), dtype int64
            The class of each image, from 0 to 9.
        target_names : list of str
            The name of each class.
        feature_names : list of str
            ``"pixel_<row>_<column>"`` for each column of ``data``.
        DESCR : str
            A description of the data set.
        source : dict of str to dict
            For each original file, the ``"path"`` it was read from, its
            ``"origin"`` (``"cache"``: found in ``data_home``; ``"system"``:
            the Debian copy; ``"download"``: downloaded into ``data_home`` by
            this call) and the ``"sha256"`` it was checked against.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` and ``target`` as described above.

    Raises
    ------
    FileNotFoundError
        If files are missing and ``download_if_missing`` is False.
    OSError
        If a download fails, or the system copy is damaged and cannot be
        replaced by a download.

    Examples
    --------
    >>> from fmnist_estimators.datasets import fetch_fashion_mnist
    >>> bunch = fetch_fashion_mnist(subset="test")  # doctest: +SKIP
    >>> bunch.data.shape, bunch.images.shape  # doctest: +SKIP
    ((10000, 784), (10000, 28, 28))
    >>> bunch.target_names[bunch.target[0]]  # doctest: +SKIP
    'Ankle boot'
    """
    # A given data home is created only if a download needs it, so that one
    # which the system copy makes unnecessary is not left behind empty.
    data_home = Path(
        get_data_home() if data_home is None else os.path.expanduser(data_home)
    ) / "fashion_mnist"
    filenames = [f for split in _SUBSETS[subset] for f in _SPLITS[split]]

    loaded = {f: _load_raw(f, data_home, download_if_missing) for f in filenames}
    raw = {f: content for f, (content, _, _) in loaded.items()}
    missing = [f for f, content in raw.items() if content is None]
    if missing:
        searched = ", ".join(map(str, [data_home, *_SYSTEM_DIRS]))
        raise FileNotFoundError(
            f"Fashion-MNIST file(s) {', '.join(missing)} not found in {searched}. "
            "Install the system copy with 'apt-get install dataset-fashion-mnist', "
            f"or pass download_if_missing=True to download them into {data_home}."
        )

    images, target = [], []
    for split in _SUBSETS[subset]:
        images_file, labels_file = _SPLITS[split]
        split_images = _parse_idx(raw[images_file], images_file, _IMAGES_MAGIC)
        split_target = _parse_idx(raw[labels_file], labels_file, _LABELS_MAGIC)
        if len(split_images) != len(split_target):
            raise ValueError(
                f"{images_file} holds {len(split_images)} images but "
                f"{labels_file} holds {len(split_target)} labels."
            )
        images.append(split_images)
        target.append(split_target)
    # Concatenating also copies the read-only parsed buffers into arrays that
    # the caller owns and may modify.
    images = np.concatenate(images)
    target = np.concatenate(target).astype(np.int64)
    n_samples, height, width = images.shape
    data = images.reshape(n_samples, height * width)

    if return_X_y:
        return data, target

    feature_names = [f"pixel_{i}_{j}" for i in range(height) for j in range(width)]
    descr = _DESCR.format(
        data_home=data_home, system_dirs=", ".join(_SYSTEM_DIRS) or "none"
    )
    source = {
        f: {"path": str(path), "origin": origin, "sha256": _FILES[f][1]}
        for f, (_, path, origin) in loaded.items()
    }
    return Bunch(
        data=data,
        images=images,
        target=target,
        target_names=list(_TARGET_NAMES),
        feature_names=feature_names,
        DESCR=descr,
        source=source,
    )


def _describe_source(source):
    """One sentence on where the files of `source` (a Bunch's ``source``) came from."""
    places = {
        "system": "Debian's copy in {}",
        "cache": "the cache in {}",
        "download": "downloaded into {}",
    }
    folders = {}
    for entry in source.values():
        key = (entry["origin"], str(Path(entry["path"]).parent))
        folders[key] = folders.get(key, 0) + 1
    where = "; ".join(
        places[origin].format(folder) + ("" if len(source) == n else f" ({n} files)")
        for (origin, folder), n in folders.items()
    )
    return f"{where}; size and SHA-256 of each of the {len(source)} files checked"
