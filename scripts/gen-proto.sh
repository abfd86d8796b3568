#!/usr/bin/env bash
# Regenerates Sources/Model/Proto/onnx-subset.pb.swift from onnx-subset.proto.
# Run only when the .proto changes; the generated Swift is committed so that
# builds need neither protoc nor the plugin.
#
# Needs: protoc 3.21+ (`apt-get install protobuf-compiler`) and protoc-gen-swift
# built from the same swift-protobuf version Package.swift depends on (1.39.0):
#   git clone /opt/swift-packages/apple/swift-protobuf.git /tmp/swift-protobuf   # or the GitHub URL
#   cd /tmp/swift-protobuf && git checkout 1.39.0
#   swift build -c release --product protoc-gen-swift
# Set PROTOC_GEN_SWIFT to the plugin if it is not at the path below.
set -euo pipefail
cd "$(dirname "$0")/.."
plugin="${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}"
if [ ! -x "$plugin" ]; then
  echo "protoc-gen-swift not found at $plugin (see the comment at the top of $0)" >&2
  exit 1
fi
command -v protoc >/dev/null || { echo "protoc not found: apt-get install protobuf-compiler" >&2; exit 1; }
protoc --plugin=protoc-gen-swift="$plugin" \
  --swift_opt=Visibility=Internal \
  --swift_out=Sources/Model/Proto \
  --proto_path=Sources/Model/Proto \
  Sources/Model/Proto/onnx-subset.proto
echo "wrote Sources/Model/Proto/onnx-subset.pb.swift"
