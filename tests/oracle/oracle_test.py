#!/usr/bin/python3
"""The oracle against the emulator, bit for bit (docs/testing.md, "The oracle").

  oracle_test.py ours BIN SRC WORK MODEL.onnx NAME          our quantiser's pair of one model
  oracle_test.py perop BIN WORK SEED COUNT [CASES]          tiny random graphs per op kind
  oracle_test.py compile BIN WORK SEED [CASES]              signdpu compile's lowering rule per op
  oracle_test.py pointpillars BIN SRC WORK PART             Xilinx's pair, PART = pfn | rpn

The oracle (oracle.py) evaluates the quantiser-format graph exported by
xmodel_graph_export; the emulator side is `signdpu dump` (libvart + the plugin:
the DPU subgraphs' outputs) and emu_tensor_dump (the plugin's reader and executor:
every tensor, on the best and on the reference kernel path). Tensors are paired by
name (see match_tensors). Exit 0 = equal, 1 = a difference or an error, 77 = skipped.
"""
import glob
import json
import os
import re
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402

SKIP = 77


class TestFailure(Exception):
    pass


def run(cmd, env=None):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        raise TestFailure(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p.stdout


def export(bin_dir, model, out_dir):
    run([os.path.join(bin_dir, "xmodel_graph_export"), model, out_dir])
    g = oracle.load_graph(out_dir)
    _SHAPES.update({op["output"]: op["shape"] for op in g["ops"]})
    return g


def sanitize(name):
    return re.sub(r"[^0-9A-Za-z]", "_", name)


def emu_tensors(bin_dir, host, raw, frames, out_dir, path, k=None):
    """Every tensor of every DPU subgraph (path "best" / "reference"), or the outputs
    through libvart + the plugin (path "vart"); k = only the k-th DPU subgraph.
    {name: (int8 [frames, ...per image], fix_point)}."""
    os.makedirs(out_dir, exist_ok=True)
    inp = os.path.join(out_dir, "input.bin")
    raw.astype(np.int8).tofile(inp)
    cmd = [os.path.join(bin_dir, "emu_tensor_dump"), host, inp, str(frames), out_dir, path]
    run(cmd + ([str(k)] if k is not None else []))
    with open(os.path.join(out_dir, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    out = {}
    for t in index["tensors"]:
        path_bin = os.path.join(out_dir, t["file"])
        a = np.fromfile(path_bin, dtype=np.int8).reshape([frames] + t["shape"][1:])
        os.remove(path_bin)  # PointPillars' tensors take 100+ MB per run
        out[t["name"]] = (a, t["fix_point"])
    return out


def emu_tensors_k(bin_dir, host, raw, out_dir, path, k):
    return emu_tensors(bin_dir, host, raw, 1, out_dir, path, k)


def signdpu_dump(bin_dir, host, out_dir, raw=None, csv=None, limit=None):
    """`signdpu dump` (libvart + plugin): {output tensor name: int8 [frames, ...]}."""
    os.makedirs(out_dir, exist_ok=True)
    cmd = [os.path.join(bin_dir, "signdpu"), "dump", "--model", host, "--out", out_dir, "--mode", "ref"]
    if raw is not None:
        inp = os.path.join(out_dir, "input.bin")
        raw.astype(np.int8).tofile(inp)
        cmd += ["--input-raw", inp]
    else:
        cmd += ["--csv", csv, "--limit", str(limit)]
    run(cmd)
    out = {}
    for side in glob.glob(os.path.join(out_dir, "*.json")):
        with open(side, encoding="utf-8") as f:
            j = json.load(f)
        a = np.fromfile(side[:-5] + ".bin", dtype=np.int8)
        out[j["tensor"]] = a.reshape([-1] + j["shape"][1:])
    return out


PASS_THROUGH = {"relu", "relu6", "leaky-relu", "mul"}


def match_tensors(g, names):
    """Emulator tensor name -> (the quantiser graph's fix op that quantises it, channel
    slice or None). The fix of tensor T is named T + "_fix" by vai_q_pytorch
    (xgraph.py create_fix_op :159-160) and by our writer, every byte outside
    [0-9A-Za-z] replaced by '_' (xgraph.py:38). Xilinx's compiler names a fused op
    after its first float op (a conv2d-fix after the conv2d, whose fix follows a relu)
    and may add suffixes ("_fix", "_new", "_download_0"); so from the op of that name
    the pairing follows its single consumer through activations (and the correction
    mul) to the fix; through a concat, the tensor is the concat fix's channel slice."""
    by_key, consumers = {}, {}
    for op in g["ops"]:
        for key in (op["output"], op["name"]):
            by_key.setdefault(sanitize(key), op)
        for ins in op["inputs"].values():
            for n in ins:
                consumers.setdefault(n, []).append(op)
    pairs = {}
    for n in names:
        base = n.split("(")[0]
        cands = [base + "_fix", base]
        for suffix in ("_fix", "_new", "_download_0", "_upload_0"):
            if base.endswith(suffix):
                cands.append(base[: -len(suffix)])
        inserted = re.sub(r"_inserted_fix_[0-9]+$", "", base)  # vai_c_xir's fix before a concat
        if inserted != base:
            cands.append(inserted)
        for c in cands:
            op = by_key.get(sanitize(c))
            if op is None:
                continue
            found = follow_to_fix(op, consumers)
            if found is not None:
                pairs[n] = found
                break
    return pairs


def follow_to_fix(op, consumers):
    cut = None
    for _ in range(8):
        if op["type"] == "fix":
            return op, cut
        users = consumers.get(op["output"], [])
        if len(users) != 1:
            return None
        user = users[0]
        if user["type"] == "concat":
            if cut is not None or user["attrs"]["axis"] not in (-1, 3):
                return None
            start = 0
            for name in user["inputs"]["input"]:
                if name == op["output"]:
                    break
                start += g_shape(consumers, name)[-1]
            cut = (start, start + op["shape"][-1])
        elif user["type"] not in PASS_THROUGH and user["type"] != "fix":
            return None
        op = user
    return None


def g_shape(consumers, name):
    return _SHAPES[name]


_SHAPES = {}


def compare(label, want, got):
    """want: oracle int8 [frames, ...]; got: emulator int8. Returns a line or raises."""
    w = want.reshape(want.shape[0], -1)
    gt = got.reshape(got.shape[0], -1).astype(np.int64)
    if w.shape != gt.shape:
        raise TestFailure(f"{label}: oracle shape {list(w.shape)} vs emulator {list(gt.shape)}")
    diff = np.argwhere(w != gt)
    if diff.size:
        f, i = diff[0]
        raise TestFailure(f"{label}: {len(diff)} of {w.size} values differ; first frame {f} element {i}: "
                          f"oracle {w[f, i]} emulator {gt[f, i]}")
    return f"{label}: {w.size} values equal ({len(np.unique(w))} distinct)"


def oracle_ints(g, values):
    return {op["output"]: oracle.to_int8(values[op["output"]], op["attrs"]["fix_point"])
            for op in oracle.fix_ops(g) if op["output"] in values}


def oracle_int_for(ints, pair):
    op, cut = pair
    if op["output"] not in ints:
        return None
    v = ints[op["output"]]
    return v if cut is None else v[..., cut[0]:cut[1]]


def data_fix(g):
    data = [op for op in g["ops"] if op["type"] == "data"]
    if len(data) != 1:
        raise TestFailure(f"{len(data)} data ops; expected 1")
    fixes = [op for op in oracle.fix_ops(g) if op["inputs"]["input"] == [data[0]["output"]]]
    if len(fixes) != 1:
        raise TestFailure("the data op has no single fix op")
    return data[0], fixes[0]


def compare_all(g, values, emu, label, need):
    """Every emulator tensor that pairs with a fix op; `need` names that must pair."""
    ints = oracle_ints(g, values)
    pairs = match_tensors(g, emu.keys())
    missing = [n for n in need if n not in pairs]
    if missing:
        raise TestFailure(f"{label}: emulator tensors {missing} match no fix op of the quantiser graph")
    lines = []
    for n, pair in pairs.items():
        a, fp = emu[n]
        want = oracle_int_for(ints, pair)
        if want is None:
            continue  # upstream of the fed tensors
        if fp != pair[0]["attrs"]["fix_point"]:
            raise TestFailure(f"{label}: {n}: emulator fix_point {fp}, quantiser graph {pair[0]['attrs']['fix_point']}")
        lines.append(compare(f"{label} {n}", want, a))
    return lines, len(lines)


def check_model(bin_dir, work, int_xmodel, host, csv=None, frames=64, seed=1):
    """The oracle on INT_XMODEL equals the emulator on HOST: seeded random int8 inputs
    over the full range, and (csv) real rows."""
    g = export(bin_dir, int_xmodel, os.path.join(work, "export"))
    data, dfix = data_fix(g)
    fp = dfix["attrs"]["fix_point"]
    shape = data["shape"][1:]
    rng = np.random.default_rng(seed)
    cases = [("random", rng.integers(-128, 128, size=[frames] + shape))]
    if csv is not None:
        pix = np.loadtxt(csv, delimiter=",", skiprows=1, max_rows=frames, dtype=np.int64)[:, 1:]
        cases.append(("csv", pix.reshape([pix.shape[0]] + shape)))
    report = []
    for kind, arr in cases:
        if kind == "random":
            feed = arr * 2.0 ** -fp
        else:  # pixel / 255, quantised by the graph's own data fix (DPU_ROUND)
            feed = arr / 255.0
        values, ctx = oracle.evaluate(g, {data["output"]: feed})
        q_in = oracle.to_int8(values[dfix["output"]], fp)
        if kind == "random" and not np.array_equal(q_in, arr):
            raise TestFailure("random int8 input changed by the data fix")
        emu = {}
        for path in ("best", "reference", "vart"):
            emu = emu_tensors(bin_dir, host, q_in, len(q_in), os.path.join(work, f"emu_{kind}_{path}"), path)
            lines, n = compare_all(g, values, emu, f"{kind}/{path}", [])
            if n < (1 if path == "vart" else 2):
                raise TestFailure(f"{kind}/{path}: only {n} tensor(s) paired with the quantiser graph")
            report += lines
        # whole model through libvart + the plugin
        if kind == "random":
            dumped = signdpu_dump(bin_dir, host, os.path.join(work, f"dump_{kind}"), raw=q_in)
        else:
            dumped = signdpu_dump(bin_dir, host, os.path.join(work, f"dump_{kind}"), csv=csv, limit=len(q_in))
        pairs = match_tensors(g, dumped.keys())
        if len(pairs) != len(dumped) or not dumped:
            raise TestFailure(f"{kind}: signdpu dump outputs {sorted(dumped)} do not all pair with fix ops")
        ints = oracle_ints(g, values)
        for n, pair in pairs.items():
            report.append(compare(f"{kind}/signdpu dump {n}", oracle_int_for(ints, pair), dumped[n]))
        report.append(f"{kind}: rules applied {json.dumps(ctx['rules'])}")
    return report


def cmd_ours(argv):
    """ours BIN SRC WORK MODEL.onnx NAME: signdpu-quantize the model (the e2e
    settings: 6 x 32 calibration rows of the sample CSV), then the oracle on
    NAME_int.xmodel against the emulator on NAME.xmodel."""
    bin_dir, src, work, onnx, name = argv[:5]
    csv = os.path.join(src, "tests", "data", "fashion_sample.csv")
    q = os.path.join(work, "q")
    run([os.path.join(bin_dir, "signdpu-quantize"), "--model", onnx, "--calib", csv, "--calib_iter", "6",
         "--calib_batch_size", "32", "--output_dir", q, "--name", name, "--no-progress"])
    lines = check_model(bin_dir, work, os.path.join(q, name + "_int.xmodel"), os.path.join(q, name + ".xmodel"),
                        csv=csv)
    for line in lines:
        print(line)
    print(f"{name}: {sum(1 for l in lines if 'values equal' in l)} tensor comparisons, all equal")
    return 0


def cmd_perop(argv):
    bin_dir, work, seed, count = argv[0], argv[1], argv[2], argv[3]
    gdir = os.path.join(work, "graphs")
    names = run([os.path.join(bin_dir, "make_oracle_graphs"), gdir, seed, count] + argv[4:5]).split()
    if not names:
        raise TestFailure("make_oracle_graphs wrote no graph")
    total = 0
    for stem in names:
        lines = check_model(bin_dir, os.path.join(work, stem), os.path.join(gdir, stem + "_int.xmodel"),
                            os.path.join(gdir, stem + ".xmodel"), frames=16, seed=int(seed))
        total += sum(1 for l in lines if "values equal" in l)
        print(f"{stem}: {len(lines)} comparisons equal")
    print(f"perop: {len(names)} graphs, {total} tensor comparisons, all equal")
    return 0


def cmd_compile(argv):
    """compile BIN WORK SEED [CASES]: quantiser-format graphs in vai_q_pytorch's
    spelling (make_compile_graphs), each through `signdpu compile` into one DPU
    subgraph and no CPU op; the oracle on the graph equals the compiled DPU
    subgraph on every tensor (seeded random int8 inputs)."""
    bin_dir, work, seed = argv[0], argv[1], argv[2]
    gdir = os.path.join(work, "graphs")
    names = run([os.path.join(bin_dir, "make_compile_graphs"), gdir, seed] + argv[3:4]).split()
    if not names:
        raise TestFailure("make_compile_graphs wrote no graph")
    total = 0
    for stem in names:
        int_xmodel, host = os.path.join(gdir, stem + "_int.xmodel"), os.path.join(gdir, stem + ".xmodel")
        out = run([os.path.join(bin_dir, "signdpu"), "compile", int_xmodel, "-o", host])
        if "DPU subgraph 0: " not in out or "DPU subgraph 1" in out or "CPU ops: 0" not in out:
            raise TestFailure(f"{stem}: expected one DPU subgraph and no CPU op:\n{out}")
        lines = check_model(bin_dir, os.path.join(work, stem), int_xmodel, host, frames=16, seed=int(seed))
        total += sum(1 for l in lines if "values equal" in l)
        print(f"{stem}: {out.splitlines()[0]}; {len(lines)} comparisons equal")
    print(f"compile: {len(names)} graphs, {total} tensor comparisons, all equal")
    return 0


def main(argv):
    cmds = {"ours": cmd_ours, "perop": cmd_perop, "compile": cmd_compile}
    try:
        import pointpillars_oracle  # noqa: F401  (the Xilinx pair; see that file)
        cmds["pointpillars"] = pointpillars_oracle.cmd
    except ImportError:
        pass
    if len(argv) < 2 or argv[1] not in cmds:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return cmds[argv[1]](argv[2:])
    except Exception as e:  # noqa: BLE001
        # pointpillars_oracle imports this file as a module: its TestFailure is
        # another class object than __main__'s, so match by name.
        if type(e).__name__ not in ("TestFailure", "OracleError"):
            raise
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
