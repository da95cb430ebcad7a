#!/usr/bin/python3
"""QDQ int8 copy of a float ONNX model, with ONNX Runtime's static-quantisation
conventions (onnxruntime.quantization.quantize_static, QDQ format, MinMax
calibration), written with onnx + numpy only so that no Python ONNX Runtime is
needed. Used by scripts/bench.sh (docs/benchmarks.md, "ONNX Runtime").

  make_qdq_onnx.py augment FLOAT.onnx AUG.onnx
      every activation tensor becomes a graph output (what ORT's MinMax
      calibrator does); bench/ort_bench.js calib runs it and writes the ranges
  make_qdq_onnx.py qdq FLOAT.onnx RANGES.json QDQ.onnx
      writes the QDQ model from the calibrated ranges

Conventions (ORT's defaults for QuantFormat.QDQ with QInt8 activations and
QInt8 per-channel weights) [source: onnxruntime/python/tools/quantization,
quant_utils.compute_scale_zp, qdq_quantizer.py, operators/activation.py]:
  - activations: asymmetric int8 from the calibrated [min, max], widened to
    include 0: scale = (max - min) / 255, zero point = round(-128 - min / scale);
  - weights: symmetric int8 per output channel, range [-127, 127],
    scale = max|w| / 127, zero point 0;
  - bias: int32, scale = input scale * weight scale (per channel), zero point 0;
  - a Relu whose only input is a Conv/Gemm output is removed: the quantised
    output range [0, max] clips the negatives (ORT's QDQRemovableActivation);
  - MaxPool and Flatten keep their input's scale and zero point;
  - QuantizeLinear/DequantizeLinear pairs on every activation; ops ORT does
    not quantise (BatchNormalization, Softmax) run in float between them; the
    model's output stays float.
"""
import json
import sys

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto


def activation_names(model):
    g = model.graph
    inits = {i.name for i in g.initializer}
    names = [i.name for i in g.input if i.name not in inits]
    for n in g.node:
        names += [o for o in n.output if o]
    return names


def augment(src, dst):
    m = onnx.load(src)
    have = {o.name for o in m.graph.output}
    for name in activation_names(m):
        if name not in have:
            m.graph.output.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, None))
    onnx.save(m, dst)


def act_params(lo, hi):
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    scale = (hi - lo) / 255.0
    if scale == 0.0:
        return np.float32(1.0), np.int8(0)
    zp = int(np.clip(np.rint(-128.0 - lo / scale), -128, 127))
    return np.float32(scale), np.int8(zp)


def qdq(src, ranges_path, dst):
    m = onnx.load(src)
    g = m.graph
    ranges = json.load(open(ranges_path))
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    outputs = {o.name for o in g.output}

    # Removable Relu after Conv/Gemm: the producer writes the Relu's output.
    nodes = []
    removed = set()
    for n in g.node:
        if n.op_type == "Relu":
            p = producer.get(n.input[0])
            if p is not None and p.op_type in ("Conv", "Gemm") and len(consumers.get(n.input[0], [])) == 1 \
                    and n.input[0] not in outputs:
                p.output[0] = n.output[0]
                removed.add(id(n))
    nodes = [n for n in g.node if id(n) not in removed]
    producer = {o: n for n in nodes for o in n.output}

    new_inits, new_nodes = [], []
    params = {}  # activation -> (scale, zp)

    def params_of(name):
        if name in params:
            return params[name]
        p = producer.get(name)
        if p is not None and p.op_type in ("MaxPool", "Flatten"):
            params[name] = params_of(p.input[0])
        else:
            if name not in ranges:
                raise SystemExit(f"make_qdq_onnx: no calibrated range for tensor '{name}'")
            params[name] = act_params(*ranges[name])
        return params[name]

    def qdq_pair(name):
        s, z = params_of(name)
        sn, zn = name + "_scale", name + "_zero_point"
        new_inits.append(numpy_helper.from_array(np.array(s, dtype=np.float32), sn))
        new_inits.append(numpy_helper.from_array(np.array(z, dtype=np.int8), zn))
        new_nodes.append(helper.make_node("QuantizeLinear", [name, sn, zn], [name + "_QuantizeLinear"], name=name + "_Q"))
        new_nodes.append(helper.make_node("DequantizeLinear", [name + "_QuantizeLinear", sn, zn],
                                          [name + "_DequantizeLinear"], name=name + "_DQ"))
        return name + "_DequantizeLinear"

    graph_inputs = [i.name for i in g.input if i.name not in inits]
    dq_of = {}
    for name in graph_inputs + [o for n in nodes for o in n.output]:
        if name in outputs:
            continue  # the model's output stays float
        dq_of[name] = qdq_pair(name)

    body = []
    for n in nodes:
        ins = list(n.input)
        if n.op_type in ("Conv", "Gemm"):
            w = numpy_helper.to_array(inits[ins[1]]).astype(np.float32)
            if n.op_type == "Gemm":
                attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
                if not attrs.get("transB", 0):
                    raise SystemExit(f"make_qdq_onnx: Gemm {n.name} without transB=1 is not supported")
            flat = w.reshape(w.shape[0], -1)
            amax = np.abs(flat).max(axis=1)
            ws = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)
            wq = np.clip(np.rint(flat / ws[:, None]), -127, 127).astype(np.int8).reshape(w.shape)
            wn = ins[1] + "_quantized"
            new_inits += [numpy_helper.from_array(wq, wn), numpy_helper.from_array(ws, wn + "_scale"),
                          numpy_helper.from_array(np.zeros_like(ws, dtype=np.int8), wn + "_zero_point")]
            new_nodes.append(helper.make_node("DequantizeLinear", [wn, wn + "_scale", wn + "_zero_point"],
                                              [wn + "_DequantizeLinear"], name=wn + "_DQ", axis=0))
            in_scale = params_of(ins[0])[0]
            new_ins = [dq_of[ins[0]], wn + "_DequantizeLinear"]
            if len(ins) > 2 and ins[2]:
                b = numpy_helper.to_array(inits[ins[2]]).astype(np.float64)
                bs = (in_scale * ws).astype(np.float32)
                bq = np.rint(b / bs.astype(np.float64)).astype(np.int32)
                bn = ins[2] + "_quantized"
                new_inits += [numpy_helper.from_array(bq, bn), numpy_helper.from_array(bs, bn + "_scale"),
                              numpy_helper.from_array(np.zeros_like(bq), bn + "_zero_point")]
                new_nodes.append(helper.make_node("DequantizeLinear", [bn, bn + "_scale", bn + "_zero_point"],
                                                  [bn + "_DequantizeLinear"], name=bn + "_DQ", axis=0))
                new_ins.append(bn + "_DequantizeLinear")
            del n.input[:]
            n.input.extend(new_ins)
        else:
            for k, i in enumerate(ins):
                if i in dq_of:
                    n.input[k] = dq_of[i]
        body.append(n)
    used = {i for n in body + new_nodes for i in n.input}
    keep = [i for i in g.initializer if i.name in used]
    del g.node[:]
    # Q/DQ nodes first is not topological: order by data dependence.
    all_nodes = new_nodes + body
    ready = set(graph_inputs) | {i.name for i in keep} | {i.name for i in new_inits}
    ordered, pending = [], list(all_nodes)
    while pending:
        progress = False
        for n in list(pending):
            if all((not i) or i in ready for i in n.input):
                ordered.append(n)
                ready.update(n.output)
                pending.remove(n)
                progress = True
        if not progress:
            raise SystemExit("make_qdq_onnx: could not order the QDQ graph (cycle or missing input)")
    g.node.extend(ordered)
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    del g.value_info[:]
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    print(f"make_qdq_onnx: wrote {dst}: {sum(n.op_type == 'QuantizeLinear' for n in ordered)} QuantizeLinear, "
          f"{sum(n.op_type == 'DequantizeLinear' for n in ordered)} DequantizeLinear, {len(removed)} Relu folded")


def main(argv):
    if len(argv) >= 2 and argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0
    if len(argv) == 4 and argv[1] == "augment":
        augment(argv[2], argv[3])
        return 0
    if len(argv) == 5 and argv[1] == "qdq":
        qdq(argv[2], argv[3], argv[4])
        return 0
    print("usage: make_qdq_onnx.py augment FLOAT.onnx AUG.onnx | qdq FLOAT.onnx RANGES.json QDQ.onnx (--help)",
          file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
