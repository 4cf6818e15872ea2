"""The command line's rough edges, each fixed: argument names, help texts, one-line refusals,
progress at 80 columns, and outputs that git ignores."""

from __future__ import annotations

import fcntl
import os
import pty
import shutil
import socket
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from numnet.app.cli import main
from numnet.files import model_file as io
from numnet.nn import Dense, ReLU, Sequential
from numnet.presets import PRESETS
from realdata import mnist_dir

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    return io.save(Sequential([Dense(8), ReLU(), Dense(10)], seed=0), tmp_path / "m.npz")


def help_text(capsys: pytest.CaptureFixture[str], command: str) -> str:
    """What ``numnet COMMAND --help`` prints."""
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run ``numnet argv``; it must fail with exit status 2 and one line on stderr."""
    try:
        status = main(argv)
    except SystemExit as e:  # argparse's refusals
        status = int(e.code or 0)
    err = capsys.readouterr().err
    assert status == 2 and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("command", ["evaluate", "show", "predict", "serve", "export"])
def test_the_model_argument_is_model_everywhere(
    capsys: pytest.CaptureFixture[str], command: str
) -> None:
    usage = help_text(capsys, command).split("\n\n")[0]
    assert " MODEL" in usage and "FILE" not in usage, usage


def test_train_help_states_the_preset_defaults(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # one line per flag
    text = help_text(capsys, "train")
    for flag, field in (("--epochs", "epochs"), ("--batch-size", "batch_size"), ("--lr", "lr")):
        line = next(line for line in text.splitlines() if line.strip().startswith(flag))
        for arch, preset in PRESETS.items():
            assert f"{arch} {getattr(preset, field):g}" in line, line


def test_grid_zero_is_refused(capsys: pytest.CaptureFixture[str], model_file: Path) -> None:
    for flag in ("--grid", "--mistakes"):
        err = one_line_error(capsys, ["show", str(model_file), flag, "0"])
        assert f"argument {flag}: must be at least 1, got 0" in err


def test_evaluate_old_confusion_form_says_it_is_a_switch(
    capsys: pytest.CaptureFixture[str], model_file: Path, tmp_path: Path
) -> None:
    png = tmp_path / "cm.png"
    err = one_line_error(capsys, ["evaluate", str(model_file), "--confusion", str(png)])
    assert "--confusion is a switch" in err and "--out-dir" in err and str(png) in err
    assert not png.exists()


def test_evaluate_confusion_switch_draws_into_out_dir(
    capsys: pytest.CaptureFixture[str], model_file: Path, tmp_path: Path
) -> None:
    data = mnist_dir()
    pics = tmp_path / "pics"
    assert main(["evaluate", str(model_file), "--data", data]) == 0
    assert "confusion matrix" not in capsys.readouterr().out and not list(tmp_path.rglob("*.png"))
    argv = ["evaluate", str(model_file), "--confusion", "--out-dir", str(pics), "--data", data]
    assert main(argv) == 0
    assert f"confusion matrix -> {pics / 'm.confusion.png'}" in capsys.readouterr().out
    assert (pics / "m.confusion.png").read_bytes()[:4] == b"\x89PNG"


def test_serve_on_a_taken_port_names_it_and_port_flag(
    capsys: pytest.CaptureFixture[str], model_file: Path
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        err = one_line_error(capsys, ["serve", str(model_file), "--port", str(port)])
    assert f"port {port} on 127.0.0.1 is already in use" in err and "--port" in err


def run_in_terminal(argv: list[str], cwd: Path, columns: int = 80) -> list[str]:
    """Run ``python -m numnet argv`` in a pseudo-terminal ``columns`` wide; return each
    state of the screen's lines (the text between carriage returns and newlines)."""
    main_fd, child_fd = pty.openpty()
    fcntl.ioctl(child_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {**os.environ, "COLUMNS": str(columns), "TQDM_MININTERVAL": "0"}
    child = subprocess.Popen(
        [sys.executable, "-m", "numnet", *argv],
        stdin=child_fd, stdout=child_fd, stderr=child_fd, cwd=cwd, env=env,
    )
    os.close(child_fd)
    out = b""
    while True:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main_fd)
    assert child.wait(timeout=120) == 0, out.decode(errors="replace")
    text = out.decode().replace("\r\n", "\n")
    return [s for line in text.split("\n") for s in line.split("\r") if s.strip()]


@pytest.mark.slow
def test_train_at_80_columns_keeps_bars_and_metrics_whole(tmp_path: Path) -> None:
    argv = ["train", "--limit", "3000", "--epochs", "2", "--data", mnist_dir()]
    screen = run_in_terminal(argv, cwd=tmp_path)
    bars = [s for s in screen if s.startswith("epoch ") and "|" in s]
    summaries = [s for s in screen if s.startswith("epoch ") and "|" not in s]
    assert bars and all(len(s) <= 80 for s in bars)
    assert min(len(s.split("|")[1]) for s in bars) >= 10  # the bar itself keeps its width
    assert len(summaries) == 2  # one line per finished epoch, nothing cut off
    for s in summaries:
        assert len(s) <= 80 and "val_loss 0." in s and "val_acc 0." in s, s

    # what it wrote lies beside the model, and git ignores all of it
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["mlp.curves.png", "mlp.history.json", "mlp.npz"]
    git = shutil.which("git")
    if git is None or not (REPO / ".git").exists():
        pytest.skip("not a git checkout: cannot ask git what it ignores")
    names = [*written, "mlp-checkpoints/step-000000001.npz", "mlp.onnx", "twolayer.pkl"]
    check = subprocess.run(
        [git, "check-ignore", "--no-index", "--verbose", "--non-matching", *names],
        cwd=REPO, capture_output=True, text=True,
    )
    unignored = [line for line in check.stdout.splitlines() if line.startswith("::")]
    assert not unignored, unignored


def test_a_reader_that_leaves_early_gets_no_error(tmp_path: Path, model_file: Path) -> None:
    """`numnet predict ... | head -1` when head has gone before numnet writes: like cat,
    numnet stops quietly (no "Broken pipe" line, no traceback), status 141."""
    from PIL import Image

    path = tmp_path / "d.png"
    Image.new("L", (28, 28), 0).save(path)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before the first byte
    try:
        done = subprocess.run([sys.executable, "-m", "numnet", "predict", str(path), "--model",
                               str(model_file), "--json"],
                              stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120)
    finally:
        os.close(write_end)
    assert done.stderr == "" and done.returncode == 141
