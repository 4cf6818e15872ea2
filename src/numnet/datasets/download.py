"""Downloading MNIST from the public mirrors.

The original site (yann.lecun.com) no longer serves the files reliably, so numnet asks the
mirrors that PyTorch and TensorFlow use, in turn.  Each file is held in memory (the largest
is 9.9 MB), checked like any other IDX file (its decompressed SHA-256 must be canonical),
and only a verified copy is handed back: a broken mirror is never written anywhere.

Tests replace ``fetch`` (or ``MIRRORS``) so that they never touch the network.
"""

from __future__ import annotations

import http.client
import urllib.request

import numpy as np
from numpy.typing import NDArray

from numnet.core.errors import DataError
from numnet.datasets.checksums import MnistFile
from numnet.datasets.idx import parse_idx

#: tried in order; each holds the four "<name>.gz" files
MIRRORS: list[str] = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
]

TIMEOUT = 30  # seconds without an answer before a mirror is given up
MAX_DOWNLOAD = 32 << 20  # the largest MNIST file is 9.9 MB; refuse anything far bigger


def fetch(url: str, *, progress: bool = True) -> bytes:
    """GET ``url`` and return its body, with a tqdm progress bar on stderr.

    Raises ``OSError`` (``urllib.error.URLError`` is one) or ``http.client.HTTPException``.
    """
    from tqdm import tqdm  # only when downloading

    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        total = int(response.headers.get("Content-Length") or 0) or None
        chunks: list[bytes] = []
        received = 0
        name = url.rsplit("/", 1)[-1]
        with tqdm(total=total, unit="B", unit_scale=True, desc=name, disable=not progress) as bar:
            while chunk := response.read(1 << 16):
                received += len(chunk)
                if received > MAX_DOWNLOAD:
                    raise OSError(f"answer is larger than {MAX_DOWNLOAD} bytes")
                chunks.append(chunk)
                bar.update(len(chunk))
    return b"".join(chunks)


def download(entry: MnistFile, *, progress: bool = True) -> tuple[NDArray[np.uint8], bytes]:
    """Fetch ``entry`` from the first mirror that serves a verified copy.

    Returns ``(array, gz_bytes)``: the array (e.g. ``(60000, 28, 28) uint8``) and the bytes
    as served, for the cache.  Raises ``DataError`` listing each mirror's failure.
    """
    failures = []
    for mirror in MIRRORS:
        url = f"{mirror}{entry.filename}.gz"
        try:
            data = fetch(url, progress=progress)
            return parse_idx(data, url, shape=entry.shape, sha256=entry.sha256), data
        except (OSError, http.client.HTTPException) as e:
            failures.append(f"{url}: {getattr(e, 'reason', None) or e}")
        except DataError as e:
            failures.append(str(e))
    raise DataError(f"download of {entry.filename} failed: {'; '.join(failures)}")
