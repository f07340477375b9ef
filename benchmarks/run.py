"""Speed and memory of the suggestion pipeline, printed as numbers.

    python benchmarks/run.py [--batch 1000] [--samples 200]

Measures, each in a fresh Python process so imports and caches start cold:
- index build time (clause and entry indexes from the imported list),
- cold start (import, load the list, load the saved indexes and the spaCy model),
- per-abstract latency p50/p95 once loaded (``--samples`` real abstracts from benchmarks/data),
- batch throughput (``--batch`` abstracts, the real ones repeated) in one process,
- the whole ``exportctl suggest --input ... --output ...`` command on ``--batch`` abstracts,
  with one worker per core (``--jobs``), start to finish,
- peak resident memory of the single-process batch and of the largest batch worker,
- time and peak memory of one text as long as the engine reads (``MAX_TEXT_CHARS``: the
  real abstracts run together).
Targets (2 cores): p50 < 100 ms, the 1,000-abstract command < 60 s, cold start < 5 s,
peak memory < 800 MB per process, the longest text included.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = [HERE / "data" / "abstracts_dev.jsonl", HERE / "data" / "abstracts_test.jsonl"]

BUILD = """
import time, tempfile, json
from pathlib import Path
from exportctl.lists.store import ControlList
from exportctl.suggest.engine import load_alias_texts, load_or_build_index
cl = ControlList.load()
aliases = load_alias_texts(cl)
started = time.perf_counter()
with tempfile.TemporaryDirectory() as folder:
    for level in ("clause", "entry"):
        load_or_build_index(cl, aliases, Path(folder), level=level)
print(json.dumps({"index_build_s": time.perf_counter() - started}))
"""

COLD = """
import time, json
started = time.perf_counter()
from exportctl.suggest.engine import Suggester
suggester = Suggester.load()
suggester.suggest("warm-up text about a laser")
print(json.dumps({"cold_start_s": time.perf_counter() - started}))
"""

BATCH = """
import json, resource, statistics, sys, time
from exportctl.suggest.engine import Suggester
texts = json.loads(sys.stdin.read())
suggester = Suggester.load()
suggester.suggest(texts[0])
latencies = []
for text in texts[:SAMPLES]:
    started = time.perf_counter()
    suggester.suggest(text)
    latencies.append(1000 * (time.perf_counter() - started))
latencies.sort()
batch = texts * (BATCH_SIZE // len(texts) + 1)
batch = batch[:BATCH_SIZE]
started = time.perf_counter()
for text in batch:
    suggester.suggest(text)
elapsed = time.perf_counter() - started
print(json.dumps({
    "latency_p50_ms": statistics.median(latencies),
    "latency_p95_ms": latencies[int(0.95 * (len(latencies) - 1))],
    "batch_size": len(batch),
    "batch_s": elapsed,
    "throughput_per_s": len(batch) / elapsed,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

LONG = """
import json, resource, sys, time
from exportctl.config import MAX_TEXT_CHARS
from exportctl.suggest.engine import Suggester
texts = json.loads(sys.stdin.read())
suggester = Suggester.load()
suggester.suggest(texts[0])
text = (" ".join(texts) * 10)[:MAX_TEXT_CHARS]
started = time.perf_counter()
suggester.suggest(text)
print(json.dumps({
    "long_text_s": time.perf_counter() - started,
    "long_text_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run(code: str, stdin: str = "") -> dict:
    result = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def command_batch(texts: list[str], size: int) -> dict:
    """The CLI batch command, timed from start to exit (imports, loading and all workers)."""
    rows = (texts * (size // len(texts) + 1))[:size]
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.jsonl"
        source.write_text(
            "".join(json.dumps({"id": str(i), "text": t}) + "\n" for i, t in enumerate(rows))
        )
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).parent / "exportctl"), "suggest", "--input", str(source),
             "--output", str(Path(folder) / "out.jsonl")],
            check=True, capture_output=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {
        "command_batch_s": elapsed,
        # CPU seconds of the command and its workers: on cores of its own the command needs
        # about this divided by the cores; the load average says how much else was running
        "command_cpu_s": cpu,
        "load_average_before": load_before,
        "command_worker_peak_rss_mb": after.ru_maxrss / 1024,
    }


def abstracts() -> list[str]:
    texts = []
    for path in DATA:
        with path.open(encoding="utf-8") as handle:
            texts.extend(json.loads(line)["text"] for line in handle if line.strip())
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=200, help="abstracts timed one by one")
    args = parser.parse_args()
    texts = abstracts()
    results: dict = {"abstracts": len(texts)}
    results.update(run(BUILD))
    run(COLD)  # make sure the saved index exists and is current before timing a cold start
    results.update(run(COLD))
    batch = BATCH.replace("BATCH_SIZE", str(args.batch)).replace("SAMPLES", str(args.samples))
    results.update(run(batch, json.dumps(texts)))
    results.update(command_batch(texts, args.batch))
    results.update(run(LONG, json.dumps(texts)))
    targets = {
        "latency_p50_ms": 100,
        "command_batch_s": 60 * args.batch / 1000,
        "cold_start_s": 5,
        "peak_rss_mb": 800,
        "command_worker_peak_rss_mb": 800,
        "long_text_peak_rss_mb": 800,
    }
    for key, value in results.items():
        target = targets.get(key)
        mark = "" if target is None else ("  ok" if value < target else f"  OVER target {target}")
        shown = f"{value:.1f}" if isinstance(value, float) else str(value)
        print(f"{key:<20} {shown:>10}{mark}")


if __name__ == "__main__":
    main()
