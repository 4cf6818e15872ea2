"""The JSON API of the draw-a-digit page, as plain functions: bytes in, dict out, no sockets.

``POST /api/predict`` takes a JSON object with exactly one of two fields:

- ``{"image": "data:image/png;base64,..."}``: a picture, e.g. the page's canvas. It is
  turned into an MNIST-style digit by ``numnet.data.imaging.prepare`` (polarity, crop, 20 px
  box, centre of mass), exactly as ``numnet predict`` does for image files.
- ``{"pixels": [[...28 numbers...], ... 28 rows]}``: the digit itself, values in [0, 1],
  bright ink on a dark background as in MNIST.

and answers ``{"label", "confidence", "probabilities" (10 floats), "pixels" (28x28, what
the network saw), "number", "numbers", "digits", "signs"}``: a picture is read as a whole
number (``numnet.data.imaging.read_pages``), so ``"number"`` is the digits drawn side by
side ("2026"), with a decimal point and a leading minus ("-3.14"), and the numbers of
several rows top to bottom, separated by a space ("2026 1984"); ``"numbers"`` one string per
row; ``"digits"`` each one's ``{"label", "confidence", "box", "row"}`` and ``"signs"`` each
sign's ``{"sign", "box", "row"}`` (``"row"``: the index of its number in ``"numbers"``);
``"label"`` is the digit when the number is exactly one digit.  A picture with no digit in
it (empty, a dot, a scribble) answers ``"label": null, "number": null`` and a ``"reason"``,
not a guess.
``GET /api/health`` answers ``{"status": "ok", "model", "version"}``.

Every way a request can be wrong raises :class:`ApiError` with an HTTP status and one
sentence for the client; the web layer (``numnet.app.serve.web``) turns it into
``{"error": "..."}``. Keeping parsing free of sockets lets the tests throw random bytes at
it (``tests/test_serve_fuzz.py``). :meth:`App.predict` is the one function that turns a
request body into an answer; the web layer runs it in a worker thread of a bounded pool.
"""

from __future__ import annotations

import base64
import binascii
import io
import json
import threading
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from numpy.typing import NDArray

from numnet import __version__
from numnet.core.errors import NumnetError

if TYPE_CHECKING:
    from numnet.data.imaging import Page

#: largest picture decoded, in pixels. The page sends ~300x300; a 1 MiB PNG of one colour can
#: claim 50 megapixels, which would cost hundreds of MB per request thread to decode.
MAX_IMAGE_PIXELS = 2048 * 2048
SIDE = 28
_DATA_URL_PREFIX = "data:image/"
_BASE64_MARK = ";base64,"


class Model(Protocol):
    """Anything that maps images (n, 28, 28) float32 in [0, 1] to probabilities (n, 10)."""

    def predict_proba(self, x: NDArray[np.float32]) -> NDArray[Any]: ...


class ApiError(Exception):
    """A request the API cannot answer: ``status`` is the HTTP code, ``message`` one sentence."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _reject_constant(name: str) -> float:
    # json.loads accepts NaN, Infinity and -Infinity by default; JSON itself does not.
    raise ApiError(400, f"{name} is not a number JSON allows")


def parse_json(body: bytes) -> dict[str, Any]:
    """The request body -> a JSON object, or ApiError(400)."""
    try:
        data = json.loads(body, parse_constant=_reject_constant)
    except UnicodeDecodeError:
        raise ApiError(400, "the body is not valid JSON: it is not UTF-8 text") from None
    except RecursionError:
        raise ApiError(400, "the body is not valid JSON: it is nested too deeply") from None
    except ValueError as e:  # JSONDecodeError, or an integer with thousands of digits
        raise ApiError(400, f"the body is not valid JSON: {str(e)[:120]}") from None
    if not isinstance(data, dict):
        raise ApiError(400, 'the body must be a JSON object like {"pixels": [...]}')
    return data


def pixels_from_list(rows: Any) -> NDArray[np.float32]:
    """28 lists of 28 numbers in [0, 1] -> (28, 28) float32. Anything else: ApiError(400)."""
    if not isinstance(rows, list) or len(rows) != SIDE:
        raise ApiError(400, f'"pixels" must be a list of {SIDE} rows')
    for row in rows:
        if not isinstance(row, list) or len(row) != SIDE:
            raise ApiError(400, f'each row of "pixels" must be a list of {SIDE} numbers')
        for v in row:
            # bool is an int in Python, but true/false are not pixel values
            if type(v) not in (int, float) or not (0 <= v <= 1):
                raise ApiError(400, '"pixels" values must be numbers between 0 and 1')
    return np.array(rows, dtype=np.float32)


def decode_data_url(url: Any) -> bytes:
    """``data:image/<type>;base64,<payload>`` -> the image file's bytes, or ApiError(400)."""
    if not isinstance(url, str) or not url.startswith(_DATA_URL_PREFIX):
        raise ApiError(400, '"image" must be a data URL such as "data:image/png;base64,..."')
    head, mark, payload = url.partition(_BASE64_MARK)
    if not mark or "," in head:
        raise ApiError(400, '"image" must be a base64 data URL ("...;base64,...")')
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(400, '"image" holds invalid base64') from None


def check_image_size(data: bytes) -> None:
    """Refuse a picture over MAX_IMAGE_PIXELS from its header, before decoding it (413)."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:  # reads the header only
            w, h = img.size
    except Exception:  # not an image at all: prepare() explains that in its own words
        return
    if w * h > MAX_IMAGE_PIXELS:
        raise ApiError(413, f"the image is {w}x{h} pixels; the limit is {MAX_IMAGE_PIXELS:,} "
                       "(numnet reads photos at 1,000 px on the longer side: send them so)")


def pixels_from_image(data: bytes) -> NDArray[np.float32]:
    """Image file bytes -> the (28, 28) float32 digit, prepared as MNIST prepared its digits."""
    from numnet.data.imaging import prepare  # Pillow is imported only when a picture arrives

    check_image_size(data)
    try:
        return prepare(data, name="the image")
    except NumnetError as e:  # ImageError: not an image, empty, too large ...
        raise ApiError(400, f"the image cannot be read as a digit: {e}") from None


def page_from_request(body: bytes) -> Page:
    """The body of ``POST /api/predict`` -> the digit candidates the model will read: those of
    the picture, or the 28x28 ``pixels`` as one candidate."""
    from numnet.data.imaging import Candidate, Page, find_digits

    data = parse_json(body)
    if "pixels" in data or set(data) != {"image"}:
        pixels = parse_predict_request(body)
        rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
        if rows.size == 0:
            return Page("the image", [], "the image is blank (no ink on the paper)")
        aspect = (cols[-1] - cols[0] + 1) / (rows[-1] - rows[0] + 1)
        fill = float(pixels.sum()) / 400  # the share of MNIST's 20x20 box
        return Page("the image", [Candidate(pixels, (0, 0, SIDE, SIDE), float(aspect), fill)])
    data_bytes = decode_data_url(data["image"])
    check_image_size(data_bytes)
    try:
        return find_digits(data_bytes, name="the image", number=True)
    except NumnetError as e:  # ImageError: not an image, too large ...
        raise ApiError(400, f"the image cannot be read as a digit: {e}") from None


def parse_predict_request(body: bytes) -> NDArray[np.float32]:
    """The body of ``POST /api/predict`` -> the (28, 28) float32 digit the model will see."""
    data = parse_json(body)
    unknown = sorted(set(data) - {"image", "pixels"})
    if unknown:
        raise ApiError(400, f"unknown field {unknown[0]!r}: send only \"image\" or \"pixels\"")
    if len(data) != 1:
        raise ApiError(400, 'send exactly one of "image" (a PNG data URL) or "pixels" (28x28)')
    if "pixels" in data:
        return pixels_from_list(data["pixels"])
    return pixels_from_image(decode_data_url(data["image"]))


def prediction(probs: NDArray[Any], pixels: NDArray[np.float32]) -> dict[str, Any]:
    """Probabilities (10,) and the digit (28, 28) -> the JSON answer of ``/api/predict``."""
    label = int(np.argmax(probs))
    return {
        "label": label,
        "confidence": float(probs[label]),
        "probabilities": [float(p) for p in probs],
        # three decimals are plenty for a picture and keep the answer small (~4 KB)
        "pixels": np.round(pixels.astype(np.float64), 3).tolist(),
    }


class App:
    """The API around one model: ``predict(body) -> dict`` and ``health() -> dict``.

    ``model`` is anything with ``predict_proba(x)`` for x (n, 28, 28) float32 in [0, 1]
    (dependency injection: tests pass a tiny stand-in). ``name`` is shown by ``/api/health``.
    """

    def __init__(self, model: Model, name: str = "model") -> None:
        self.model = model
        self.name = name
        # Layers keep their forward caches on themselves, so one model must not run in two
        # threads at once. One 28x28 prediction takes well under a millisecond: a lock is
        # simpler than a model per thread and costs nothing measurable. Decoding a picture,
        # the slow part, runs outside the lock, in as many threads as the pool has workers.
        self._lock = threading.Lock()

    def predict(self, body: bytes) -> dict[str, Any]:
        """The body of ``POST /api/predict`` -> its JSON answer. ApiError for a bad request."""
        from numnet.data.imaging import read_pages

        page = page_from_request(body)
        with self._lock:
            (reading,) = read_pages([page], self.model, number=True)
        found = reading.digits or reading.ignored
        for d in found:
            if d.probabilities.shape != (10,) or not np.isfinite(d.probabilities).all():
                shape = d.probabilities.shape
                raise RuntimeError(f"the model returned probabilities of shape {shape}")
        if not found:  # no ink at all: nothing the network saw
            answer = prediction(np.zeros(10, np.float32), np.zeros((SIDE, SIDE), np.float32))
        else:
            answer = prediction(found[0].probabilities, found[0].pixels)
        if len(reading.digits) != 1 or reading.number != str(reading.digits[0].label):
            answer["label"] = None  # several digits, or one with a sign ("-5")
        answer["number"] = reading.number
        answer["numbers"] = list(reading.numbers)
        answer["digits"] = [
            {"label": d.label, "confidence": d.confidence, "box": list(d.box), "row": d.row}
            for d in reading.digits
        ]
        answer["signs"] = [
            {"sign": s.text, "box": list(s.box), "row": s.row} for s in reading.signs
        ]
        if reading.reason:
            answer["reason"] = reading.reason
        return answer

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "model": self.name, "version": __version__}
