"""Xilinx's pair: the oracle on vai_q_pytorch's quantiser graph
(tests/data/xmodels/voxelnet_quantized.xmodel) against the emulator on vai_c_xir
2.5's compile of it (vai25_zcu104_pointpillars.xmodel), one DPU subgraph at a time.

  oracle_test.py pointpillars BIN SRC WORK pfn|rpn

A DPU subgraph's input tensors are fed to the oracle by name (the compiled name
without "_upload_0" / "_fix" is the quantiser graph's tensor: the PFN's data op
"VoxelNet__input_0", the RPN's transpose "..._swim_tranpose_0" whose fix the
compiler moved after it), with seeded random int8 values over the full range at
the compiled tensor's fix point. The oracle then evaluates everything downstream;
every emulator tensor that pairs with a fix op (oracle_test.match_tensors) must be
equal, and every subgraph output must pair.

The PFN works per pillar (a 1x1 conv, then a max over the 100 points), so the
oracle evaluates it in chunks of pillars (shapes patched), in bounded memory.
rpn: needs transposed-conv2d-fix in the emulator; when the emulator refuses it
(one line naming the op) the case exits 77 (ctest SKIP_RETURN_CODE: reported as
skipped, never as passed).
"""
import copy
import os

import numpy as np

import oracle
import oracle_test as T

SEED = 25
PILLARS = 12000
CHUNK = 1000


def dpu_subgraphs(compiled):
    return [sg for sg in compiled["subgraphs"] if sg["device"] == "DPU"]


def quantiser_tensor(g, compiled_name):
    names = {T.sanitize(op["output"]): op["output"] for op in g["ops"]}
    base = compiled_name
    for suffix in ("_upload_0", "_fix"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    for c in (compiled_name, base):
        if T.sanitize(c) in names:
            return names[T.sanitize(c)]
    raise T.TestFailure(f"compiled input {compiled_name} matches no tensor of the quantiser graph")


def chunked(g, feed_name, feed, want):
    """The oracle on pillar chunks; returns {fix output: int8 [1, PILLARS, ...]}."""
    parts = {}
    for start in range(0, PILLARS, CHUNK):
        sub = copy.deepcopy(g)
        for op in sub["ops"]:
            if len(op["shape"]) >= 2 and op["shape"][1] == PILLARS:
                op["shape"][1] = CHUNK
        values, _ = oracle.evaluate(sub, {feed_name: feed[:, start:start + CHUNK]})
        for name, ints in T.oracle_ints(sub, values).items():
            if name in want:
                parts.setdefault(name, []).append(ints)
    return {k: np.concatenate(v, axis=1) for k, v in parts.items()}


def run_emulator(bin_dir, host, raw, work, k, path):
    try:
        return T.emu_tensors_k(bin_dir, host, raw, os.path.join(work, f"emu_{k}_{path}"), path, k)
    except T.TestFailure as e:
        if "transposed-conv2d-fix" in str(e) and "not supported" in str(e):
            return None
        raise


def cmd(argv):
    bin_dir, src, work, part = argv[:4]
    xdir = os.path.join(src, "tests", "data", "xmodels")
    host = os.path.join(xdir, "vai25_zcu104_pointpillars.xmodel")
    g = T.export(bin_dir, os.path.join(xdir, "voxelnet_quantized.xmodel"), os.path.join(work, "quantiser"))
    compiled = T.export(bin_dir, host, os.path.join(work, "compiled"))
    k = {"pfn": 0, "rpn": 1}[part]
    sg = dpu_subgraphs(compiled)[k]
    if len(sg["inputs"]) != 1:
        raise T.TestFailure(f"{sg['name']}: {len(sg['inputs'])} inputs; expected 1")
    in_name = sg["inputs"][0]
    cop = next(op for op in compiled["ops"] if op["output"] == in_name)
    fp = cop["tensor_attrs"]["fix_point"]
    shape = cop["shape"]
    raw = np.random.default_rng(SEED).integers(-128, 128, size=shape)
    feed_name = quantiser_tensor(g, in_name)
    lines = []
    for path in ("vart", "best", "reference"):
        emu = run_emulator(bin_dir, host, raw, work, k, path)
        if emu is None:
            print(f"SKIP: the emulator refuses {sg['name']} (transposed-conv2d-fix not supported yet)")
            return T.SKIP
        pairs = T.match_tensors(g, emu.keys())
        missing = [n for n in sg["outputs"] if n not in pairs]
        if missing:
            raise T.TestFailure(f"{part}: subgraph outputs {missing} pair with no fix op of the quantiser graph")
        if part == "pfn":
            ints = chunked(g, feed_name, raw * 2.0 ** -fp, {p[0]["output"] for p in pairs.values()})
        else:
            values, _ = oracle.evaluate(g, {feed_name: raw * 2.0 ** -fp})
            ints = T.oracle_ints(g, values)
        n = 0
        for name, pair in pairs.items():
            want = T.oracle_int_for(ints, pair)
            if want is None:
                continue
            if emu[name][1] != pair[0]["attrs"]["fix_point"]:
                raise T.TestFailure(f"{name}: emulator fix_point {emu[name][1]}, quantiser {pair[0]['attrs']['fix_point']}")
            lines.append(T.compare(f"{part}/{path} {name}", want, emu[name][0]))
            n += 1
        if n < len(sg["outputs"]):
            raise T.TestFailure(f"{part}/{path}: {n} tensors compared")
    for line in lines:
        print(line)
    return 0
