#!/usr/bin/env bash
# One optimized build of everything, tests included: kernels in a debug build run
# 10-100x slower, so tests, the demo and benchmarks all use this one.
#
# The build targets this machine's CPU (Package.swift): with AVX-512 the kernels use
# 512-bit tiles. valgrind cannot run AVX-512 code, so such a build also makes its AVX2
# twin, .build/release/picojoule-sim, which simulated (cachegrind) jobs run.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --build-tests "$@"

avx512_host() {
  local flags
  flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null || true)
  for f in avx512f avx512bw avx512dq avx512vl; do
    [[ " $flags " == *" $f "* ]] || return 1
  done
}
case "${PICOJOULE_TARGET_CPU:-}" in
  "") avx512_host && twin=1 || twin=0 ;;
  skylake-avx512|cascadelake|icelake-server|sapphirerapids|znver4|znver5) twin=1 ;;
  *) twin=0 ;;
esac
if [ "$twin" = 1 ]; then
  echo "build: AVX-512 kernels; building the AVX2 twin for simulations (.build-avx2)"
  PICOJOULE_TARGET_CPU=haswell swift build -c release --scratch-path .build-avx2 --product picojoule
  cp .build-avx2/release/picojoule .build/release/picojoule-sim
fi
