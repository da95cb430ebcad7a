#!/usr/bin/python3
"""Quantise-and-run of the ONNX spatial ops (issue 18: ConvTranspose, Resize /
Upsample nearest, DepthToSpace), one tiny model each (tests/data/onnx/
make_spatial_ops.py):

  spatial_ops_test.py BIN SRC WORK CASE      CASE = convtranspose | resize | upsample9 | d2s_crd | d2s_dcr
  spatial_ops_test.py bad BIN SRC WORK CASE  the model with a refused attribute

1. signdpu-quantize on 6 x 32 rows of tests/data/fashion_sample.csv (non-overflow, no refinement);
2. bit for bit: the oracle (oracle.py, float64 over the quantiser-format graph)
   equals the emulator (best and reference kernel paths, libvart + the plugin,
   `signdpu dump`) on random int8 inputs and on the CSV rows (oracle_test.check_model);
3. against the float model: `signdpu dump` of the first 32 CSV rows (int8 ->
   q * 2^-fix_point) against PyTorch's float outputs of the same rows
   (spatial_<case>_float.npy), within TOLERANCE (printed: max and mean |error|,
   in output LSBs and as a share of the float output range).
`bad`: signdpu-quantize must exit 1..127 with exactly one stderr line naming the
node and the attribute. Exit 0 = pass, 1 = fail.
"""
import glob
import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle_test  # noqa: E402

# Max |int8 - float| over all outputs of the 32 rows, in LSBs of the output's
# fix point. The models are quantised with --method non-overflow (no clipped
# tails) and --tune_images 0 (the refinement scores classifier logits; these
# outputs are feature maps), so the error is the rounding of each layer
# (input, weights, bias, activations): measured 1.8 LSB max, 0.3 LSB mean.
TOLERANCE_MAX_LSB = 3.0
TOLERANCE_MEAN_LSB = 0.5
# What the refusal line must name, per case.
BAD_WORDS = {
    "convtranspose": ["/up/ConvTranspose", "auto_pad"],
    "resize": ["/Resize", "coordinate_transformation_mode"],
    "upsample9": ["/Upsample", "mode"],
    "d2s_crd": ["/DepthToSpace", "mode"],
    "d2s_dcr": ["/DepthToSpace", "blocksize"],
}


def quantize(bin_dir, csv, onnx, out, name):
    return subprocess.run([os.path.join(bin_dir, "signdpu-quantize"), "--model", onnx, "--calib", csv,
                           "--calib_iter", "6", "--calib_batch_size", "32", "--output_dir", out, "--name", name,
                           "--no-progress", "--tune_images", "0", "--method", "non-overflow"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def dump_with_fix(bin_dir, host, out_dir, csv, limit):
    """`signdpu dump` of the CSV rows: (int8 [frames, per image], fix point) of the one output."""
    oracle_test.signdpu_dump(bin_dir, host, out_dir, csv=csv, limit=limit)
    sides = glob.glob(os.path.join(out_dir, "*.json"))
    if len(sides) != 1:
        raise oracle_test.TestFailure(f"signdpu dump wrote {len(sides)} outputs, expected 1")
    with open(sides[0], encoding="utf-8") as f:
        j = json.load(f)
    q = np.fromfile(sides[0][:-5] + ".bin", dtype=np.int8).reshape(limit, -1)
    return q, int(j["fix_point"])


def cmd_run(bin_dir, src, work, case):
    csv = os.path.join(src, "tests", "data", "fashion_sample.csv")
    data = os.path.join(src, "tests", "data", "onnx")
    q = os.path.join(work, "q")
    p = quantize(bin_dir, csv, os.path.join(data, f"spatial_{case}.onnx"), q, case)
    if p.returncode != 0:
        raise oracle_test.TestFailure(f"signdpu-quantize exited {p.returncode}: {p.stderr.strip()}")
    print(p.stdout.strip())
    lines = oracle_test.check_model(bin_dir, work, os.path.join(q, case + "_int.xmodel"),
                                    os.path.join(q, case + ".xmodel"), csv=csv)
    equal = sum(1 for line in lines if "values equal" in line)
    print(f"{case}: oracle == emulator on {equal} tensor comparisons (random and CSV inputs, best/reference/vart)")
    want = np.load(os.path.join(data, f"spatial_{case}_float.npy"))
    got_q, fp = dump_with_fix(bin_dir, os.path.join(q, case + ".xmodel"), os.path.join(work, "dump_float"), csv,
                              len(want))
    if got_q.shape != want.shape:
        raise oracle_test.TestFailure(f"int8 output {got_q.shape} vs float {want.shape}")
    got = got_q.astype(np.float64) * 2.0 ** -fp
    err = np.abs(got - want.astype(np.float64))
    lsb = 2.0 ** -fp
    span = float(want.max() - want.min())
    print(f"{case}: int8 (fix_point {fp}) vs float on {len(want)} images x {want.shape[1]} values: "
          f"max |error| {err.max():.4f} ({err.max() / lsb:.2f} LSB, {100 * err.max() / span:.2f}% of the range), "
          f"mean {err.mean():.4f} ({err.mean() / lsb:.3f} LSB); tolerance max {TOLERANCE_MAX_LSB} LSB, "
          f"mean {TOLERANCE_MEAN_LSB} LSB")
    if err.max() > TOLERANCE_MAX_LSB * lsb or err.mean() > TOLERANCE_MEAN_LSB * lsb:
        raise oracle_test.TestFailure(f"{case}: int8 output outside the tolerance of the float model")
    print(f"{case}: PASS")
    return 0


def cmd_bad(bin_dir, src, work, case):
    csv = os.path.join(src, "tests", "data", "fashion_sample.csv")
    onnx = os.path.join(src, "tests", "data", "onnx", f"spatial_{case}_bad.onnx")
    p = quantize(bin_dir, csv, onnx, os.path.join(work, "q_bad"), case)
    err = [line for line in p.stderr.splitlines() if line.strip()]
    print(f"exit {p.returncode}; stderr: {p.stderr.strip()}")
    if not 1 <= p.returncode <= 127:
        raise oracle_test.TestFailure(f"exit {p.returncode}, expected 1..127")
    if len(err) != 1:
        raise oracle_test.TestFailure(f"{len(err)} stderr lines, expected 1")
    for word in BAD_WORDS[case]:
        if word not in err[0]:
            raise oracle_test.TestFailure(f"the error line does not name {word!r}")
    if os.path.exists(os.path.join(work, "q_bad", case + ".xmodel")):
        raise oracle_test.TestFailure("an xmodel was written")
    print(f"{case} (bad attribute): PASS")
    return 0


def main(argv):
    try:
        if len(argv) == 6 and argv[1] == "bad":
            return cmd_bad(*argv[2:])
        if len(argv) == 5:
            return cmd_run(*argv[1:])
        print(__doc__, file=sys.stderr)
        return 2
    except Exception as e:  # noqa: BLE001
        if type(e).__name__ not in ("TestFailure", "OracleError"):
            raise
        print(f"FAIL: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
