"""The canonical MNIST files: their names, shapes and the SHA-256 of their content.

MNIST is four IDX files.  Mirrors serve them gzipped, and the gzip wrapping differs from
copy to copy (compression level, timestamps), so numnet checks the *decompressed* bytes:
the IDX header followed by the pixels or labels.  A Keras ``mnist.npz`` holds the same
arrays, so the same digests check it too (see ``npz.py``).

These values come from ``SHA256SUMS.txt`` beside the shared data; they are written here so
that a file is checked against what numnet knows, never against a list shipped with it.
"""

from __future__ import annotations

from typing import NamedTuple


class MnistFile(NamedTuple):
    """One of the four MNIST arrays: where Keras keeps it, how the IDX file is named."""

    key: str  # the name in Keras' mnist.npz and in load_data()'s tuple
    filename: str  # the IDX file, without ".gz"
    shape: tuple[int, ...]  # uint8 array shape
    sha256: str  # SHA-256 of the decompressed IDX file (header + data)


#: in the order load_data() returns them: ((x_train, y_train), (x_test, y_test))
MNIST_FILES: tuple[MnistFile, ...] = (
    MnistFile(
        "x_train", "train-images-idx3-ubyte", (60000, 28, 28),
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    ),
    MnistFile(
        "y_train", "train-labels-idx1-ubyte", (60000,),
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    ),
    MnistFile(
        "x_test", "t10k-images-idx3-ubyte", (10000, 28, 28),
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    ),
    MnistFile(
        "y_test", "t10k-labels-idx1-ubyte", (10000,),
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    ),
)
