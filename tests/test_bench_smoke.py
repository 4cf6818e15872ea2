"""Smoke test of benchmarks/run.py: a tiny run writes JSON with every figure the table shows.

Only the keys and the kinds of values are checked, never the timings (tests are not timed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

RUN = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
ROW_KEYS = {
    "network", "params", "epoch_s", "epoch_extrapolated", "train_samples_per_s", "epoch_cpu_s",
    "floor_epoch_cpu_s", "floor_fraction_cpu",
    "floor_epoch_s", "floor_fraction", "infer_images_per_s", "latency_us_median",
    "latency_us_p99", "peak_rss_mb", "augment_ms", "augmented_epoch_s",
}


def test_quick_run_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    # One BLAS thread: on a busy shared machine a 2-thread BLAS can be 100x slower.
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(RUN), "--quick", "--synthetic", "--samples", "300",
         "--test-samples", "200", "--epochs", "1", "--cnn-batches", "2", "--calls", "20",
         "--json", str(out)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert {"machine", "data", "load_average_start", "load_average_end", "settings", "rows"} <= set(
        result
    )
    assert {"cpu", "cores", "numpy", "blas"} <= set(result["machine"])
    assert [r["network"] for r in result["rows"]] == [
        "MLP 784-128-10", "MLP 784-512-256-10", "reference CNN", "CNN preset",
    ]
    for row in result["rows"]:
        assert set(row) == ROW_KEYS
        assert all(row[k] > 0 for k in ROW_KEYS - {"network", "epoch_extrapolated"})
    assert result["rows"][0]["params"] == 784 * 128 + 128 + 128 * 10 + 10
    # the printed table has one line per network
    names = [line.split("|")[1].strip() for line in proc.stdout.splitlines() if line[:1] == "|"]
    assert names[2:] == [r["network"] for r in result["rows"]]
