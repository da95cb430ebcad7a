#!/usr/bin/python3
"""Self-test of the oracle (tests/oracle/oracle.py) on hand-built graphs: each rule it
models, each against an independent statement of it (XIR's worked examples, naive
loops written from XIR's op annotations), and the comparison's own ability to fail."""
import json
import os
import sys
import tempfile
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import oracle  # noqa: E402
import oracle_test  # noqa: E402


def make_graph(ops, consts=None):
    """ops: list of (name, type, {arg: [inputs]}, shape, attrs); consts: name -> array."""
    d = tempfile.mkdtemp(prefix="oracle_selftest_")
    out = []
    for i, (name, t, ins, shape, attrs) in enumerate(ops):
        op = {"name": name, "type": t, "inputs": ins, "output": name, "shape": shape, "data_type": "FLOAT32",
              "attrs": dict(attrs), "tensor_attrs": {}}
        if t == "const":
            arr = np.asarray(consts[name], dtype="<f4")
            arr.tofile(os.path.join(d, f"c{i}.bin"))
            op["data"] = f"c{i}.bin"
            op["attrs"]["data_type"] = "FLOAT32"
        out.append(op)
    with open(os.path.join(d, "graph.json"), "w", encoding="utf-8") as f:
        json.dump({"name": "t", "ops": out, "subgraphs": []}, f)
    return oracle.load_graph(d)


def fix_attrs(fp, mode="DPU_ROUND"):
    return {"fix_point": fp, "bit_width": 8, "if_signed": True, "round_mode": mode}


def run_fix(values, fp, mode):
    g = make_graph([("x", "data", {}, [len(values)], {}), ("q", "fix", {"input": ["x"]}, [len(values)],
                                                           fix_attrs(fp, mode))])
    v, _ = oracle.evaluate(g, {"x": np.array(values, dtype=np.float64)})
    return list(oracle.to_int8(v["q"], fp))


class Fix(unittest.TestCase):
    def test_round_modes_match_xirs_examples(self):
        # BIO FixOpDefGenerator :1091-1102: f(2.3), f(2.5), f(-2.5), f(-2.6).
        xs = [2.3, 2.5, -2.5, -2.6]
        self.assertEqual(run_fix(xs, 0, "STD_ROUND"), [2, 3, -3, -3])
        self.assertEqual(run_fix(xs, 0, "DPU_ROUND"), [2, 3, -2, -3])
        self.assertEqual(run_fix(xs, 0, "PY3_ROUND"), [2, 2, -2, -3])

    def test_saturates_after_rounding(self):
        self.assertEqual(run_fix([127.4, 127.6, -128.5, -129, 1000], 0, "DPU_ROUND"), [127, 127, -128, -128, 127])
        self.assertEqual(run_fix([0.75, -0.75], 2, "DPU_ROUND"), [3, -3])
        self.assertEqual(run_fix([3.0, 5.0], -1, "DPU_ROUND"), [2, 3])  # 1.5 -> 2, 2.5 -> 3

    def test_unknown_round_mode_and_near_tie_refused(self):
        with self.assertRaisesRegex(oracle.OracleError, "round_mode"):
            run_fix([1.0], 0, "HALF_DOWN")
        with self.assertRaisesRegex(oracle.OracleError, "rounding tie"):
            run_fix([0.5 + 2.0 ** -40], 0, "DPU_ROUND")


def naive_conv(x, w, b, stride, pad_tl, dil, out_hw):
    n, h, wd, c = x.shape
    o = w.shape[0]
    y = np.zeros((n, out_hw[0], out_hw[1], o))
    for oy in range(out_hw[0]):
        for ox in range(out_hw[1]):
            for ky in range(w.shape[1]):
                for kx in range(w.shape[2]):
                    iy = oy * stride[0] + ky * dil[0] - pad_tl[0]
                    ix = ox * stride[1] + kx * dil[1] - pad_tl[1]
                    if 0 <= iy < h and 0 <= ix < wd:
                        y[:, oy, ox, :] += x[:, iy, ix, :] @ w[:, ky, kx, :].T
    return y + b


class Ops(unittest.TestCase):
    def setUp(self):
        self.rng = np.random.default_rng(7)

    def test_conv2d_against_naive_loops(self):
        x = self.rng.integers(-128, 128, (2, 7, 6, 3)) / 16.0
        w = self.rng.integers(-128, 128, (4, 3, 2, 3)) / 128.0
        b = self.rng.integers(-128, 128, (4,)) / 64.0
        out = [2, 3, 4, 4]  # stride (2,2), dilation (1,2), pad l=1 r=0 t=1 b=1
        g = make_graph([("x", "data", {}, [2, 7, 6, 3], {}), ("w", "const", {}, [4, 3, 2, 3], {}),
                        ("b", "const", {}, [4], {}),
                        ("y", "conv2d", {"input": ["x"], "weights": ["w"], "bias": ["b"]}, out,
                         {"kernel": [2, 3], "stride": [2, 2], "dilation": [2, 1], "pad": [1, 0, 1, 1],
                          "pad_mode": "FLOOR"})], {"w": w, "b": b})
        v, _ = oracle.evaluate(g, {"x": x})
        np.testing.assert_array_equal(v["y"], naive_conv(x, w, b, (2, 2), (1, 1), (1, 2), (3, 4)))

    def test_transposed_conv2d_as_xirs_annotation(self):
        # BIO transposed-conv2d :267-314: dilate by stride, pad kernel-1-pad, conv.
        # Written here as the equivalent scatter: the conv over the dilated, padded
        # input reads tap ky of output oy at dilated row oy + ky - (k-1-pad), which
        # holds input row i when that equals i*s: oy = i*s + (k-1-pad) - ky.
        x = self.rng.integers(-128, 128, (1, 3, 4, 2)) / 8.0
        w = self.rng.integers(-128, 128, (3, 3, 3, 2)) / 64.0
        s, k, p = 2, 3, 1
        oh, ow = (3 - 1) * s + k - 2 * p, (4 - 1) * s + k - 2 * p
        want = np.zeros((1, oh, ow, 3))
        for i in range(3):
            for j in range(4):
                for ky in range(k):
                    for kx in range(k):
                        oy, ox = i * s + (k - 1 - p) - ky, j * s + (k - 1 - p) - kx
                        if 0 <= oy < oh and 0 <= ox < ow:
                            want[0, oy, ox, :] += w[:, ky, kx, :] @ x[0, i, j, :]
        g = make_graph([("x", "data", {}, [1, 3, 4, 2], {}), ("w", "const", {}, [3, 3, 3, 2], {}),
                        ("y", "transposed-conv2d", {"input": ["x"], "weights": ["w"]}, [1, oh, ow, 3],
                         {"kernel": [3, 3], "stride": [2, 2], "pad": [1, 1, 1, 1], "pad_mode": "FLOOR"})],
                       {"w": w})
        v, _ = oracle.evaluate(g, {"x": x})
        np.testing.assert_array_equal(v["y"], want)

    def test_pixel_shuffle_is_pytorchs_channel_order(self):
        # upscale: out[y][x][c] = in[y/s][x/s][c*s*s + (y%s)*s + x%s], written as loops;
        # downscale inverts it.
        s = 2
        x = self.rng.integers(-128, 128, (1, 2, 3, 8)) / 8.0
        want = np.zeros((1, 4, 6, 2))
        for y in range(4):
            for xx in range(6):
                for c in range(2):
                    want[0, y, xx, c] = x[0, y // s, xx // s, c * s * s + (y % s) * s + xx % s]
        g = make_graph([("x", "data", {}, [1, 2, 3, 8], {}),
                        ("y", "pixel-shuffle", {"input": ["x"]}, [1, 4, 6, 2], {"scale": 2, "upscale": True}),
                        ("z", "pixel-shuffle", {"input": ["y"]}, [1, 2, 3, 8], {"scale": 2, "upscale": False})], {})
        v, _ = oracle.evaluate(g, {"x": x})
        np.testing.assert_array_equal(v["y"], want)
        np.testing.assert_array_equal(v["z"], x)

    def test_avgpool_correction_mul_is_exact_at_a_tie(self):
        # 3x3 window summing to 32 at fp 0: the DPU gives ShiftRound(32 * 7, 6) = 4
        # (3.5 rounds up); vai_q's graph: avgpool2d -> mul(9 * 7 / 64) -> fix.
        x = np.zeros((1, 3, 3, 1))
        x[0, 0, 0, 0] = 32.0
        ops = [("x", "data", {}, [1, 3, 3, 1], {}),
               ("p_i0", "avgpool2d", {"input": ["x"]}, [1, 1, 1, 1],
                {"kernel": [3, 3], "stride": [1, 1], "pad": [0, 0, 0, 0], "pad_mode": "FLOOR"}),
               ("p_i1", "const", {}, [1], {}), ("p", "mul", {"input": ["p_i0", "p_i1"]}, [1, 1, 1, 1], {}),
               ("q", "fix", {"input": ["p"]}, [1, 1, 1, 1], fix_attrs(0))]
        g = make_graph(ops, {"p_i1": [9 * 7 / 64]})
        v, ctx = oracle.evaluate(g, {"x": x})
        self.assertEqual(v["q"].item(), 4.0)
        self.assertEqual(ctx["rules"]["correction_mul_fused"], 1)
        # without the mul, the oracle applies the DPU's N / 2^M itself (RULE 2)
        g2 = make_graph([ops[0], ops[1], ("q", "fix", {"input": ["p_i0"]}, [1, 1, 1, 1], fix_attrs(0))])
        v2, ctx2 = oracle.evaluate(g2, {"x": x})
        self.assertEqual(v2["q"].item(), 4.0)
        self.assertEqual(ctx2["rules"]["avgpool_dpu_factor"], 1)

    def test_avgpool_factors_match_the_quantisers_table(self):
        self.assertEqual(oracle.avgpool_factor(9), (7, 6))
        self.assertEqual(oracle.avgpool_factor(49), (21, 10))
        self.assertEqual(oracle.avgpool_factor(4), (1, 2))
        self.assertEqual(oracle.avgpool_factor(16), (1, 4))

    def test_leaky_relu_01_is_26_over_256(self):
        g = make_graph([("x", "data", {}, [1], {}),
                        ("y", "leaky-relu", {"input": ["x"]}, [1], {"alpha": float(np.float32(0.1))})])
        v, ctx = oracle.evaluate(g, {"x": np.array([-256.0])})
        self.assertEqual(v["y"].item(), -26.0)
        self.assertEqual(ctx["rules"]["leaky_alpha_26_256"], 1)

    def test_add_of_different_fix_points_follows_the_elew_engine(self):
        # 31 at fi 5 plus 0 at fi 0 into fo 2: exact 0.96875 * 4 = 3.875 -> 4, but the
        # engine floors 31 to the grid 2^-2 first (0.75): 3 (RULE 5).
        ops = [("a", "data", {}, [1], {}), ("b", "data", {}, [1], {}),
               ("af", "fix", {"input": ["a"]}, [1], fix_attrs(5)), ("bf", "fix", {"input": ["b"]}, [1], fix_attrs(0)),
               ("s", "add", {"input": ["af", "bf"]}, [1], {}), ("q", "fix", {"input": ["s"]}, [1], fix_attrs(2))]
        v, ctx = oracle.evaluate(make_graph(ops), {"a": np.array([31 / 32]), "b": np.array([0.0])})
        self.assertEqual(oracle.to_int8(v["q"], 2).item(), 3)
        self.assertEqual(ctx["rules"]["eltwise_elew_alignment"], 1)
        # fix points 2 apart: the guard bits hold every bit: the exact sum, 4.125 * 4 = 16.5 -> 17
        ops[2] = ("af", "fix", {"input": ["a"]}, [1], fix_attrs(3))
        ops[3] = ("bf", "fix", {"input": ["b"]}, [1], fix_attrs(1))
        v, _ = oracle.evaluate(make_graph(ops), {"a": np.array([5 / 8]), "b": np.array([7 / 2])})
        self.assertEqual(oracle.to_int8(v["q"], 2).item(), 17)  # docs/arithmetic.md E6

    def test_resize_nearest(self):
        x = np.arange(6, dtype=np.float64).reshape(1, 2, 3, 1)
        g = make_graph([("x", "data", {}, [1, 2, 3, 1], {}),
                        ("y", "resize", {"input": ["x"]}, [1, 4, 6, 1], {"mode": "NEAREST"})])
        v, _ = oracle.evaluate(g, {"x": x})
        np.testing.assert_array_equal(v["y"][0, :, :, 0], np.repeat(np.repeat(x[0, :, :, 0], 2, 0), 2, 1))

    def test_pad_modes_match_xirs_examples(self):
        # BIO PadOpDefGenerator annotation (:1672-1694): [[1,2],[3,4]], paddings [0,1,1,0].
        x = np.array([[1.0, 2.0], [3.0, 4.0]])
        want = {"CONSTANT": [[0, 1, 2], [0, 3, 4], [0, 0, 0]], "REFLECT": [[2, 1, 2], [4, 3, 4], [2, 1, 2]],
                "SYMMETRIC": [[1, 1, 2], [3, 3, 4], [3, 3, 4]]}
        for mode, w in want.items():
            g = make_graph([("x", "data", {}, [2, 2], {}),
                            ("y", "pad", {"input": ["x"]}, [3, 3], {"paddings": [0, 1, 1, 0], "mode": mode})])
            v, _ = oracle.evaluate(g, {"x": x})
            np.testing.assert_array_equal(v["y"], np.array(w, dtype=np.float64), mode)

    def test_transpose_and_reduction_max(self):
        x = self.rng.integers(-128, 128, (2, 3, 4, 5)).astype(np.float64)
        g = make_graph([("x", "data", {}, [2, 3, 4, 5], {}),
                        ("t", "transpose", {"input": ["x"]}, [2, 5, 4, 3], {"order": [0, 3, 2, 1]}),
                        ("m", "reduction_max", {"input": ["t"]}, [2, 5, 1, 3], {"axis": [2], "keep_dims": True})])
        v, _ = oracle.evaluate(g, {"x": x})
        self.assertEqual(v["t"].shape, (2, 5, 4, 3))
        self.assertEqual(v["t"][1, 4, 2, 0], x[1, 0, 2, 4])
        np.testing.assert_array_equal(v["m"][:, :, 0, :], x.max(axis=2).transpose(0, 2, 1))

    def test_unknown_op_is_named(self):
        g = make_graph([("x", "data", {}, [1], {}), ("y", "PPScatterV2", {"input": ["x"]}, [1], {})])
        with self.assertRaisesRegex(oracle.OracleError, "op y: type 'PPScatterV2' is not supported"):
            oracle.evaluate(g, {"x": np.zeros(1)})


class Independence(unittest.TestCase):
    """The oracle shares no code with the emulator: the evaluator imports only the
    standard library and numpy; the exporter includes and links only libxir and
    signdpu's core helpers."""
    HERE = os.path.dirname(os.path.abspath(__file__))

    def test_evaluator_imports(self):
        with open(os.path.join(self.HERE, "oracle.py"), encoding="utf-8") as f:
            imports = {line.split()[1].split(".")[0] for line in f
                       if line.startswith("import ") or line.startswith("from ")}
        self.assertLessEqual(imports, {"json", "math", "os", "sys", "numpy"})

    def test_exporter_includes_and_links(self):
        with open(os.path.join(self.HERE, "xmodel_graph_export.cc"), encoding="utf-8") as f:
            includes = [line.split()[1].strip('<>"') for line in f if line.startswith("#include")]
        for inc in includes:
            self.assertTrue(inc.startswith(("signdpu/core/", "xir/", "nlohmann/")) or "/" not in inc, inc)
        with open(os.path.join(self.HERE, "CMakeLists.txt"), encoding="utf-8") as f:
            cmake = f.read()
        self.assertIn("target_link_libraries(xmodel_graph_export PRIVATE signdpu::core xir::xir)", cmake)


class Comparison(unittest.TestCase):
    def test_one_changed_value_fails(self):
        a = np.arange(-50, 50).reshape(2, 50)
        b = a.copy().astype(np.int8)
        self.assertIn("100 values equal", oracle_test.compare("t", a, b))
        b[1, 7] += 1
        with self.assertRaisesRegex(oracle_test.TestFailure, "1 of 100 values differ; first frame 1 element 7"):
            oracle_test.compare("t", a, b)


if __name__ == "__main__":
    unittest.main()
