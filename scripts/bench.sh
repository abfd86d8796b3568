#!/usr/bin/env bash
# Picojoule vs onnxruntime on the random-weight zoo models and their compressed
# variants; writes the table into docs/BENCHMARKS.md (bench:engine section).
#   scripts/bench.sh                          # defaults: 1 and 2 threads, 48 runs in 8 rounds (10–20 min on the 2-vCPU build VM)
#   scripts/bench.sh --models squeezenet --variants fp32,qdq-u8s8-pt --no-write
#   PICOJOULE_BIN=path/to/picojoule scripts/bench.sh   # skip the build
# Flags are passed to scripts/bench.py (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fixtures.sh
bin=${PICOJOULE_BIN:-}
if [ -z "$bin" ]; then
  swift build -c release --product picojoule
  bin=.build/release/picojoule
fi
exec .cache/venv/bin/python scripts/bench.py --bin "$bin" --reproduce "scripts/bench.sh $*" "$@"
