"""Datasets: MNIST, found, verified and loaded as Keras returns it.

    >>> from numnet.datasets import load_data, preprocess
    >>> (x_train, y_train), (x_test, y_test) = load_data()   # doctest: +SKIP
    >>> X = preprocess(x_train)                                # (60000, 784) float32 in [0, 1]

The story, one module each:

- ``idx.py``        the IDX file format, read without trusting its header
- ``npz.py``        Keras' ``mnist.npz``, read the same careful way
- ``checksums.py``  the canonical MNIST files: names, shapes, SHA-256
- ``locations.py``  where a copy may already be (numnet's cache, Keras' cache, file names)
- ``download.py``   the public mirrors, used when no copy is found
- ``mnist.py``      ``load_data()``: the search order, and ``preprocess()``
"""

from numnet.datasets.mnist import load_data, preprocess

__all__ = ["load_data", "preprocess"]
