"""The original Fashion-MNIST files: where they are looked for, checked and downloaded.

Every copy, cached, from the system or downloaded, is checked against the
size and SHA-256 of the original file before its bytes are used.
"""

import contextlib
import hashlib
import http.client
import logging
import os
import tempfile
import time
import urllib.error
import urllib.request
import warnings
from pathlib import Path

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
