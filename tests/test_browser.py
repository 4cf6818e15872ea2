"""End to end in a real browser: draw a digit on the page, read the label it shows.

Debian's headless Chromium and chromedriver (``apt install chromium chromium-driver``) are
driven by Selenium. The server is the real command, ``numnet serve MODEL --port 0``, with a
small MLP trained here on 20,000 MNIST digits (a few seconds, ~93% test accuracy). The
assertions follow the page's whole pipeline: strokes -> canvas -> PNG data URL -> POST
/api/predict -> numnet.data.imaging.prepare -> model -> the label and bars on the page. The label
shown must be the model's own answer for the canvas as drawn, and a vertical stroke a "1".
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip("needs Debian's chromium and chromium-driver (apt install chromium "
                "chromium-driver)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install "
                                "'numnet[browser]')")

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.actions import interaction  # noqa: E402
from selenium.webdriver.common.actions.action_builder import ActionBuilder  # noqa: E402
from selenium.webdriver.common.actions.pointer_input import PointerInput  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

#: a vertical stroke (a "1") and an oval (a "0"), as offsets from the pad's centre, CSS px
ONE = [(4, -100), (3, -60), (2, -20), (1, 20), (0, 60), (0, 100)]
ZERO = [(int(55 * np.sin(t)), int(-95 * np.cos(t))) for t in np.linspace(0, 2 * np.pi, 25)]


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    from numnet.core.errors import DataError
    from numnet.datasets.mnist import load_data
    from numnet.files.model_file import save
    from numnet.nn import Dense, ReLU, Sequential

    try:
        (x, y), _ = load_data(download=False)
    except DataError as e:
        pytest.skip(f"needs MNIST on disk (set NUMNET_DATA): {e}")
    model = Sequential([Dense(128), ReLU(), Dense(10)], input_shape=(784,), seed=0)
    model.fit(x[:20000], y[:20000], epochs=2, batch_size=128, verbose=0)
    return save(model, tmp_path_factory.mktemp("model") / "mlp.npz")


@contextlib.contextmanager
def serving(model_args: list[str], log: Path) -> Iterator[str]:
    """``numnet serve [MODEL] --port 0`` in a subprocess, stderr to ``log`` -> its URL."""
    with open(log, "wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "numnet", "serve", *model_args, "--port", "0"],
            stdout=subprocess.PIPE, stderr=err,
        )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 60)
        line = proc.stdout.readline().decode() if ready else ""
        url = re.search(r"http://\S+/", line)
        assert url, f"numnet serve did not print its URL: {line!r} {log.read_text()}"
        yield url.group(0)
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def server(model_file, tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """``numnet serve MODEL --port 0`` in a subprocess -> (its URL, its log file)."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with serving([str(model_file)], log) as url:
        yield url, log


@pytest.fixture(scope="module")
def driver(tmp_path_factory):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--window-size=1000,800",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    d = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture
def page(driver, server):
    url, _ = server
    driver.set_window_size(1000, 800)
    driver.get(url)
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "model").text.endswith(".npz"))
    return driver


def draw_with_mouse(driver, points: list[tuple[int, int]]) -> None:
    pad = driver.find_element(By.ID, "pad")
    actions = ActionChains(driver).move_to_element_with_offset(pad, *points[0]).click_and_hold()
    for (x0, y0), (x1, y1) in zip(points[:-1], points[1:], strict=True):
        actions.move_by_offset(x1 - x0, y1 - y0)
    actions.release().perform()


def draw_with_finger(driver, points: list[tuple[int, int]]) -> None:
    pad = driver.find_element(By.ID, "pad")
    finger = ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    finger.pointer_action.move_to(pad, *points[0]).pointer_down()
    for x, y in points[1:]:
        finger.pointer_action.move_to(pad, x, y)
    finger.pointer_action.pointer_up()
    finger.perform()


def shown_label(driver) -> int:
    """Wait until the page has the answer for its latest drawing; return the label shown."""
    WebDriverWait(driver, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "ready")
    return int(driver.find_element(By.ID, "label").text)


def model_answer(driver, model_file: Path) -> tuple[int, np.ndarray]:
    """What the model says about the canvas exactly as the page holds it."""
    from numnet.data.imaging import prepare
    from numnet.files.model_file import load

    url = driver.execute_script("return document.getElementById('pad').toDataURL('image/png')")
    digit = prepare(base64.b64decode(url.split(",", 1)[1]))
    return int(load(model_file).predict_classes(digit[None])[0]), digit


def seen_pixels(driver) -> np.ndarray:
    """The page's 28x28 preview, read back from its canvas: (28, 28) in [0, 1]."""
    rgba = driver.execute_script(
        "const c = document.getElementById('seen');"
        "return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);")
    side = int(np.sqrt(len(rgba) // 4))
    gray = np.array(rgba, np.float32).reshape(side, side, 4)[..., 0] / 255
    step = side // 28
    return gray[step // 2::step, step // 2::step]  # the centre of each scaled-up pixel


def test_drawing_a_one_shows_the_models_answer(page, server, model_file, tmp_path):
    _, log = server
    before = log.read_text().count("POST /api/predict")
    draw_with_mouse(page, ONE)
    label = shown_label(page)
    expected, digit = model_answer(page, model_file)
    assert label == expected == 1
    # the bars and the confidence agree with the label
    top = page.find_element(By.CSS_SELECTOR, "#bars li.top .digit").text
    assert top == "1" and page.find_element(By.ID, "confidence").text.endswith("% sure")
    # the 28x28 preview is the digit the network saw
    np.testing.assert_allclose(seen_pixels(page), digit, atol=0.01)
    # it answered while the stroke was being drawn, not only at the end
    assert log.read_text().count("POST /api/predict") - before >= 3
    page.save_screenshot(str(tmp_path / "one.png"))
    assert (tmp_path / "one.png").stat().st_size > 1000


def test_clear_then_draw_a_zero(page, model_file):
    draw_with_mouse(page, ONE)
    shown_label(page)
    page.find_element(By.ID, "clear").click()
    assert page.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "empty"
    assert page.find_element(By.ID, "label").text == "?"
    assert seen_pixels(page).max() == 0
    draw_with_mouse(page, ZERO)
    label = shown_label(page)
    expected, _ = model_answer(page, model_file)
    assert label == expected == 0


def test_finger_drawing_on_a_phone_sized_window(page, model_file, tmp_path):
    page.set_window_size(390, 844)
    draw_with_finger(page, [(x // 2, y // 2) for x, y in ONE])
    label = shown_label(page)
    expected, _ = model_answer(page, model_file)
    assert label == expected == 1
    page.save_screenshot(str(tmp_path / "phone.png"))


def test_two_digits_drawn_side_by_side_read_as_a_number(page):
    """Two strokes side by side: the page shows the number "11", as wide as its digits."""
    draw_with_mouse(page, [(x // 2 - 60, y // 2) for x, y in ONE])
    draw_with_mouse(page, [(x // 2 + 60, y // 2) for x, y in ONE])
    WebDriverWait(page, 30).until(
        lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-state") == "ready"
        and d.find_element(By.ID, "label").text == "11")
    label = page.find_element(By.ID, "label")
    assert "number" in label.get_attribute("class").split()
    assert page.find_element(By.ID, "confidence").text.startswith("2 digits")
    # the box holds both digits: no digit is cut off (its content fits its width)
    assert page.execute_script("const e = arguments[0]; return e.scrollWidth <= e.clientWidth;",
                               label)


def test_reading_a_phone_photo_stored_sideways(page, model_file, tmp_path):
    """"Read a photo": a 12 MP JPEG of a 1 on paper lit from one side, stored sideways with
    an EXIF Orientation tag as phones store it. The page turns it upright, brings it down to
    1,000 px (the 4 MB file would pass the request limit) and shows the photo and the answer,
    the same as ``numnet predict`` on the file."""
    from PIL import Image, ImageDraw

    paper = np.linspace(235, 165, 3000, dtype=np.float32)[None, :].repeat(4000, 0)
    paper += np.random.default_rng(0).normal(0, 4, paper.shape).astype(np.float32)  # grain
    upright = Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8))
    ImageDraw.Draw(upright).line([(1500, 1450), (1470, 2550)], fill=45, width=100)
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    path = tmp_path / "photo.jpg"
    upright.transpose(Image.Transpose.ROTATE_90).convert("RGB").save(
        path, quality=95, exif=exif.tobytes())
    assert path.stat().st_size > 1 << 20  # over the server's limit as it is
    page.find_element(By.ID, "photo").send_keys(str(path))
    label = shown_label(page)
    cli = subprocess.run([sys.executable, "-m", "numnet", "predict", str(path), "--model",
                          str(model_file)], capture_output=True, text=True, check=True)
    assert label == int(cli.stdout.split(":")[1].split()[0]) == 1
    # the pad shows the photo upright: a dark stroke down its middle, paper at its corners
    rgba = page.execute_script(
        "const c = document.getElementById('pad');"
        "return Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data);")
    pad = np.array(rgba, np.float32).reshape(280, 280, 4)[..., 0]
    assert pad[140, 135:146].min() < 100 and pad[40, 135:146].min() > 100  # a tall stroke
    assert pad[140, 100] > 150


def test_serve_with_no_model_answers_from_the_shipped_model(driver, tmp_path):
    """``numnet serve`` with no model: the page reads a drawn 1 with the model numnet ships."""
    import numnet

    with serving([], tmp_path / "serve.log") as url:
        driver.set_window_size(1000, 800)
        driver.get(url)
        WebDriverWait(driver, 20).until(
            lambda d: d.find_element(By.ID, "model").text.endswith("digits.npz"))
        draw_with_mouse(driver, ONE)
        label = shown_label(driver)
    from numnet.data.imaging import prepare

    png = driver.execute_script("return document.getElementById('pad').toDataURL('image/png')")
    digit = prepare(base64.b64decode(png.split(",", 1)[1]))
    assert label == int(numnet.load_model().predict_proba(digit[None]).argmax()) == 1
