#!/usr/bin/env bash
# Peak multiply-accumulate throughput of one core for fp32 FMA and the int8 dot-product
# instructions (x86-64 with AVX2; AVX-512 and VNNI lines where the CPU has them): what
# bounds int8 against fp32 on this CPU.
#   scripts/bench-peak.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(uname -m)" != "x86_64" ]; then echo "bench-peak: x86-64 only (AVX2 intrinsics)" >&2; exit 2; fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O3 -mavx2 -mfma -o "$out/peak" "$root/scripts/bench-peak/peak.c"
grep -m1 "model name" /proc/cpuinfo || true
"$out/peak"
