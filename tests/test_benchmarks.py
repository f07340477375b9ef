"""``python benchmarks/run.py`` runs end to end and reports every number (a smoke run with a tiny
batch; the numbers themselves depend on the machine and are not judged here)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from helpers_models import models_as_cloned

from exportctl.config import PROJECT_DIR

pytestmark = pytest.mark.slow

SCRIPT = PROJECT_DIR / "benchmarks" / "run.py"
TARGETED = {
    "latency_p50_ms",
    "command_batch_s",
    "cold_start_s",
    "peak_rss_mb",
    "command_worker_peak_rss_mb",
    "long_text_peak_rss_mb",
}


def test_benchmarks_run_reports_every_measure(tmp_path):
    models = models_as_cloned(tmp_path / "models")
    committed = {p.parent.parent.name for p in models.rglob("params.json")}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--batch", "5", "--samples", "10"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # the script finds its data from its own location
        env={**os.environ, "EXPORTCTL_MODELS": str(models)},
    )
    assert result.returncode == 0, result.stderr
    rows = {}
    for line in result.stdout.splitlines():
        match = re.fullmatch(r"(\w+) +([\d.]+)(?:  (ok|OVER target [\d.]+))?", line)
        assert match, line
        rows[match[1]] = (float(match[2]), match[3])
    assert set(rows) == TARGETED | {
        "abstracts",
        "index_build_s",
        "latency_p95_ms",
        "batch_size",
        "batch_s",
        "throughput_per_s",
        "command_cpu_s",
        "load_average_before",
        "long_text_s",
    }
    data = PROJECT_DIR / "benchmarks" / "data"
    abstracts = sum(
        1
        for name in ("abstracts_dev.jsonl", "abstracts_test.jsonl")
        for line in (data / name).read_text(encoding="utf-8").splitlines()
        if line.strip()
    )
    assert rows["abstracts"] == (abstracts, None)
    assert rows["batch_size"] == (5, None)
    for key, (value, mark) in rows.items():
        assert value > 0, key
        assert (mark is not None) == (key in TARGETED), key
    assert rows["latency_p50_ms"][0] <= rows["latency_p95_ms"][0]
    assert 50 < rows["peak_rss_mb"][0] < 24_000
    # The saved indexes the cold start loaded are the ones it built, in the given folder.
    built = {p.parent.parent.name for p in models.rglob("params.json")} - committed
    assert built == {"clause-index", "entry-index"}
