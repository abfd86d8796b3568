"""onnxruntime single-thread peer numbers for the shapes scripts/bench-linear.sh times.

Prints wall and thread-CPU time per run (the CPU figure is the fair one on a busy host).
"""
import sys
import time

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper


def model(op, x_shape, w_shape, out_shape, attrs, bias=True):
    rng = np.random.default_rng(0)
    inits = [helper.make_tensor("w", TensorProto.FLOAT, w_shape, rng.uniform(-1, 1, w_shape).astype(np.float32).ravel())]
    inputs = ["x", "w"]
    if bias and op == "Conv":
        inits.append(helper.make_tensor("b", TensorProto.FLOAT, [w_shape[0]], rng.uniform(-1, 1, w_shape[0]).astype(np.float32)))
        inputs.append("b")
    node = helper.make_node(op, inputs, ["y"], **attrs)
    g = helper.make_graph([node], "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)]).SerializeToString()


def bench(name, m, x_shape, flops):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    s = ort.InferenceSession(m, so, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(1).uniform(-1, 1, x_shape).astype(np.float32)
    s.run(None, {"x": x})
    best_w = best_c = float("inf")
    for _ in range(7):
        t0, c0, reps = time.perf_counter(), time.thread_time(), 0
        while time.perf_counter() - t0 < 0.2:
            s.run(None, {"x": x})
            reps += 1
        best_w = min(best_w, (time.perf_counter() - t0) / reps)
        best_c = min(best_c, (time.thread_time() - c0) / reps)
    print(f"ORT {name}: wall {best_w*1e3:.3f} ms = {flops/best_w/1e9:.1f} GFLOP/s; thread CPU {best_c*1e3:.3f} ms = {flops/best_c/1e9:.1f} GFLOP/s")


shapes = [a for a in sys.argv[1:] if a.startswith("conv:")]
for spec in shapes:
    f = [int(v) for v in spec[5:].split(":")]
    c, mo, hw, k = f[:4]
    st = f[4] if len(f) == 5 else 1
    p = k // 2
    o = (hw + 2 * p - k) // st + 1
    name = f"Conv {hw}x{hw} {c}->{mo} {k}x{k}" + (f" s{st}" if st > 1 else "")
    bench(name, model("Conv", [1, c, hw, hw], [mo, c, k, k], [1, mo, o, o], {"pads": [p] * 4, "strides": [st, st]}),
          [1, c, hw, hw], 2 * mo * o * o * c * k * k)
if not shapes:
    for s in (256, 512, 1024):
        bench(f"MatMul {s}^3 (B const)", model("MatMul", [s, s], [s, s], [s, s], {}), [s, s], 2 * s**3)
    for name, c, mo, hw, k, st, g in [("Conv 56x56 64->64 3x3", 64, 64, 56, 3, 1, 1), ("Conv 56x56 64->256 1x1", 64, 256, 56, 1, 1, 1),
                                      ("Conv 28x28 128->128 3x3", 128, 128, 28, 3, 1, 1), ("Conv 224 3->64 7x7 s2", 3, 64, 224, 7, 2, 1),
                                      ("DWConv 112x112 32 3x3", 32, 32, 112, 3, 1, 32), ("DWConv 112x112 64 3x3 s2", 64, 64, 112, 3, 2, 64)]:
        p = k // 2
        o = (hw + 2 * p - k) // st + 1
        attrs = {"pads": [p] * 4, "strides": [st, st], "group": g}
        bench(name, model("Conv", [1, c, hw, hw], [mo, c // g, k, k], [1, mo, o, o], attrs), [1, c, hw, hw], 2 * mo * o * o * (c // g) * k * k)
    for name, c, mo, hw, k, st, p in [("Conv 224 3->64 3x3 s2", 3, 64, 224, 3, 2, 0), ("Conv 55x55 64->16 1x1", 64, 16, 55, 1, 1, 0),
                                      ("Conv 55x55 16->64 1x1", 16, 64, 55, 1, 1, 0), ("Conv 55x55 16->64 3x3", 16, 64, 55, 3, 1, 1),
                                      ("Conv 27x27 32->128 3x3", 32, 128, 27, 3, 1, 1), ("Conv 13x13 64->256 3x3", 64, 256, 13, 3, 1, 1),
                                      ("Conv 13x13 512->1000 1x1", 512, 1000, 13, 1, 1, 0)]:
        o = (hw + 2 * p - k) // st + 1
        attrs = {"pads": [p] * 4, "strides": [st, st]}
        bench(name, model("Conv", [1, c, hw, hw], [mo, c, k, k], [1, mo, o, o], attrs), [1, c, hw, hw], 2 * mo * o * o * c * k * k)
