"""``numnet predict``: labels, --top, --json, --show, and one-line errors.

The model here is a stand-in: a nearest-template classifier over three drawn digits (0, 1,
4), so these tests exercise the command, not a trained network.  The end-to-end run with a
real model trained on MNIST is the check set (``examples/make_checkset.py``).
"""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image, ImageDraw

from numnet.app.cli import main
from numnet.app.cli import predict as cli_predict
from numnet.data.imaging import prepare
from realdata import mnist_dir


def _draw(label: int, size: int, dark_on_light: bool) -> Image.Image:
    ink, paper = (0, 255) if dark_on_light else (255, 0)
    img = Image.new("L", (size, size), paper)
    d = ImageDraw.Draw(img)
    s = size / 100
    w = max(2, round(9 * s))
    if label == 0:
        d.ellipse([30 * s, 15 * s, 70 * s, 85 * s], outline=ink, width=w)
    elif label == 1:
        d.line([(50 * s, 12 * s), (50 * s, 88 * s)], fill=ink, width=w)
    else:
        d.line([(55 * s, 10 * s), (20 * s, 62 * s), (80 * s, 62 * s)], fill=ink, width=w)
        d.line([(60 * s, 35 * s), (60 * s, 90 * s)], fill=ink, width=w)
    return img


class TemplateModel:
    """predict_proba(x (n, 28, 28) float in [0, 1]) -> (n, 10): softmax of -distance."""

    def __init__(self) -> None:
        self.templates = np.zeros((10, 784), np.float32)
        self.templates[:] = 5.0  # classes without a template are far from everything
        for label in (0, 1, 4):
            self.templates[label] = prepare(_draw(label, 100, False)).ravel()

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        assert x.shape[1:] == (28, 28) and x.dtype == np.float32
        d = ((x.reshape(len(x), 1, 784) - self.templates) ** 2).sum(-1)
        z = -d / 10
        e = np.exp(z - z.max(1, keepdims=True))
        return (e / e.sum(1, keepdims=True)).astype(np.float32)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.setattr(cli_predict, "load_model", lambda path: TemplateModel())
    paths = {}
    for label, size, dark, fmt in [
        (0, 64, True, "png"),
        (1, 300, False, "jpg"),
        (4, 150, True, "png"),
    ]:
        p = tmp_path / f"digit{label}.{fmt}"
        _draw(label, size, dark).convert("RGB").save(p)
        paths[label] = p
    return paths


def test_prints_label_and_confidence_per_image(files, capsys):
    assert main(["predict", "m.npz", *map(str, files.values())]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for line, (label, path) in zip(lines, files.items(), strict=True):
        assert line.startswith(f"{path}: {label} (") and line.endswith("%)")


def test_a_picture_of_a_number_gets_a_reminder_of_read(files, tmp_path, capsys):
    """`numnet predict` reads one digit, the largest; a picture of "14" says that `numnet
    read` reads numbers (and "digits_beside" in --json); a single digit does not."""
    number = Image.new("L", (200, 100), 255)
    number.paste(_draw(1, 100, True), (0, 0))
    number.paste(_draw(4, 100, True), (100, 0))
    path = tmp_path / "fourteen.png"
    number.save(path)
    assert main(["predict", str(path), str(files[4])]) == 0
    many, one = capsys.readouterr().out.splitlines()
    assert many.endswith("[another digit beside it: numnet read reads numbers]")
    assert one.endswith("%)")
    assert main(["predict", str(path), str(files[4]), "--json"]) == 0
    many, one = json.loads(capsys.readouterr().out)["predictions"]
    assert many["digits_beside"] == 1 and "digits_beside" not in one


@pytest.mark.parametrize(
    ("flags", "model"),
    [([], None), (["--model", "m.npz"], "m.npz"), (["other.pkl"], "other.pkl")],
)
def test_the_model_is_the_shipped_one_unless_given(files, monkeypatch, capsys, flags, model):
    """No model: the shipped one (None); --model MODEL, or the old positional form."""
    asked = []
    monkeypatch.setattr(
        cli_predict, "load_model", lambda path: asked.append(path) or TemplateModel()
    )
    image = str(files[4])
    argv = ["predict", *flags, image] if flags[:1] != ["--model"] else ["predict", image, *flags]
    assert main([*argv, "--json"]) == 0
    assert asked == [model]
    (r,) = json.loads(capsys.readouterr().out)["predictions"]
    assert r["file"] == image and r["label"] == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [(["m.npz", "x.png", "--model", "n.npz"], "two models given"),
     (["m.npz"], "give the images to read after it")],
)
def test_model_given_twice_or_no_image_is_one_line(files, capsys, argv, message):
    assert main(["predict", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_top_k_and_json(files, capsys):
    assert main(["predict", "m.npz", str(files[4]), "--top", "3", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    (r,) = out["predictions"]
    assert r["file"] == str(files[4]) and r["label"] == 4
    assert [t["label"] for t in r["top"]][0] == 4 and len(r["top"]) == 3
    probs = [t["probability"] for t in r["top"]]
    assert probs == sorted(probs, reverse=True) and r["confidence"] == probs[0]
    assert len(r["probabilities"]) == 10 and abs(sum(r["probabilities"]) - 1) < 1e-4


def test_show_writes_a_picture_per_image(files, tmp_path, capsys):
    out = tmp_path / "seen"
    assert main(["predict", "m.npz", *map(str, files.values()), "--show", str(out)]) == 0
    pictures = sorted(p.name for p in out.iterdir())
    assert pictures == ["digit0.png", "digit1.png", "digit4.png"]
    with Image.open(out / "digit1.png") as img:
        assert img.format == "PNG" and img.size[0] >= 600


def test_a_bad_image_among_several_is_one_line_and_the_others_are_read(files, tmp_path, capsys):
    # `numnet predict photos/*` with an iPhone's HEIC or a damaged file among the JPEGs:
    # the good ones are read (and shown), the bad one gets its line, the exit status is 2
    bad = tmp_path / "notes.png"
    bad.write_text("not a picture")
    shown = tmp_path / "seen"
    code = main(["predict", "m.npz", str(files[0]), str(bad), "--show", str(shown)])
    captured = capsys.readouterr()
    assert code == 2 and [line.split(" (")[0] for line in captured.out.splitlines()] == [
        f"{files[0]}: 0"
    ]
    assert captured.err.count("numnet: error: ") == 1
    assert "notes.png is not an image" in captured.err
    assert sorted(p.name for p in shown.iterdir()) == ["digit0.png"]
    assert main(["predict", "m.npz", str(bad), str(files[4]), "--json"]) == 2
    first, second = json.loads(capsys.readouterr().out)["predictions"]
    assert first["file"] == str(bad) and first["label"] is None and "not an image" in first["error"]
    assert second["label"] == 4 and "error" not in second


@pytest.mark.parametrize("k", ["0", "11", "-1"])
def test_top_out_of_range(files, capsys, k):
    assert main(["predict", "m.npz", str(files[0]), "--top", k]) == 2
    err = capsys.readouterr().err
    assert "--top" in err and err.count("\n") == 1


def _bad_image(kind: str, path):
    """Write one row of the bad-input table to ``path``."""
    if kind == "not an image":
        path.write_bytes(b"%PDF-1.4 a document, not a picture")
    elif kind == "too large":  # a PNG header claiming 6000 x 5000 pixels, 80 bytes long
        from test_imaging import _png_header_only

        path.write_bytes(_png_header_only(6_000, 5_000))
    elif kind == "corrupt":
        buf = io.BytesIO()
        _draw(4, 100, True).save(buf, "PNG")
        path.write_bytes(buf.getvalue()[:150])
    elif kind == "folder":
        path.mkdir()


@pytest.mark.parametrize(
    "kind", ["not an image", "too large", "corrupt", "folder", "No such file"]
)
def test_bad_input_table_images(files, tmp_path, capsys, kind):
    """Each bad image: one line on stderr naming it, exit 2, nothing written."""
    bad = tmp_path / "upload.png"
    _bad_image(kind, bad)
    shown = tmp_path / "seen"
    assert main(["predict", "m.npz", str(bad), "--show", str(shown)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith("numnet: error: ") and str(bad) in captured.err
    assert kind in captured.err
    assert not shown.exists()


def _blot(path) -> None:
    img = Image.new("L", (200, 200), 255)
    ImageDraw.Draw(img).ellipse([80, 80, 120, 120], fill=0)
    img.save(path)


def test_no_digit_is_a_reason_not_a_label(files, tmp_path, capsys):
    """A blank page, a blot, a page of ruled lines: label null and a reason; the digit among
    them is still read, and the command succeeds."""
    blank, blot, ruled = tmp_path / "blank.png", tmp_path / "blot.png", tmp_path / "ruled.png"
    Image.new("RGB", (80, 80), "white").save(blank)
    _blot(blot)
    lines = Image.new("L", (300, 400), 235)
    for y in range(20, 400, 30):
        ImageDraw.Draw(lines).line([(0, y), (300, y)], fill=150, width=2)
    lines.save(ruled)
    paths = [str(files[4]), str(blank), str(blot), str(ruled)]
    assert main(["predict", "m.npz", *paths, "--json"]) == 0
    r = json.loads(capsys.readouterr().out)["predictions"]
    assert r[0]["label"] == 4 and "reason" not in r[0]
    assert [x["label"] for x in r[1:]] == [None, None, None]
    assert "blank" in r[1]["reason"] and "blot" in r[2]["reason"] and "lines" in r[3]["reason"]
    assert main(["predict", "m.npz", *paths]) == 0
    lines_out = capsys.readouterr().out.splitlines()
    assert lines_out[1] == f"{blank}: no digit here: the image is blank (no ink on the paper)"
    assert all("no digit here: " in line for line in lines_out[1:])


def test_a_fifo_is_refused_without_hanging(files, tmp_path, capsys):
    import os

    fifo = tmp_path / "pipe.png"
    os.mkfifo(fifo)
    assert main(["predict", "m.npz", str(fifo)]) == 2
    err = capsys.readouterr().err
    assert "not a regular file" in err and str(fifo) in err and err.count("\n") == 1


def test_a_real_model_file_end_to_end(tmp_path, capsys):
    """A saved ``nn.Sequential`` through ``model_file``: the command's answer is the model's."""
    from numnet.files.model_file import save
    from numnet.nn import Dense, ReLU, Sequential

    model = Sequential([Dense(16), ReLU(), Dense(10)], input_shape=(784,), seed=3)
    path = save(model, tmp_path / "tiny.npz")
    image = tmp_path / "four.png"
    _draw(4, 120, True).save(image)
    assert main(["predict", str(path), str(image), "--json", "--top", "10"]) == 0
    (r,) = json.loads(capsys.readouterr().out)["predictions"]
    expected = model.predict_proba(prepare(image)[None])[0]
    # an untrained network is unsure of everything: the digit rule says so, with its guess
    assert expected.max() < 0.5 and r["label"] is None
    assert f"best guess {int(expected.argmax())} at" in r["reason"]
    np.testing.assert_allclose(r["probabilities"], expected, atol=1e-5)


@pytest.mark.slow
def test_check_set_with_a_model_trained_on_mnist(tmp_path, monkeypatch):
    """Real MNIST: a quickly trained MLP reads real-looking files of MNIST test digits."""
    import re
    import subprocess
    import sys
    from pathlib import Path

    from numnet.datasets.mnist import load_data
    from numnet.files.model_file import save
    from numnet.nn import Dense, ReLU, Sequential

    monkeypatch.setenv("NUMNET_DATA", mnist_dir())
    (x, y), _ = load_data()
    model = Sequential([Dense(128), ReLU(), Dense(10)], input_shape=(784,), seed=0)
    model.fit(x, y, epochs=2, batch_size=128, verbose=0)
    path = save(model, tmp_path / "mlp.npz")
    script = Path(__file__).parents[1] / "examples" / "make_checkset.py"
    cmd = [sys.executable, str(script), str(tmp_path / "set"), "--count", "120", "--model", path]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    # 2 epochs reach ~96-97% on MNIST's test set itself; the digit rule refuses the answers
    # the network is unsure of ("no digit here"), and those it gives are right
    found = re.search(r"refused (\d+); right of the \d+ answered: ([\d.]+)%", out)
    refused, answered = found.groups()
    assert float(answered) >= 97.0 and int(refused) <= 18, out
