"""Loader for the Fashion-MNIST data set (Xiao, Rasul and Vollgraf, 2017)."""

import os
from pathlib import Path

import numpy as np
from sklearn.datasets import get_data_home
from sklearn.utils import Bunch
from sklearn.utils._param_validation import StrOptions, validate_params

from . import _files
from ._idx import _IMAGES_MAGIC, _LABELS_MAGIC, _parse_idx

# (images file, labels file) for each split.
_SPLITS = {
    "train": ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
    "test": ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
}
_SUBSETS = {"train": ("train",), "test": ("test",), "all": ("train", "test")}

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

    loaded = {f: _files._load_raw(f, data_home, download_if_missing) for f in filenames}
    raw = {f: content for f, (content, _, _) in loaded.items()}
    missing = [f for f, content in raw.items() if content is None]
    if missing:
        searched = ", ".join(map(str, [data_home, *_files._SYSTEM_DIRS]))
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
        data_home=data_home, system_dirs=", ".join(_files._SYSTEM_DIRS) or "none"
    )
    source = {
        f: {"path": str(path), "origin": origin, "sha256": _files._FILES[f][1]}
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
