#!/usr/bin/env bash
# One optimized build of everything, tests included: kernels in a debug build run
# 10-100x slower, so tests, the demo and benchmarks all use this one.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests "$@"
