#!/usr/bin/env bash
# Times the exact integer linear kernels (MatMulInteger, QLinearMatMul, QLinearConv) against
# the fp32 MatMul/Conv on the same shapes, single-threaded, in a release build of a minimal
# package (CKernels, Model, Runtime and the bench) made from HEAD plus the working tree's
# Runtime and CKernels, so nothing else compiles. Prints thread CPU time (the fair figure on
# a shared host) and wall time; run it when `uptime` shows the machine otherwise idle.
#   scripts/bench-integer-linear.sh                 # everything
#   scripts/bench-integer-linear.sh gemm            # or conv, conv3x3, pointwise, depthwise
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_INTEGER_DIR:-/tmp/picojoule-bench-integer-linear}
mkdir -p "$work"
git -C "$root" archive HEAD | tar -x -C "$work"
cp -r "$root/Sources/Runtime/." "$work/Sources/Runtime/"
cp -r "$root/Sources/CKernels/." "$work/Sources/CKernels/"
mkdir -p "$work/Sources/IntegerLinearBench"
cp "$root/scripts/bench-integer-linear/main.swift" "$work/Sources/IntegerLinearBench/main.swift"
python3 - "$work/Package.swift" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head = s[:s.index("let package = Package(")]
open(p, "w").write(head + '''let package = Package(
    name: "PicojouleBenchIntegerLinear",
    dependencies: [.package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0")],
    targets: [
        .target(name: "CKernels", cSettings: cpuCFlags),
        .target(name: "Model", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")], swiftSettings: cpuFlags),
        .target(name: "Runtime", dependencies: ["Model", "CKernels"], swiftSettings: hot),
        .executableTarget(name: "IntegerLinearBench", dependencies: ["Model", "Runtime"], swiftSettings: hot),
    ],
    swiftLanguageModes: [.v6]
)
''')
PY
(cd "$work" && nice -n 10 swift build -c release --product IntegerLinearBench)
"$work/.build/release/IntegerLinearBench" "$@"
