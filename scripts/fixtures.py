#!/usr/bin/env python3
"""Makes Picojoule's test fixtures in .cache/fixtures (or the folder given).

Everything here is derived from the `onnx` package's shipped test data and made
with onnxruntime's quantizer and onnxconverter-common; nothing is downloaded.

Layout (see also manifest.json, written last):
  zoo/<model>/model.onnx, zoo/<model>/test_data_set_0/{input_0,output_0}.pb
      the 9 light zoo models as shipped, with the input onnx's backend runner
      uses for them (arange(n)/n) and the shipped reference output.
  random/<model>.onnx, <model>.input.npy, <model>.ort.npy
      the same models with their ConstantOfShape weights (all 0.02) replaced by
      seeded random initializers (He-scaled Conv/Gemm weights, positive
      BatchNorm variances), a seeded input and onnxruntime's output (1 thread).
  compressed/<model>/<variant>.onnx, input.npy, <variant>.ort.npy
      int8 (static QDQ / QOperator, dynamic), fp16, int4 weights, pruned.
Outputs past the first are written as <name>.ort.<k>.npy.

Each step is skipped when its outputs exist; bump VERSION to force a rebuild.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import sys
import time
import warnings

import logging

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

VERSION = 2
ZOO = ["bvlc_alexnet", "densenet121", "inception_v1", "inception_v2", "resnet50",
       "shufflenet", "squeezenet", "vgg19", "zfnet512"]
# Models that get compressed variants. The three AlexNet-style models are left out:
# their weights are >90 % one huge fully-connected layer (VGG-19: 548 MB fp32), so
# each variant would cost hundreds of MB and minutes without exercising new kernels.
COMPRESS = ["squeezenet", "resnet50", "shufflenet", "densenet121", "inception_v1", "inception_v2"]
SKIP_COMPRESS_REASON = "fully-connected layers dominate (hundreds of MB per variant); no new kernels exercised"
SEED = 20261122
CALIBRATION_SAMPLES = 4
T0 = time.time()


def log(msg: str) -> None:
    print(f"[fixtures {time.time() - T0:6.1f}s] {msg}", flush=True)


def onnx_data_dir() -> str:
    return os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")


def save(model: onnx.ModelProto, path: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, path)


def save_npy(array: np.ndarray, path: str) -> None:
    tmp = path + ".tmp.npy"
    np.save(tmp, array)
    os.replace(tmp, path)


def ort_run(path: str | bytes, feeds: dict[str, np.ndarray]) -> list[np.ndarray]:
    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.log_severity_level = 3
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return sess.run(None, feeds)


def write_outputs(prefix: str, outputs: list[np.ndarray]) -> list[str]:
    names = []
    for k, out in enumerate(outputs):
        name = f"{prefix}.ort.npy" if k == 0 else f"{prefix}.ort.{k}.npy"
        save_npy(np.asarray(out), name)
        names.append(os.path.basename(name))
    return names


# ---------------------------------------------------------------- zoo (as shipped)

def make_zoo(out: str, model: str) -> None:
    src = os.path.join(onnx_data_dir(), "light", f"light_{model}.onnx")
    ref = os.path.join(onnx_data_dir(), "light", f"light_{model}_output_0.pb")
    dst = os.path.join(out, "zoo", model)
    data = os.path.join(dst, "test_data_set_0")
    if os.path.exists(os.path.join(data, "output_0.pb")):
        return
    os.makedirs(data, exist_ok=True)
    m = onnx.load(src)
    inits = {i.name for i in m.graph.initializer}
    real = [i for i in m.graph.input if i.name not in inits]
    # The input onnx's backend runner feeds light models (generate_dummy_data,
    # random=False): arange(n) / n in the input's shape, symbolic dims bound to 1.
    for k, vi in enumerate(real):
        shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim)
        n = int(np.prod(shape))
        x = (np.arange(n).reshape(shape) / n).astype(np.float32)
        with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, vi.name).SerializeToString())
    shutil.copyfile(src, os.path.join(dst, "model.onnx"))
    shutil.copyfile(ref, os.path.join(data, "output_0.pb"))
    log(f"zoo/{model}")


# ---------------------------------------------------------------- random weights

def consumers(graph: onnx.GraphProto) -> dict[str, list[tuple[onnx.NodeProto, int]]]:
    uses: dict[str, list[tuple[onnx.NodeProto, int]]] = {}
    for node in graph.node:
        for slot, name in enumerate(node.input):
            uses.setdefault(name, []).append((node, slot))
    return uses


def random_weight(name: str, shape: tuple[int, ...], uses, rng: np.random.Generator) -> np.ndarray:
    """A value for one weight, chosen by how the graph uses it."""
    node, slot = uses[name][0]
    op = node.op_type
    if op == "Unsqueeze":  # DenseNet/Inception-v2 apply BN scale and bias through Unsqueeze + Mul/Add.
        after = uses.get(node.output[0], [(node, slot)])[0][0].op_type
        op, slot = ("Mul", 1) if after == "Mul" else ("Add", 1)
    if op == "Conv" and slot == 1:
        fan_in = int(np.prod(shape[1:]))
        return (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(np.float32)
    if op == "Gemm" and slot == 1:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        fan_in = shape[1] if attrs.get("transB", 0) else shape[0]
        return (rng.standard_normal(shape) * np.sqrt(1.0 / fan_in)).astype(np.float32)
    if op == "BatchNormalization":
        if slot == 1:  # scale
            return rng.uniform(0.5, 1.0, shape).astype(np.float32)
        if slot == 4:  # variance: positive
            return rng.uniform(0.5, 1.5, shape).astype(np.float32)
        return rng.uniform(-0.1, 0.1, shape).astype(np.float32)  # bias, mean
    if op == "Mul":
        return rng.uniform(0.5, 1.0, shape).astype(np.float32)
    return rng.uniform(-0.1, 0.1, shape).astype(np.float32)  # biases and the rest


def randomize(model: onnx.ModelProto, seed: int) -> onnx.ModelProto:
    """Replaces ConstantOfShape-made weights with seeded random initializers."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    g = m.graph
    rng = np.random.default_rng(seed)
    inits = {i.name: i for i in g.initializer}
    uses = consumers(g)
    new_inits: list[TensorProto] = []
    drop_nodes = set()
    for node in g.node:
        if node.op_type == "ConstantOfShape" and node.input[0] in inits:
            shape = tuple(int(v) for v in numpy_helper.to_array(inits[node.input[0]]))
            w = random_weight(node.output[0], shape, uses, rng)
            new_inits.append(numpy_helper.from_array(w, node.output[0]))
            drop_nodes.add(id(node))
    shape_inputs = {n.input[0] for n in g.node if id(n) in drop_nodes}
    kept = [n for n in g.node if id(n) not in drop_nodes]
    # Other float initializers (biases stored with real data) get random values too.
    others = []
    for name, t in inits.items():
        if name in shape_inputs:
            continue
        if t.data_type == TensorProto.FLOAT and name in uses:
            w = random_weight(name, tuple(t.dims), uses, rng)
            others.append(numpy_helper.from_array(w, name))
        else:
            others.append(t)
    del g.node[:]
    g.node.extend(kept)
    del g.initializer[:]
    g.initializer.extend(others + new_inits)
    names = {t.name for t in g.initializer}
    real_inputs = [i for i in g.input if i.name not in names and i.name not in shape_inputs]
    del g.input[:]
    g.input.extend(real_inputs)
    # IR 3 requires every initializer to be a graph input; IR 4+ makes them constants.
    m.ir_version = max(m.ir_version, 7)
    onnx.checker.check_model(m)
    return m


def model_input(model: onnx.ModelProto, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    inits = {i.name for i in model.graph.initializer}
    feeds = {}
    for vi in model.graph.input:
        if vi.name in inits:
            continue
        shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim)
        feeds[vi.name] = rng.standard_normal(shape).astype(np.float32)
    return feeds


def calibrate_logits(m: onnx.ModelProto, feeds: dict[str, np.ndarray], target_std: float = 3.0) -> None:
    """Scales the last Conv/Gemm before the final Softmax so that the logits have
    standard deviation `target_std` on the fixture input: random weights otherwise
    give a near-uniform (Inception-v2) or one-hot (ShuffleNet) softmax, which hides
    errors. Walks back through ops that commute with a positive scale."""
    g = m.graph
    softmax = [n for n in g.node if n.op_type == "Softmax" and n.output[0] in {o.name for o in g.output}]
    if not softmax:
        return
    producers = {o: n for n in g.node for o in n.output}
    producer = producers.get(softmax[0].input[0])
    while producer is not None and producer.op_type in ("Reshape", "Flatten", "Dropout", "Identity", "Relu",
                                                        "GlobalAveragePool", "AveragePool", "MaxPool"):
        producer = producers.get(producer.input[0])
    if producer is None or producer.op_type not in ("Gemm", "Conv"):
        return
    probe = onnx.ModelProto()
    probe.CopyFrom(m)
    probe.graph.output.append(helper.make_value_info(softmax[0].input[0], onnx.TypeProto()))
    logits = ort_run(probe.SerializeToString(), feeds)[-1]
    factor = target_std / max(float(np.std(logits)), 1e-12)
    params = set()
    for name in producer.input[1:]:  # Inception-v1 reshapes its classifier weight first
        while name in producers and producers[name].op_type in ("Reshape", "Identity"):
            name = producers[name].input[0]
        params.add(name)
    for i, t in enumerate(g.initializer):
        if t.name in params:
            g.initializer[i].CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t) * np.float32(factor), t.name))


def make_random(out: str, model: str, index: int) -> None:
    dst = os.path.join(out, "random")
    path = os.path.join(dst, f"{model}.onnx")
    if os.path.exists(os.path.join(dst, f"{model}.ort.npy")):
        return
    src = onnx.load(os.path.join(onnx_data_dir(), "light", f"light_{model}.onnx"))
    m = randomize(src, SEED + index)
    feeds = model_input(m, SEED + 100 + index)
    assert len(feeds) == 1, f"{model}: expected one real input"
    calibrate_logits(m, feeds)
    save(m, path)
    save_npy(next(iter(feeds.values())), os.path.join(dst, f"{model}.input.npy"))
    outs = ort_run(path, feeds)
    for o in outs:
        assert np.all(np.isfinite(o)), f"{model}: non-finite output"
    write_outputs(os.path.join(dst, model), outs)
    log(f"random/{model} ({os.path.getsize(path) / 1e6:.1f} MB, output max {float(np.max(outs[0])):.3g})")


# ---------------------------------------------------------------- compression helpers

def upgrade(model: onnx.ModelProto, opset: int) -> onnx.ModelProto:
    from onnx import version_converter
    m = version_converter.convert_version(model, opset)
    m.ir_version = min(m.ir_version, 10) if opset >= 21 else max(m.ir_version, 7)
    return m


def fold_for_quantization(src: str, dst: str) -> None:
    """Opset 13 plus onnxruntime's basic graph optimizations (BatchNorm folded into
    Conv, as onnxruntime's `quant_pre_process` does) so quantized Convs are not split
    by float BatchNorms."""
    import onnxruntime as ort
    m = upgrade(onnx.load(src), 13)
    tmp = dst + ".opset13.onnx"
    save(m, tmp)
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.optimized_model_filepath = dst
    so.log_severity_level = 3
    ort.InferenceSession(tmp, so, providers=["CPUExecutionProvider"])
    os.remove(tmp)


class RandomReader:
    """Calibration data for quantize_static: seeded random inputs."""

    def __init__(self, name: str, shape: tuple[int, ...], count: int, seed: int):
        rng = np.random.default_rng(seed)
        self.items = iter([{name: rng.standard_normal(shape).astype(np.float32)} for _ in range(count)])

    def get_next(self):
        return next(self.items, None)

    def rewind(self):  # not needed: each quantize call gets a new reader
        pass


def quantize_static_variant(src: str, dst: str, fmt: str, act: str, per_channel: bool, seed: int) -> None:
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    m = onnx.load(src)
    vi = m.graph.input[0]
    shape = tuple(d.dim_value if d.HasField("dim_value") else 1 for d in vi.type.tensor_type.shape.dim)
    quantize_static(
        src, dst, RandomReader(vi.name, shape, CALIBRATION_SAMPLES, seed),
        quant_format=QuantFormat.QDQ if fmt == "qdq" else QuantFormat.QOperator,
        activation_type=QuantType.QInt8 if act == "s8" else QuantType.QUInt8,
        weight_type=QuantType.QInt8, per_channel=per_channel,
        calibrate_method=CalibrationMethod.MinMax,
    )


def quantize_dynamic_variant(src: str, dst: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    quantize_dynamic(src, dst, weight_type=QuantType.QUInt8)


def fp16_variant(src: str, dst: str, keep_io_types: bool) -> None:
    from onnxconverter_common import float16
    m = float16.convert_float_to_float16(onnx.load(src), keep_io_types=keep_io_types)
    save(m, dst)


def prune(model: onnx.ModelProto, sparsity: float) -> onnx.ModelProto:
    """Zeroes the smallest-magnitude `sparsity` fraction of every Conv/Gemm/MatMul weight."""
    m = onnx.ModelProto()
    m.CopyFrom(model)
    weights = {n.input[1] for n in m.graph.node if n.op_type in ("Conv", "Gemm", "MatMul") and len(n.input) > 1}
    for i, t in enumerate(m.graph.initializer):
        if t.name not in weights or t.data_type != TensorProto.FLOAT:
            continue
        w = numpy_helper.to_array(t).copy()
        k = int(np.floor(sparsity * w.size))
        if k > 0:
            order = np.argsort(np.abs(w), axis=None, kind="stable")
            w.reshape(-1)[order[:k]] = 0.0
        m.graph.initializer[i].CopyFrom(numpy_helper.from_array(w, t.name))
    return m


def int4_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    """Weight-only int4: every Conv/Gemm weight becomes an int4 initializer with a
    per-output-channel fp32 scale (symmetric, zero point 0) and a DequantizeLinear
    (opset 21) in front of its consumer. Activations stay fp32."""
    m = upgrade(model, 21)
    g = m.graph
    inits = {t.name: t for t in g.initializer}
    targets = {}
    for n in g.node:
        if n.op_type in ("Conv", "Gemm") and len(n.input) > 1 and n.input[1] in inits:
            axis = 0
            if n.op_type == "Gemm":
                attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
                axis = 0 if attrs.get("transB", 0) else 1
            targets[n.input[1]] = axis
    dq_nodes = []
    replaced = {}
    for name, axis in targets.items():
        w = numpy_helper.to_array(inits[name])
        reduce_axes = tuple(a for a in range(w.ndim) if a != axis)
        scale = (np.max(np.abs(w), axis=reduce_axes) / 7.0).astype(np.float32)
        scale[scale == 0] = 1.0
        bshape = [1] * w.ndim
        bshape[axis] = -1
        q = np.clip(np.round(w / scale.reshape(bshape)), -8, 7).astype(np.int8)
        qt = helper.make_tensor(name + "_int4", TensorProto.INT4, q.shape, q.reshape(-1).tolist())
        zp = helper.make_tensor(name + "_zp", TensorProto.INT4, scale.shape, [0] * scale.size)
        replaced[name] = [qt, numpy_helper.from_array(scale, name + "_scale"), zp]
        dq_nodes.append(helper.make_node("DequantizeLinear", [name + "_int4", name + "_scale", name + "_zp"],
                                         [name], name=name + "_dq", axis=axis))
    kept = [t for t in g.initializer if t.name not in replaced]
    del g.initializer[:]
    g.initializer.extend(kept + [t for ts in replaced.values() for t in ts])
    nodes = dq_nodes + list(g.node)
    del g.node[:]
    g.node.extend(nodes)
    onnx.checker.check_model(m)
    return m


def variant_specs():
    """(name, how) in the order they are made; `how` gets (base fp32 path, folded
    opset-13 path, destination, seed)."""
    return [
        ("qdq-u8s8-pt", lambda b, f, d, s: quantize_static_variant(f, d, "qdq", "u8", False, s)),
        ("qdq-s8s8-pc", lambda b, f, d, s: quantize_static_variant(f, d, "qdq", "s8", True, s)),
        ("qop-u8s8-pt", lambda b, f, d, s: quantize_static_variant(f, d, "qop", "u8", False, s)),
        ("qop-u8s8-pc", lambda b, f, d, s: quantize_static_variant(f, d, "qop", "u8", True, s)),
        ("dynamic-u8", lambda b, f, d, s: quantize_dynamic_variant(f, d)),
        ("fp16", lambda b, f, d, s: fp16_variant(b, d, keep_io_types=False)),
        ("fp16-io32", lambda b, f, d, s: fp16_variant(b, d, keep_io_types=True)),
        ("int4-dq", lambda b, f, d, s: save(int4_weights(onnx.load(b)), d)),
        ("pruned50", lambda b, f, d, s: save(prune(onnx.load(b), 0.50), d)),
        ("pruned75", lambda b, f, d, s: save(prune(onnx.load(b), 0.75), d)),
        ("pruned90", lambda b, f, d, s: save(prune(onnx.load(b), 0.90), d)),
    ]


def make_compressed(out: str, model: str, index: int, manifest: list) -> None:
    base = os.path.join(out, "random", f"{model}.onnx")
    dst = os.path.join(out, "compressed", model)
    os.makedirs(dst, exist_ok=True)
    x = np.load(os.path.join(out, "random", f"{model}.input.npy"))
    save_npy(x, os.path.join(dst, "input.npy")) if not os.path.exists(os.path.join(dst, "input.npy")) else None
    folded = os.path.join(dst, "fp32-folded.onnx")
    if not os.path.exists(folded):
        fold_for_quantization(base, folded)
    for k, (variant, how) in enumerate([("fp32-folded", None)] + variant_specs()):
        path = os.path.join(dst, f"{variant}.onnx")
        prefix = os.path.join(dst, variant)
        entry = {"model": model, "variant": variant, "file": f"compressed/{model}/{variant}.onnx",
                 "input": f"compressed/{model}/input.npy"}
        if os.path.exists(prefix + ".skip.txt"):
            entry["skipped"] = open(prefix + ".skip.txt").read().strip()
            manifest.append(entry)
            continue
        if not os.path.exists(prefix + ".ort.npy"):
            t = time.time()
            try:
                if how is not None:
                    how(base, folded, path, SEED + 1000 * index + k)
                m = onnx.load(path)
                name = m.graph.input[0].name
                elem = m.graph.input[0].type.tensor_type.elem_type
                feed = x.astype(np.float16) if elem == TensorProto.FLOAT16 else x
                outs = ort_run(path, {name: feed})
                write_outputs(prefix, outs)
                log(f"compressed/{model}/{variant} ({os.path.getsize(path) / 1e6:.1f} MB, {time.time() - t:.1f}s)")
            except Exception as e:  # noqa: BLE001 - record why and go on
                reason = f"{type(e).__name__}: {str(e).splitlines()[0][:300] if str(e) else ''}"
                with open(prefix + ".skip.txt", "w") as f:
                    f.write(reason + "\n")
                log(f"compressed/{model}/{variant} SKIPPED: {reason}")
                entry["skipped"] = reason
                manifest.append(entry)
                continue
        entry["outputs"] = [os.path.basename(p) for p in sorted(glob.glob(prefix + ".ort*.npy"))]
        manifest.append(entry)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".cache", "fixtures"))
    ap.add_argument("--models", default=",".join(ZOO), help="comma-separated subset of the zoo")
    ap.add_argument("--no-compressed", action="store_true")
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    logging.getLogger().setLevel(logging.ERROR)  # the quantizer's "consider pre-processing" advice
    warnings.filterwarnings("ignore", category=UserWarning)  # float16's "number will be truncated"
    stamp = os.path.join(out, "STAMP")
    if os.path.exists(stamp) and open(stamp).read().strip() == f"version {VERSION}" and args.models == ",".join(ZOO):
        log(f"up to date ({out})")
        return 0
    if os.path.exists(out) and os.path.exists(stamp) and open(stamp).read().strip() != f"version {VERSION}":
        log("fixture version changed: rebuilding")
        shutil.rmtree(out)
    os.makedirs(out, exist_ok=True)
    models = [m for m in args.models.split(",") if m]
    manifest = {"version": VERSION, "onnx": onnx.__version__, "zoo": [], "random": [], "compressed": [],
                "compressed_skipped_models": {}}
    for i, model in enumerate(models):
        make_zoo(out, model)
        manifest["zoo"].append(model)
    for i, model in enumerate(models):
        make_random(out, model, ZOO.index(model))
        manifest["random"].append(model)
    if not args.no_compressed:
        for model in models:
            if model not in COMPRESS:
                log(f"compressed/{model}: skipped ({SKIP_COMPRESS_REASON})")
                manifest["compressed_skipped_models"][model] = SKIP_COMPRESS_REASON
                continue
            make_compressed(out, model, ZOO.index(model), manifest["compressed"])
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    if args.models == ",".join(ZOO) and not args.no_compressed:
        with open(stamp, "w") as f:
            f.write(f"version {VERSION}\n")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
