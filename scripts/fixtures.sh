#!/usr/bin/env bash
# Makes the test fixtures in .cache/fixtures (ignored by git): the onnx package's
# light zoo models with their reference outputs, random-weight versions with
# onnxruntime outputs, and compressed variants (int8, fp16, int4, pruned).
# Idempotent: a second run checks the venv and the fixtures' stamp and exits.
#   scripts/fixtures.sh            # everything (~4 min on 2 cores, 2.7 GB)
#   FIXTURES=/elsewhere scripts/fixtures.sh
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.cache/venv
out=${FIXTURES:-.cache/fixtures}
# Pinned: reference outputs depend on onnxruntime's kernels and quantizer.
pins=(onnx==1.23.2 onnxruntime==1.32.0 onnxconverter-common==1.16.0 numpy==2.4.6)
want="${pins[*]}"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$venv/.picojoule-pins" 2>/dev/null)" != "$want" ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "fixtures: creating $venv"
    python3 -m venv "$venv"
  fi
  if ! "$venv/bin/python" -c 'import onnx, onnxruntime, onnxconverter_common, numpy' 2>/dev/null \
     || [ "$("$venv/bin/python" -c 'import onnx, onnxruntime, onnxconverter_common as c, numpy as n; print(f"onnx=={onnx.__version__} onnxruntime=={onnxruntime.__version__} onnxconverter-common=={c.__version__} numpy=={n.__version__}")')" != "$want" ]; then
    echo "fixtures: installing ${pins[*]}"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${pins[@]}"
  fi
  echo "$want" > "$venv/.picojoule-pins"
fi
exec nice -n 10 "$venv/bin/python" scripts/fixtures.py --out "$out" "$@"
