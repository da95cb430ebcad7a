#!/usr/bin/python3
"""The oracle: a float64 evaluator of quantiser-format xmodels (docs/testing.md,
"The oracle").

It reads the plain-data export of tests/oracle/xmodel_graph_export.cc (graph.json
and the raw const data files) and evaluates the float graph exactly, applying every
`fix` op as round-then-saturate with its own round_mode. It shares no code with
src/kernels, src/ir or src/xmodel: every op is written here from XIR's op
definitions (Vitis-AI v2.5 src/Vitis-AI-Runtime/VART/xir/src/xir/op/built_in_ops.cpp,
"BIO" below) and vai_q_pytorch's export (xop_creator.py, "XOP").

Exactness. Tensors are NHWC float64. Every value that reaches a fix op is a sum of
products of values on fix-point grids, so float64 holds it exactly (products of two
int8-scaled values are exact; sums of up to 2^22 of them stay below 2^53). The two
divisions of the vai_q graphs (avgpool2d's 1/(kh*kw) and hard-sigmoid's 1/6) are
evaluated fused with the quantiser's correction `mul` that follows them (RULE 2, 3):
window-sum * c first (exact), then one correctly-rounded division, which equals the
exact quotient whenever that quotient is a rounding tie. `fix` counts values that lie
within 2^-30 of a tie without being one (float64 could not decide them); a non-zero
count makes the evaluation fail rather than guess.

DPU rules where the DPU does not compute the exact float graph (each applied only
when the graph does not already carry it; applications are counted in `rules`):
  RULE 1 fix = round then saturate, round_mode from the op (BIO FixOpDefGenerator
         :1071-1106 rounding, `fix` :1111-1129 saturation). DPU_ROUND is
         floor(x + 0.5) (the definition's "x<0 and frac==0.5 ? ceil : round" is the
         same function); STD_ROUND halves away from zero; PY3_ROUND halves to even.
         The same order (round, then clamp to the bit width) in vai_q_pytorch's fix
         kernel (csrc include/cpu/nndct_fix_kernels_cpu.h:26-71, method 2 = DPU
         round) and XIR's xround (src/xir/util/tool_function.cpp:152-168). vai_q_pytorch
         writes round_mode DPU_ROUND on every fix op (xgraph.py:156).
  RULE 2 avgpool2d: the DPU multiplies the window sum by N/2^M, not 1/(kh*kw)
         (XOP avgpool :408-432 lists N, M; Vitis-AI-Library cpu_task/ops/pool-fix).
         vai_q_pytorch writes avgpool2d "<n>_i0" -> mul(const kh*kw*N/2^M) "<n>"
         (XOP :434-452) so that the float graph equals the DPU. When an avgpool2d
         is NOT followed by such a mul, the oracle applies N/2^M itself.
  RULE 3 hard-sigmoid: the DPU divides by 6 as *2731/2^14 (XOP hsigmoid :553-571
         writes mul(const 6*2731/16384) after it). Without that mul the oracle
         applies 2731/2^14 itself.
  RULE 4 leaky-relu: the DPU's slope is 26/256 (vai_q_pytorch dpu_op_filter.py:165;
         torch_op_def.py:79 sets alpha 0.1015625). An alpha of 0.1 (float32) is
         evaluated as 26/256.
  RULE 5 add of inputs at different fix points (the B4096 eltwise engine, ELEW):
         each input is read shifted right by shift_read = fi_i - min fi after two
         guard bits and floored, i.e. floored to the grid 2^-(min fi + 2); the sum
         is then rounded once. [source: Xilinx VART sim-runner src/inst/Elew.cpp,
         Elew<T>::calc (floor(x * 4 / 2^shift_read), / 4, DPURound), shift_read =
         fi_i - min fi as Xilinx's cpu-runner src/op/eltwise_fix.cpp:237-255 sets it;
         both Apache-2.0, outside the Vitis-AI 2.5 tree]. Equal to the exact sum when
         the fix points differ by at most 2 (every add our quantiser writes has equal
         ones); beyond that the engine differs from the float graph. Which one the
         silicon does is [inferred] until a board run.
"""
import json
import math
import os
import sys

import numpy as np

TIE_EPS = 2.0 ** -30


class OracleError(Exception):
    pass


def load_graph(export_dir):
    with open(os.path.join(export_dir, "graph.json"), encoding="utf-8") as f:
        g = json.load(f)
    g["_dir"] = export_dir
    return g


def const_value(g, op):
    dt = str(op["attrs"].get("data_type", op["data_type"])).upper()
    with open(os.path.join(g["_dir"], op["data"]), "rb") as f:
        raw = f.read()
    kinds = {"FLOAT32": "<f4", "FLOAT64": "<f8", "INT8": "i1", "XINT8": "i1", "INT32": "<i4", "INT64": "<i8"}
    if dt not in kinds:
        raise OracleError(f"const {op['name']}: data_type {dt} is not supported")
    arr = np.frombuffer(raw, dtype=kinds[dt]).astype(np.float64)
    shape = op["shape"]
    if arr.size != int(np.prod(shape)):
        raise OracleError(f"const {op['name']}: {arr.size} values for shape {shape}")
    return arr.reshape(shape)


# ---- RULE 1: fix ------------------------------------------------------------------
def round_mode_fn(mode):
    if mode == "DPU_ROUND":
        return lambda y: np.floor(y + 0.5)
    if mode == "STD_ROUND":
        return lambda y: np.sign(y) * np.floor(np.abs(y) + 0.5)
    if mode == "PY3_ROUND":
        return np.round  # numpy rounds halves to even
    raise OracleError(f"round_mode {mode!r} is not one of DPU_ROUND, STD_ROUND, PY3_ROUND")


def fix(x, fp, bit_width, signed, mode, stats):
    y = x * (2.0 ** fp)
    frac = y - np.floor(y)
    near = np.abs(frac - 0.5) < TIE_EPS
    stats["near_ties"] += int(np.count_nonzero(near & (frac != 0.5)))
    q = round_mode_fn(mode)(y)
    lo, hi = (-(2 ** (bit_width - 1)), 2 ** (bit_width - 1) - 1) if signed else (0, 2 ** bit_width - 1)
    return np.clip(q, lo, hi) * (2.0 ** -fp)


# ---- geometry helpers --------------------------------------------------------------
def pads(op, in_hw, out_hw, kernel_hw, stride_hw, dil_hw):
    a = op["attrs"]
    mode = a.get("pad_mode", "FLOOR")
    if mode in ("FLOOR", "CEIL"):
        l, r, t, b = a.get("pad", [0, 0, 0, 0])
        return t, l
    if mode == "VALID":
        return 0, 0
    if mode == "SAME":
        res = []
        for i in range(2):
            total = max((out_hw[i] - 1) * stride_hw[i] + dil_hw[i] * (kernel_hw[i] - 1) + 1 - in_hw[i], 0)
            res.append(total // 2)
        return res[0], res[1]
    raise OracleError(f"{op['name']}: pad_mode {mode} is not supported")


def padded(x, out_hw, kernel_hw, stride_hw, dil_hw, top, left, fill):
    """x [N,H,W,C] padded with `fill` so that every window of the output exists."""
    n, h, w, c = x.shape
    need_h = (out_hw[0] - 1) * stride_hw[0] + dil_hw[0] * (kernel_hw[0] - 1) + 1
    need_w = (out_hw[1] - 1) * stride_hw[1] + dil_hw[1] * (kernel_hw[1] - 1) + 1
    bottom = max(need_h - top - h, 0)
    right = max(need_w - left - w, 0)
    xp = np.full((n, h + top + bottom, w + left + right, c), fill, dtype=np.float64)
    xp[:, top:top + h, left:left + w, :] = x
    return xp


def taps(x, out_hw, kernel_hw, stride_hw, dil_hw, top, left, fill):
    """Yields (ky, kx, [N,OH,OW,C] input pixels under that kernel tap)."""
    xp = padded(x, out_hw, kernel_hw, stride_hw, dil_hw, top, left, fill)
    for ky in range(kernel_hw[0]):
        for kx in range(kernel_hw[1]):
            y0, x0 = ky * dil_hw[0], kx * dil_hw[1]
            yield ky, kx, xp[:, y0:y0 + (out_hw[0] - 1) * stride_hw[0] + 1:stride_hw[0],
                             x0:x0 + (out_hw[1] - 1) * stride_hw[1] + 1:stride_hw[1], :]


def conv_sum(x, w, out_hw, kernel_hw, stride_hw, dil_hw, top, left, depthwise=False):
    """sum over taps and input channels; every partial sum is exact in float64."""
    y = None
    for ky, kx, xs in taps(x, out_hw, kernel_hw, stride_hw, dil_hw, top, left, 0.0):
        part = xs * w[0, ky, kx, :] if depthwise else xs @ w[:, ky, kx, :].T
        y = part if y is None else y + part
    return y


def conv_geometry(op, x):
    a = op["attrs"]
    kw, kh = a["kernel"]
    sw, sh = a["stride"]
    dw, dh = a.get("dilation", [1, 1])
    out = op["shape"]
    return (kh, kw), (sh, sw), (dh, dw), (out[1], out[2])


# ---- ops -----------------------------------------------------------------------------
def op_conv2d(op, ins, ctx):
    x, w = ins["input"][0], ins["weights"][0]
    k, s, d, o = conv_geometry(op, x)
    top, left = pads(op, x.shape[1:3], o, k, s, d)
    return add_bias(conv_sum(x, w, o, k, s, d, top, left), ins)


def op_depthwise_conv2d(op, ins, ctx):
    x, w = ins["input"][0], ins["weights"][0]
    if w.shape[0] != 1:
        raise OracleError(f"{op['name']}: depthwise channel multiplier {w.shape[0]} is not supported")
    k, s, d, o = conv_geometry(op, x)
    top, left = pads(op, x.shape[1:3], o, k, s, d)
    return add_bias(conv_sum(x, w, o, k, s, d, top, left, depthwise=True), ins)


def op_transposed_conv2d(op, ins, ctx):
    # BIO transposed-conv2d :267-314: dilate the input by stride (zeros between
    # pixels), pad it by kernel - 1 - pad[n] on each side, then a stride-1 conv2d
    # with the weights as given ([oc, kh, kw, ic], no flip). Vitis-AI-Library
    # cpu_task/ops/transposed-conv2d-fix computes the same (pad_l = kernel - pad - 1).
    x, w = ins["input"][0], ins["weights"][0]
    a = op["attrs"]
    kw, kh = a["kernel"]
    sw, sh = a["stride"]
    dw, dh = a.get("dilation", [1, 1])
    if a.get("pad_mode", "FLOOR") not in ("FLOOR", "CEIL"):
        raise OracleError(f"{op['name']}: transposed-conv2d pad_mode {a.get('pad_mode')} is not supported")
    l, r, t, b = a.get("pad", [0, 0, 0, 0])
    n, h, wd, c = x.shape
    dil = np.zeros((n, (h - 1) * sh + 1, (wd - 1) * sw + 1, c))
    dil[:, ::sh, ::sw, :] = x
    top, left = dh * (kh - 1) - t, dw * (kw - 1) - l
    if top < 0 or left < 0:
        raise OracleError(f"{op['name']}: pad {a['pad']} larger than the kernel")
    o = (op["shape"][1], op["shape"][2])
    depthwise = op["type"] == "transposed-depthwise-conv2d"
    if depthwise and w.shape[0] != 1:
        raise OracleError(f"{op['name']}: depthwise channel multiplier {w.shape[0]} is not supported")
    return add_bias(conv_sum(dil, w, o, (kh, kw), (1, 1), (dh, dw), top, left, depthwise=depthwise), ins)


def op_pixel_shuffle(op, ins, ctx):
    # PyTorch PixelShuffle on NHWC (XIR pixel-shuffle; VART cpu-runner
    # pixel_shuffle.cpp:64-91): upscale: out[y][x][c] = in[y/s][x/s][c*s*s + (y%s)*s + x%s];
    # downscale is the inverse. Written with reshapes, not index tables.
    a = op["attrs"]
    s = int(a["scale"])
    x = ins["input"][0]
    n, h, w, c = x.shape
    if bool(a.get("upscale", True)):
        y = x.reshape(n, h, w, c // (s * s), s, s).transpose(0, 1, 4, 2, 5, 3)
        return y.reshape(n, h * s, w * s, c // (s * s))
    y = x.reshape(n, h // s, s, w // s, s, c).transpose(0, 1, 3, 5, 2, 4)
    return y.reshape(n, h // s, w // s, c * s * s)


def add_bias(y, ins):
    if ins.get("bias"):
        y = y + ins["bias"][0].reshape(1, 1, 1, -1)
    return y


def op_pool(op, ins, ctx, kind):
    x = ins["input"][0]
    a = op["attrs"]
    o = (op["shape"][1], op["shape"][2])
    if a.get("global", False):
        k, s = (x.shape[1], x.shape[2]), (1, 1)
        top = left = 0
    else:
        kw, kh = a["kernel"]
        sw, sh = a["stride"]
        k, s = (kh, kw), (sh, sw)
        top, left = pads(op, x.shape[1:3], o, k, s, (1, 1))
    if kind == "max":
        y = None
        for _, _, xs in taps(x, o, k, s, (1, 1), top, left, -np.inf):
            y = xs if y is None else np.maximum(y, xs)
        return y
    if not a.get("count_include_pad", True) or not a.get("count_include_invalid", True):
        raise OracleError(f"{op['name']}: avgpool2d without count_include_pad/invalid is not supported "
                          "(the DPU divides by kh*kw)")
    total = None
    for _, _, xs in taps(x, o, k, s, (1, 1), top, left, 0.0):
        total = xs if total is None else total + xs
    return ("avg_sum", total, k[0] * k[1])  # divided in finish_division (RULES 2)


def avgpool_factor(k):
    """N, M with N / 2^M ~ 1/k (XOP avgpool :410-432)."""
    table = {9: (7, 6), 25: (10, 8), 36: (7, 8), 49: (21, 10), 196: (21, 12)}
    if k in table:
        return table[k]
    best = (0, 0, 1.0)
    for m in range(math.ceil(math.log2(k * 128))):
        n = round(2 ** m / k)
        diff = abs(n / 2 ** m - 1.0 / k)
        if diff < best[2]:
            best = (n, m, diff)
    return best[0], best[1]


def op_hard_sigmoid(op, ins, ctx):
    # BIO hard-sigmoid :1024-1031: relu6(x + 3) / 6.
    return ("hsig_sum", np.clip(ins["input"][0] + 3.0, 0.0, 6.0), 6)


def op_leaky_relu(op, ins, ctx):
    alpha = float(op["attrs"]["alpha"])
    if alpha == float(np.float32(0.1)):  # RULE 4
        alpha = 26.0 / 256.0
        ctx["rules"]["leaky_alpha_26_256"] += 1
    x = ins["input"][0]
    return np.where(x < 0, x * alpha, x)


def broadcast_inputs(op, ins):
    vals = ins["input"]
    if len(vals) < 2:
        raise OracleError(f"{op['name']}: {op['type']} needs at least 2 inputs")
    return vals


def op_add(op, ins, ctx):
    vals = broadcast_inputs(op, ins)
    fps = [ctx["fix_point_of"].get(n) for n in op["inputs"]["input"]]
    if None not in fps and len(set(fps)) > 1:  # RULE 5
        grid = 2.0 ** (min(fps) + 2)
        vals = [np.floor(v * grid) / grid for v in vals]
        ctx["rules"]["eltwise_elew_alignment"] += 1
    out = vals[0]
    for v in vals[1:]:
        out = out + v
    return out


def op_mul(op, ins, ctx):
    vals = broadcast_inputs(op, ins)
    pending = [v for v in vals if isinstance(v, tuple)]
    if pending:  # the correction mul of RULE 2 / 3: sum * c (exact), then / k
        if len(vals) != 2 or len(pending) != 1:
            raise OracleError(f"{op['name']}: an avgpool2d / hard-sigmoid output multiplied by a non-constant")
        other = vals[1] if isinstance(vals[0], tuple) else vals[0]
        kind, total, k = pending[0]
        if np.size(other) != 1:
            raise OracleError(f"{op['name']}: correction mul by a non-scalar")
        ctx["rules"]["correction_mul_fused"] += 1
        return (total * float(np.ravel(other)[0])) / k
    out = vals[0]
    for v in vals[1:]:
        out = out * v
    return out


def finish_division(value, ctx):
    """A pending avgpool2d / hard-sigmoid value used by something other than its
    correction mul: the DPU's factor applies (RULE 2 / 3)."""
    if not isinstance(value, tuple):
        return value
    kind, total, k = value
    if kind == "avg_sum":
        n, m = avgpool_factor(k)
        ctx["rules"]["avgpool_dpu_factor"] += 1
        return total * n / 2.0 ** m
    ctx["rules"]["hsigmoid_dpu_factor"] += 1
    return total * 2731.0 / 16384.0


def op_concat(op, ins, ctx):
    return np.concatenate(ins["input"], axis=op["attrs"]["axis"])


def op_reduction_max(op, ins, ctx):
    a = op["attrs"]
    return np.max(ins["input"][0], axis=tuple(a["axis"]), keepdims=bool(a.get("keep_dims", False)))


def op_matmul(op, ins, ctx):
    a_, b_ = ins["input"]
    if op["attrs"].get("transpose_a", False):
        a_ = np.swapaxes(a_, -1, -2)
    if op["attrs"].get("transpose_b", False):
        b_ = np.swapaxes(b_, -1, -2)
    y = np.matmul(a_, b_)
    if ins.get("bias"):
        y = y + ins["bias"][0]
    return y


def op_reshape(op, ins, ctx):
    # dim 0 of every shape is the batch: the feed's batch replaces it
    x = ins["input"][0]
    if op["shape"] and op["shape"][0] != 1:
        raise OracleError(f"{op['name']}: {op['type']} to shape {op['shape']} changes the batch dimension")
    return x.reshape([x.shape[0]] + list(op["shape"][1:]))


def op_transpose(op, ins, ctx):
    return np.transpose(ins["input"][0], op["attrs"]["order"])


def op_pad(op, ins, ctx):
    a = op["attrs"]
    x = ins["input"][0]
    p = a["paddings"]
    width = [(p[2 * i], p[2 * i + 1]) for i in range(x.ndim)]
    mode = a["mode"]
    if mode == "CONSTANT":
        cv = a.get("constant_values", [])
        value = float(cv[0]) if cv else 0.0
        if any(float(v) != value for v in cv):
            raise OracleError(f"{op['name']}: per-side constant_values are not supported")
        return np.pad(x, width, mode="constant", constant_values=value)
    if mode in ("REFLECT", "SYMMETRIC"):
        return np.pad(x, width, mode=mode.lower())
    raise OracleError(f"{op['name']}: pad mode {mode} is not supported")


def op_resize(op, ins, ctx):
    # BIO resize :1435-1494, NEAREST: idx = min(in - 1, align_corners ? round(s(o))
    # : floor(s(o))), s(o) = half_pixel_centers ? (o + 0.5) * scale - 0.5 : o * scale,
    # scale = align_corners && out > 1 ? (in - 1) / (out - 1) : in / out.
    a = op["attrs"]
    mode = a.get("mode", "NEAREST")
    if mode == "BILINEAR":
        return resize_bilinear(op, ins, ctx)
    if mode != "NEAREST":
        raise OracleError(f"{op['name']}: {op['type']} mode {mode} is not supported by the oracle")
    x = ins["input"][0]
    out_hw = (op["shape"][1], op["shape"][2])
    idx = []
    for i in range(2):
        n_in, n_out = x.shape[1 + i], out_hw[i]
        ac, hp = bool(a.get("align_corners", False)), bool(a.get("half_pixel_centers", False))
        scale = (n_in - 1) / (n_out - 1) if ac and n_out > 1 else n_in / n_out
        o = np.arange(n_out, dtype=np.float64)
        s = (o + 0.5) * scale - 0.5 if hp else o * scale
        j = np.floor(s + 0.5) if ac else np.floor(s)
        idx.append(np.clip(j, 0, n_in - 1).astype(np.int64))
    return x[:, idx[0], :, :][:, :, idx[1], :]


def op_pixel_shuffle(op, ins, ctx):
    # XIR pixel-shuffle (scale, upscale) is torch.nn.PixelShuffle (the link in XIR's
    # op definition): NCHW channel c*r*r + i*r + j -> pixel (y*r + i, x*r + j), c;
    # upscale false (PixelUnshuffle, XOP :692) is the inverse.
    x = ins["input"][0]
    r = int(op["attrs"]["scale"])
    n, h, w, c = x.shape
    if op["attrs"].get("upscale", True):
        return x.reshape(n, h, w, c // (r * r), r, r).transpose(0, 1, 4, 2, 5, 3).reshape(n, h * r, w * r, c // (r * r))
    return x.reshape(n, h // r, r, w // r, r, c).transpose(0, 1, 3, 5, 2, 4).reshape(n, h // r, w // r, c * r * r)


def bilinear_axis(n_in, n_out, ac, hp):
    """Source rows (lo, hi) and weights of one axis, in float32 (Vitis-AI-Library 2.5
    cpu_task/ops/upsample-fix/upsample-fix.cpp:59-83)."""
    f32 = np.float32
    scale = f32(n_in - 1) / f32(n_out - 1) if ac and n_out > 1 else f32(n_in) / f32(n_out)
    o = np.arange(n_out).astype(f32)
    src = (o + f32(0.5)) * scale - f32(0.5) if hp else o * scale
    lo = np.maximum(np.floor(src).astype(np.int64), 0)
    hi = np.minimum(np.ceil(src).astype(np.int64), n_in - 1)
    return lo, hi, (src - lo.astype(f32)).astype(f32)


def resize_bilinear(op, ins, ctx):
    # The DPU's bilinear datapath is not public: like the Vitis-AI-Library reference
    # (upsample-fix.cpp:106-153) the oracle interpolates the int8 values in float32,
    # top = tl + (tr - tl) * lx, bottom likewise, v = top + (bottom - top) * ly; the
    # fix after it then rounds v * 2^(fo - fi) once (exact: a power of two).
    a = op["attrs"]
    fi = ctx["fix_point_of"].get(op["inputs"]["input"][0])
    if fi is None:
        raise OracleError(f"{op['name']}: bilinear resize of a value without a fix point")
    q = (ins["input"][0] * 2.0 ** fi).astype(np.float32)
    ac, hp = bool(a.get("align_corners", False)), bool(a.get("half_pixel_centers", False))
    ylo, yhi, ly = bilinear_axis(q.shape[1], op["shape"][1], ac, hp)
    xlo, xhi, lx = bilinear_axis(q.shape[2], op["shape"][2], ac, hp)
    lx, ly = lx.reshape(1, 1, -1, 1), ly.reshape(1, -1, 1, 1)
    rows_t, rows_b = q[:, ylo], q[:, yhi]
    tl, tr, bl, br = rows_t[:, :, xlo], rows_t[:, :, xhi], rows_b[:, :, xlo], rows_b[:, :, xhi]
    top = tl + (tr - tl) * lx
    bottom = bl + (br - bl) * lx
    v = top + (bottom - top) * ly
    return v.astype(np.float64) * 2.0 ** -fi


OPS = {
    "conv2d": op_conv2d,
    "depthwise-conv2d": op_depthwise_conv2d,
    "transposed-conv2d": op_transposed_conv2d,
    "transposed-depthwise-conv2d": op_transposed_conv2d,
    "pixel-shuffle": op_pixel_shuffle,
    "relu": lambda op, ins, ctx: np.maximum(ins["input"][0], 0.0),
    "relu6": lambda op, ins, ctx: np.clip(ins["input"][0], 0.0, 6.0),
    "leaky-relu": op_leaky_relu,
    "hard-sigmoid": op_hard_sigmoid,
    "add": op_add,
    "mul": op_mul,
    "concat": op_concat,
    "reduction_max": op_reduction_max,
    "maxpool2d": lambda op, ins, ctx: op_pool(op, ins, ctx, "max"),
    "avgpool2d": lambda op, ins, ctx: op_pool(op, ins, ctx, "avg"),
    "matmul": op_matmul,
    "reshape": op_reshape,
    "flatten": op_reshape,
    "squeeze": op_reshape,
    "transpose": op_transpose,
    "pad": op_pad,
    "upsample": op_resize,
    "resize": op_resize,
    "pixel-shuffle": op_pixel_shuffle,
    "identity": lambda op, ins, ctx: ins["input"][0],
}

# Ops after the last DPU op in a vai_q graph; evaluated only when asked for.
CPU_TAIL = {"softmax"}


def evaluate(g, feeds, stop_types=CPU_TAIL):
    """feeds: {tensor name: float array [N, ...]}: a data op's output, or any other
    tensor (its producer is then not evaluated: how a DPU subgraph's inputs are given).
    Ops whose inputs are not all available (a data op without a feed, a skipped CPU
    op) are left out. Returns ({tensor name: float64 array}, ctx)."""
    values = {}
    ctx = {"near_ties": 0, "fix_point_of": {},
           "rules": {"correction_mul_fused": 0, "avgpool_dpu_factor": 0, "hsigmoid_dpu_factor": 0,
                     "leaky_alpha_26_256": 0, "eltwise_elew_alignment": 0}}
    for op in g["ops"]:
        t, name = op["type"], op["output"]
        if name in feeds:
            values[name] = np.asarray(feeds[name], dtype=np.float64)
            continue
        if t in stop_types or t == "data":
            continue
        if t == "const":
            values[name] = const_value(g, op)
            continue
        if any(n not in values for names in op["inputs"].values() for n in names):
            continue
        ins = {arg: [values[n] for n in names] for arg, names in op["inputs"].items()}
        if t == "fix":
            x = finish_division(ins["input"][0], ctx)
            a = op["attrs"]
            values[name] = fix(x, a["fix_point"], a["bit_width"], a["if_signed"], a["round_mode"], ctx)
            ctx["fix_point_of"][name] = a["fix_point"]
            continue
        if t not in OPS:
            raise OracleError(f"op {op['name']}: type '{t}' is not supported by the oracle")
        if t != "mul":
            ins = {arg: [finish_division(v, ctx) for v in vals] for arg, vals in ins.items()}
        values[name] = OPS[t](op, ins, ctx)
    uncounted = {"rules": dict(ctx["rules"])}  # values left pending were counted where used
    for k in list(values):
        values[k] = finish_division(values[k], uncounted)
    if ctx["near_ties"]:
        raise OracleError(f"{ctx['near_ties']} value(s) within 2^-30 of a rounding tie: float64 cannot decide them")
    return values, ctx


def fix_ops(g):
    return [op for op in g["ops"] if op["type"] == "fix"]


def to_int8(value, fp):
    q = value * (2.0 ** fp)
    if not np.all(q == np.round(q)):
        raise OracleError("a fixed tensor holds a value off its fix-point grid")
    return q.astype(np.int64)


def main(argv):
    """oracle.py EXPORT_DIR INPUT.npy OUT.npz: evaluates the exported graph on the float
    input (one data op) and writes every fix op's output as int8 (key = tensor name)."""
    if len(argv) != 4:
        print("usage: oracle.py EXPORT_DIR INPUT.npy OUT.npz", file=sys.stderr)
        return 2
    g = load_graph(argv[1])
    data = [op for op in g["ops"] if op["type"] == "data"]
    if len(data) != 1:
        print(f"oracle: {len(data)} data ops; the command line form takes one", file=sys.stderr)
        return 1
    try:
        values, ctx = evaluate(g, {data[0]["output"]: np.load(argv[2])})
    except OracleError as e:
        print(f"oracle: {e}", file=sys.stderr)
        return 1
    out = {op["output"]: to_int8(values[op["output"]], op["attrs"]["fix_point"]).astype(np.int8)
           for op in fix_ops(g) if op["output"] in values}
    np.savez(argv[3], **out)
    print(json.dumps(ctx["rules"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
