#!/usr/bin/env bash
# Times the fp32 linear-algebra kernels (Gemm/MatMul/Conv) single-threaded in a release
# build, through the public kernel registry, and onnxruntime on the same shapes.
# Builds in a throwaway copy of HEAD (plus the working tree's Package.swift, Runtime and CKernels) with a minimal
# package holding only Model, Runtime and the bench, so nothing else needs to compile.
#   scripts/bench-linear.sh            # gemm and conv
#   scripts/bench-linear.sh gemm       # one group (gemm, conv, resnet, squeezenet, winograd, depthwise, sparse)
#   scripts/bench-linear.sh resnet --cold          # each run starts after a 32 MB flush
#   scripts/bench-linear.sh resnet --cold-weights  # the same, input and output touched again
#   scripts/bench-linear.sh conv:64:256:13:3       # any conv shape, conv:C:M:HW:K[:STRIDE]
# Prints wall time and thread CPU time: on a shared host the CPU figure is the fair one.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_LINEAR_DIR:-/tmp/picojoule-bench-linear}
mkdir -p "$work"
git -C "$root" archive HEAD | tar -x -C "$work"
cp "$root/Package.swift" "$work/Package.swift"
cp -r "$root/Sources/Runtime/." "$work/Sources/Runtime/"
cp -r "$root/Sources/CKernels/." "$work/Sources/CKernels/"
mkdir -p "$work/Sources/LinearBench"
cp "$root/scripts/bench-linear/main.swift" "$work/Sources/LinearBench/main.swift"
python3 - "$work/Package.swift" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
head = s[:s.index("let package = Package(")]
open(p, "w").write(head + '''let package = Package(
    name: "PicojouleBenchLinear",
    dependencies: [.package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0")],
    targets: [
        .target(name: "CKernels", cSettings: cpuCFlags),
        .target(name: "Model", dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")], swiftSettings: cpuFlags),
        .target(name: "Runtime", dependencies: ["Model", "CKernels"], swiftSettings: hot),
        .executableTarget(name: "LinearBench", dependencies: ["Model", "Runtime"], swiftSettings: hot),
    ],
    swiftLanguageModes: [.v6]
)
''')
PY
(cd "$work" && swift build -c release --product LinearBench)
"$work/.build/release/LinearBench" "$@"
if [ -x "$root/.cache/venv/bin/python" ]; then
  "$root/.cache/venv/bin/python" "$root/scripts/bench-linear/ort_peer.py" "$@"
fi
