"""The idx format of the Fashion-MNIST files (LeCun's MNIST format), gzipped."""

import gzip
import zlib

import numpy as np

_IMAGES_MAGIC = 2051
_LABELS_MAGIC = 2049


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
