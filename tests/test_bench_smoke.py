"""Smoke tests of benchmarks/run.py, benchmarks/torch_compare.py,
benchmarks/inference_floor.py, benchmarks/layer_times.py and benchmarks/gil_products.py: tiny
runs write JSON with every figure the tables show (the floor, layer and GIL scripts print
theirs).

Only the keys and the kinds of values are checked, never the timings (tests are not timed).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from realdata import mnist_dir

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
RUN, COMPARE = BENCHMARKS / "run.py", BENCHMARKS / "torch_compare.py"
FLOOR = BENCHMARKS / "inference_floor.py"
LAYERS = BENCHMARKS / "layer_times.py"
GIL = BENCHMARKS / "gil_products.py"
ROW_KEYS = {
    "network", "threads", "threads_default", "cores_used", "params", "epoch_s",
    "epoch_extrapolated", "train_samples_per_s", "epoch_cpu_s", "floor_epoch_cpu_s",
    "floor_fraction_cpu", "floor_epoch_s", "floor_fraction", "infer_images_per_s",
    "latency_us_median", "latency_us_p99", "peak_rss_mb", "augment_ms", "augmented_epoch_s",
}
FULL_CNN_KEYS = {"full_cnn_command", "full_cnn_s", "full_cnn_train_s", "full_cnn_cores_used",
                 "full_cnn_test_accuracy"}
TINY = ["--quick", "--synthetic", "--samples", "300", "--test-samples", "200", "--epochs", "1",
        "--cnn-batches", "2", "--calls", "20"]
HAS_TORCH = importlib.util.find_spec("torch") is not None


def bench(script: Path, *args: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    # One BLAS thread: on a busy shared machine a 2-thread BLAS can be 100x slower.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          env=env, timeout=timeout)


def table_rows(stdout: str) -> list[list[str]]:
    """The cells of the printed table's body (after the header and its rule)."""
    rows = [[c.strip() for c in line.split("|")[1:-1]] for line in stdout.splitlines()
            if line[:1] == "|"]
    return rows[2:]


def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    proc = bench(RUN, *TINY, "--threads", "1,default", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert {"machine", "data", "load_average_start", "load_average_end", "settings", "rows"} <= set(
        result
    )
    assert {"cpu", "cores", "usable_cores", "fit_default_threads", "numpy", "blas"} <= set(
        result["machine"])
    names = ["MLP 784-128-10", "MLP 784-512-256-10", "reference CNN", "CNN preset"]
    assert [(r["network"], r["threads_default"]) for r in result["rows"]] == [
        (name, default) for name in names for default in (False, True)]
    default = result["machine"]["fit_default_threads"]
    for row in result["rows"]:
        assert set(row) == ROW_KEYS
        assert row["threads"] == (default if row["threads_default"] else 1)
        assert all(row[k] > 0 for k in ROW_KEYS - {"network", "epoch_extrapolated",
                                                  "threads_default"})
    assert result["rows"][0]["params"] == 784 * 128 + 128 * 10 + 128 + 10
    # the printed table has one line per row, the threads in the second column
    cells = table_rows(proc.stdout)
    assert [c[0] for c in cells] == [r["network"] for r in result["rows"]]
    assert [c[1] for c in cells] == ["1", f"default ({default})"] * 4
    assert "load average" in proc.stdout


def test_bad_thread_list_is_one_line() -> None:
    proc = bench(RUN, "--threads", "1,many")
    assert proc.returncode == 2
    assert "'many' is neither a thread count nor 'default'" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_full_cnn_times_the_real_command(tmp_path: Path) -> None:
    """--full-cnn runs `numnet train --arch cnn` (here on 300 images for one epoch)."""
    out = tmp_path / "bench.json"
    flags = f"--data {mnist_dir()} --epochs 1 --limit 300"
    proc = bench(RUN, *TINY, "--networks", "cnn", "--threads", "1", "--full-cnn",
                 "--full-cnn-args", flags, "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    (row,) = json.loads(out.read_text())["rows"]
    assert set(row) == ROW_KEYS | FULL_CNN_KEYS
    assert row["full_cnn_command"] == f"numnet train --arch cnn --threads 1 {flags}"
    assert row["full_cnn_s"] > row["full_cnn_train_s"] > 0 and row["full_cnn_cores_used"] > 0
    assert 0.1 < row["full_cnn_test_accuracy"] <= 1  # 300 images, one epoch: better than chance
    assert f"({row['full_cnn_test_accuracy']:.2%})" in table_rows(proc.stdout)[0][-1]


@pytest.mark.parametrize("work", ["mlp128", "ref", "infer", "latency"])
def test_compare_numnet_child_measures(work: str) -> None:
    """The numnet side of torch_compare needs no PyTorch: one measurement, as JSON."""
    proc = bench(COMPARE, "--child", "numnet", "--works", work, "--threads", "1", "--steps",
                 "3", "--warmup", "1", "--calls", "20")
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.splitlines()[-1])
    assert got["value"] > 0 and got["threads"] == 1


@pytest.mark.skipif(HAS_TORCH, reason="PyTorch is installed here")
def test_compare_without_torch_says_so_in_one_line() -> None:
    proc = bench(COMPARE, "--quick")
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0
    assert "PyTorch is not importable" in proc.stderr and "pip install torch" in proc.stderr


@pytest.mark.skipif(not HAS_TORCH, reason="PyTorch is not installed (it is optional)")
def test_compare_quick_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "compare.json"
    proc = bench(COMPARE, "--quick", "--works", "mlp128,cnn,infer,latency", "--threads",
                 "1,default", "--calls", "20", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(out.read_text())["rows"]
    assert [(r["work"], r["threads"]) for r in rows] == [
        ("mlp128", 1), ("mlp128", "default"), ("cnn", 1), ("cnn", "default"), ("infer", 2),
        ("latency", 1)]
    for r in rows:
        assert r["numnet"] > 0 and r["torch"] > 0 and r["numnet_ahead_by"] > 0
    assert len(table_rows(proc.stdout)) == len(rows)


def test_inference_floor_prints_the_pass_its_floor_and_the_pieces() -> None:
    proc = bench(FLOOR, "--threads", "2", "--images", "2500", "--passes", "2", "--calls", "20")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("MLP-128, 2,500 random images in batches of 1,000, 2 worker")
    assert [line.split()[0] for line in lines[1:4]] == ["pass", "first", "the"]
    assert "img/s" in lines[1] and "img/s" in lines[2] and "floor fraction" in lines[3]
    assert all(name in lines[4] for name in ("x W1", "+ b1", "ReLU", "h W2", "+ b2", "argmax"))
    assert lines[5].startswith("one image: predict_classes")


def test_layer_times_prints_every_layer_alone_and_beside_another() -> None:
    proc = bench(LAYERS, "--arch", "cnn", "--rows", "4", "--runs", "2", "--pair")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # the CNN preset's 17 layers, in both tables, each with a forward and a backward time
    rows = [line for line in out.splitlines() if line.split()[:1] and line.split()[0] in
            {"Conv2D", "MaxPool2D", "BatchNorm", "ReLU", "Flatten", "Dense", "Dropout"}]
    assert len(rows) == 34 and all(len(r.split()) >= 4 for r in rows)
    assert out.count("sum ") == 2 and "one pass alone" in out and "beside the other" in out


def test_gil_products_prints_both_functions_for_every_shape() -> None:
    proc = bench(GIL, "--seconds", "0.01")
    assert proc.returncode == 0, proc.stderr
    rows = proc.stdout.splitlines()[1:]
    assert [r.split()[-3] for r in rows] == ["matmul", "dot"] * 4
    assert all(float(r.split()[-2]) > 0 and r.endswith("x") for r in rows)
