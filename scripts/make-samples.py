#!/usr/bin/env python3
"""Writes the small models committed under samples/ (deterministic, seeded).

  tinycnn-fp32.onnx      1x3x32x32 -> 10 classes: (Conv3x3-BN-Relu) x3 with
                         MaxPool between, GlobalAveragePool, Flatten, Gemm; ~94 k params
  tinycnn-int8.onnx      static QDQ int8 (u8 activations, s8 per-channel weights),
                         BatchNorm folded first, calibrated on seeded random inputs
  tinycnn-fp16.onnx      fp16 weights and activations, fp32 inputs/outputs (keep_io_types)
  tinycnn-int4.onnx      int4 weights (DequantizeLinear, opset 21), fp32 activations
  tinycnn-pruned75.onnx  75 % of every Conv/Gemm weight zeroed (smallest magnitudes)
  tinycnn.input.npy      a seeded input, and tinycnn-<variant>.ort.npy onnxruntime's
                         output for it (1 thread), so a sample can be checked by hand

Run with the fixtures venv: .cache/venv/bin/python scripts/make-samples.py
Re-running with the pinned packages reproduces the same bytes.
"""
from __future__ import annotations

import logging
import os
import sys
import tempfile
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fixtures  # noqa: E402  (shared quantize/prune/int4 helpers)

SEED = 7
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "samples")


def tinycnn() -> onnx.ModelProto:
    rng = np.random.default_rng(SEED)
    inits = []
    nodes = []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array, np.float32), name))
        return name

    x = "input"
    channels = [3, 32, 64, 128]
    for i in range(3):
        cin, cout = channels[i], channels[i + 1]
        w = rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2.0 / (cin * 9))
        nodes.append(helper.make_node(
            "Conv", [x, const(f"conv{i}.weight", w), const(f"conv{i}.bias", rng.uniform(-0.1, 0.1, cout))],
            [f"conv{i}"], name=f"conv{i}", kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[1, 1]))
        nodes.append(helper.make_node(
            "BatchNormalization",
            [f"conv{i}", const(f"bn{i}.scale", rng.uniform(0.5, 1.5, cout)), const(f"bn{i}.bias", rng.uniform(-0.1, 0.1, cout)),
             const(f"bn{i}.mean", rng.uniform(-0.1, 0.1, cout)), const(f"bn{i}.var", rng.uniform(0.5, 1.5, cout))],
            [f"bn{i}"], name=f"bn{i}", epsilon=1e-5))
        nodes.append(helper.make_node("Relu", [f"bn{i}"], [f"relu{i}"], name=f"relu{i}"))
        x = f"relu{i}"
        if i < 2:
            nodes.append(helper.make_node("MaxPool", [x], [f"pool{i}"], name=f"pool{i}", kernel_shape=[2, 2], strides=[2, 2]))
            x = f"pool{i}"
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["gap"], name="gap"))
    nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flatten", axis=1))
    fc = rng.standard_normal((10, 128)) * np.sqrt(1.0 / 128)
    nodes.append(helper.make_node("Gemm", ["flat", const("fc.weight", fc), const("fc.bias", rng.uniform(-0.1, 0.1, 10))],
                                  ["logits"], name="fc", transB=1))
    graph = helper.make_graph(
        nodes, "tinycnn",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [1, 10])],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="picojoule-make-samples")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main() -> int:
    logging.getLogger().setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", category=UserWarning)
    os.makedirs(OUT, exist_ok=True)
    fp32 = tinycnn()
    paths = {v: os.path.join(OUT, f"tinycnn-{v}.onnx") for v in ("fp32", "int8", "fp16", "int4", "pruned75")}
    fixtures.save(fp32, paths["fp32"])
    with tempfile.TemporaryDirectory() as tmp:
        folded = os.path.join(tmp, "folded.onnx")
        fixtures.fold_for_quantization(paths["fp32"], folded)
        fixtures.quantize_static_variant(folded, paths["int8"], "qdq", "u8", True, SEED + 1)
    int8 = onnx.load(paths["int8"])
    int8.graph.name = "tinycnn-int8"
    fixtures.save(int8, paths["int8"])
    fixtures.fp16_variant(paths["fp32"], paths["fp16"], keep_io_types=True)
    fixtures.save(fixtures.int4_weights(onnx.load(paths["fp32"])), paths["int4"])
    fixtures.save(fixtures.prune(onnx.load(paths["fp32"]), 0.75), paths["pruned75"])
    x = np.random.default_rng(SEED + 2).standard_normal((1, 3, 32, 32)).astype(np.float32)
    fixtures.save_npy(x, os.path.join(OUT, "tinycnn.input.npy"))
    for variant, path in paths.items():
        out = fixtures.ort_run(path, {"input": x})[0]
        fixtures.save_npy(out, os.path.join(OUT, f"tinycnn-{variant}.ort.npy"))
        print(f"samples/tinycnn-{variant}.onnx  {os.path.getsize(path):>7} bytes  logits[:3] {np.round(out.reshape(-1)[:3], 4)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
