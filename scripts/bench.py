#!/usr/bin/env python3
"""Times Picojoule against onnxruntime on the same model files and writes the
table into docs/BENCHMARKS.md between <!-- bench:engine:begin --> and
<!-- bench:engine:end --> (nothing else in that file is touched).

Picojoule runs through its CLI, one process per batch of runs:
    {bin} run {model} --threads {threads} --runs {runs} --warmup {warmup} --json
(change it with --command; the JSON's per-run latencies are used when present,
else its median). onnxruntime runs in this process with the same thread count:
intra_op_num_threads=N, inter_op_num_threads=1, ORT_SEQUENTIAL, all graph
optimizations (ORT_ENABLE_ALL, the default), default spin-waiting.

For every (model, threads) the two engines alternate `--rounds` times, each
round a warm-up then runs/rounds timed runs, so drift on a shared machine hits
both; the reported figure is the median over all timed runs. The console line adds
"paired": the median over rounds of each round's onnxruntime median ÷ Picojoule
median, which moves less when the host drifts between calm and slow phases.

Usage: scripts/bench.sh [--runs 48] [--rounds 8] [--threads 1,2] [--models squeezenet,...] [--variants fp32,qdq-u8s8-pt,...]
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
BEGIN, END = "<!-- bench:engine:begin -->", "<!-- bench:engine:end -->"
DEFAULT_MODELS = ["squeezenet", "shufflenet", "resnet50", "densenet121", "inception_v1", "inception_v2"]
DEFAULT_VARIANTS = ["fp32", "qdq-u8s8-pt", "qdq-s8s8-pc", "qop-u8s8-pt", "qop-u8s8-pc", "dynamic-u8",
                    "fp16-io32", "int4-dq", "pruned90"]
DEFAULT_COMMAND = "{bin} run {model} --threads {threads} --runs {runs} --warmup {warmup} --json"


def model_path(fixtures: str, model: str, variant: str) -> str:
    if variant == "fp32":
        return os.path.join(fixtures, "random", f"{model}.onnx")
    return os.path.join(fixtures, "compressed", model, f"{variant}.onnx")


def input_path(fixtures: str, model: str) -> str:
    return os.path.join(fixtures, "random", f"{model}.input.npy")


class OrtRunner:
    def __init__(self, path: str, threads: int, x: np.ndarray):
        import onnxruntime as ort
        so = ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.log_severity_level = 3
        self.sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
        inp = self.sess.get_inputs()[0]
        self.feed = {inp.name: x.astype(np.float16) if inp.type == "tensor(float16)" else x}

    def times(self, runs: int, warmup: int) -> list[float]:
        for _ in range(warmup):
            self.sess.run(None, self.feed)
        out = []
        for _ in range(runs):
            t = time.perf_counter()
            self.sess.run(None, self.feed)
            out.append((time.perf_counter() - t) * 1e3)
        return out


def find_latencies(doc) -> tuple[list[float], float | None]:
    """Per-run latencies (ms) and a median from Picojoule's JSON, wherever they sit:
    lists under keys like runs_ms / samples_ms / latencies_ms, a number under
    median_ms (preferring one inside a 'latency' object)."""
    runs: list[float] = []
    medians: list[tuple[int, float]] = []

    def walk(node, path):
        if isinstance(node, dict):
            for k, v in node.items():
                kl = k.lower()
                if isinstance(v, list) and v and all(isinstance(e, (int, float)) for e in v) \
                        and re.search(r"(runs|samples|latenc|times)", kl) and kl.endswith("_ms"):
                    runs.extend(float(e) for e in v)
                elif isinstance(v, (int, float)) and kl in ("median_ms", "p50_ms", "median"):
                    medians.append((0 if any("latenc" in p for p in path + [kl]) else 1, float(v)))
                else:
                    walk(v, path + [kl])
        elif isinstance(node, list):
            for e in node:
                walk(e, path)

    walk(doc, [])
    medians.sort()
    return runs, (medians[0][1] if medians else None)


def run_picojoule(template: str, binary: str, path: str, threads: int, runs: int, warmup: int) -> tuple[list[float], str]:
    cmd = template.format(bin=shlex.quote(binary), model=shlex.quote(path), threads=threads, runs=runs, warmup=warmup)
    p = subprocess.run(cmd, shell=True, capture_output=True, text=True, timeout=1800)
    if p.returncode != 0:
        lines = (p.stderr.strip() or p.stdout.strip() or f"exit {p.returncode}").splitlines()
        return [], lines[-1][:160]
    text = p.stdout
    start = text.find("{")
    try:
        doc = json.loads(text[start:]) if start >= 0 else None
    except json.JSONDecodeError as e:
        return [], f"unreadable JSON: {e}"
    runs_ms, median = find_latencies(doc)
    if runs_ms:
        return runs_ms, ""
    if median is not None:
        return [median], ""
    return [], "no latency in JSON"


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs (nproc {len(os.sched_getaffinity(0))}), Linux {platform.release()}"


def write_section(doc_path: str, text: str) -> None:
    body = open(doc_path).read() if os.path.exists(doc_path) else "# Benchmarks\n"
    block = f"{BEGIN}\n{text.rstrip()}\n{END}"
    if BEGIN in body and END in body:
        head, rest = body.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        body = head + block + tail
    else:
        body = body.rstrip() + "\n\n" + block + "\n"
    with open(doc_path, "w") as f:
        f.write(body)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build", "release", "picojoule"))
    ap.add_argument("--command", default=DEFAULT_COMMAND, help="template with {bin} {model} {threads} {runs} {warmup}")
    ap.add_argument("--fixtures", default=os.path.join(ROOT, ".cache", "fixtures"))
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    ap.add_argument("--threads", default="1,2")
    # Eight rounds of six: on a shared VM whose host moves between calm and slow phases of
    # about a second, three rounds of four left a row's ratio to whichever phase its few
    # rounds met (SqueezeNet 0.95 against 1.04 with 96 runs in 12 rounds, same build).
    ap.add_argument("--runs", type=int, default=48, help="timed runs per engine, split over the rounds")
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--warmup", type=int, default=2, help="untimed runs before each round")
    ap.add_argument("--doc", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    ap.add_argument("--reproduce", default=None, help="the command line to print as the way to reproduce")
    args = ap.parse_args()
    import onnxruntime as ort

    per_round = max(1, args.runs // args.rounds)
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for model in [m for m in args.models.split(",") if m]:
        x = np.load(input_path(args.fixtures, model))
        for variant in [v for v in args.variants.split(",") if v]:
            path = model_path(args.fixtures, model, variant)
            if not os.path.exists(path):
                print(f"bench: {model}/{variant}: no fixture ({path}); run scripts/fixtures.sh", file=sys.stderr)
                continue
            for n in threads:
                ort_ms: list[float] = []
                ours_ms: list[float] = []
                note = ""
                try:
                    runner = OrtRunner(path, n, x)
                except Exception as e:  # noqa: BLE001
                    runner, note = None, f"onnxruntime: {str(e).splitlines()[0][:120]}"
                paired: list[float] = []
                for _ in range(args.rounds):
                    o_round: list[float] = []
                    if runner is not None:
                        o_round = runner.times(per_round, args.warmup)
                        ort_ms += o_round
                    if not note.startswith("picojoule"):
                        got, err = run_picojoule(args.command, args.bin, path, n, per_round, args.warmup)
                        ours_ms += got
                        if err:
                            note = f"picojoule: {err}"
                        elif o_round and got:
                            paired.append(statistics.median(o_round) / statistics.median(got))
                o = statistics.median(ort_ms) if ort_ms else None
                p = statistics.median(ours_ms) if ours_ms and not note.startswith("picojoule") else None
                # The median of the rounds' own ratios: each round's two engines ran within
                # a fraction of a second of each other, so a host phase hits both.
                pm = statistics.median(paired) if paired and o and p else None
                rows.append((model, variant, n, o, p, pm, note))
                ratio = f"{o / p:.2f}" if o and p else "—"
                pair = f"  paired {pm:.2f}" if pm is not None else ""
                print(f"bench: {model:13s} {variant:12s} {n}t  onnxruntime {o or float('nan'):8.2f} ms  "
                      f"picojoule {p or float('nan'):8.2f} ms  ratio {ratio}{pair} {note}", flush=True)

    def ms(v):
        return f"{v:.2f}" if v is not None else "—"

    lines = [
        f"Measured {datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} on {machine()}; "
        f"onnxruntime {ort.__version__}.",
        "",
        "Reproduce: `" + (args.reproduce or "scripts/bench.sh " + " ".join(shlex.quote(a) for a in sys.argv[1:])).strip() + "`",
        "",
        f"Median of {per_round * args.rounds} timed runs per engine after warm-up, the two engines alternating in "
        f"{args.rounds} rounds. onnxruntime: same file, `intra_op_num_threads=N`, `inter_op_num_threads=1`, "
        "sequential execution, all graph optimizations enabled. Ratio = onnxruntime time ÷ Picojoule time "
        "(> 1: Picojoule is faster). Paired = the median over rounds of each round's own ratio (its two "
        "engines ran within a second of each other, so it moves less when the host drifts between calm and "
        "slow phases). Models: the random-weight light zoo (`.cache/fixtures/random`) and its "
        "compressed variants (`.cache/fixtures/compressed`, see `scripts/fixtures.py`).",
        "",
        "| model | variant | threads | onnxruntime ms | Picojoule ms | ratio | paired | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for model, variant, n, o, p, pm, note in rows:
        ratio = f"{o / p:.2f}" if o and p else "—"
        pair = f"{pm:.2f}" if pm is not None else "—"
        lines.append(f"| {model} | {variant} | {n} | {ms(o)} | {ms(p)} | {ratio} | {pair} | {note.replace('|', '/')} |")
    text = "\n".join(lines) + "\n"
    print(text)
    if not args.no_write:
        write_section(args.doc, text)
        print(f"bench: wrote {os.path.relpath(args.doc, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
