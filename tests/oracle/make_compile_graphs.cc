// make_compile_graphs OUT_DIR SEED [CASE,CASE...]
//
// Quantiser-format graphs for the compile step's lowering rules, built with
// libxir in vai_q_pytorch 2.5's spelling (nndct_shared/compile/xop_creator.py:
// float ops each followed by a fix, const + fix parameters, avgpool2d and
// hard-sigmoid as "<n>_i0" -> mul(const "<n>_i1") "<n>"). Weights and biases
// are seeded random values on their fix grid. Each graph is written as
// `<case>_int.xmodel`; oracle_test.py `compile` runs `signdpu compile` on it
// and compares the compiled DPU subgraph with the oracle bit for bit. Prints
// one line per graph: "<case>". Cases: add2 add_const mul2 mul_const avgpool
// avgpool_global hsigmoid resize_nearest resize_bilinear pad pad_symmetric
// concat_fix pixel_shuffle dwconv (default: all).
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <xir/graph/graph.hpp>

namespace {

using Ops = std::map<std::string, std::vector<xir::Op*>>;

struct Builder {
  std::unique_ptr<xir::Graph> g;
  std::mt19937 rng;
  std::vector<int> in_shape{1, 6, 6, 4};

  static std::unique_ptr<xir::Attrs> A() { return xir::Attrs::create(); }

  xir::Op* Fix(const std::string& name, xir::Op* in, int fp) {
    auto a = A();
    a->set_attr<int>("fix_point", fp);
    a->set_attr<int>("bit_width", 8);
    a->set_attr<bool>("if_signed", true);
    a->set_attr<std::string>("round_mode", "DPU_ROUND");
    return g->add_op(name + "_fix", "fix", std::move(a), {{"input", {in}}}, xir::DataType("FLOAT32"));
  }
  xir::Op* Raw(const std::string& name, std::vector<int> shape, const std::vector<float>& v) {
    std::vector<char> bytes(v.size() * 4);
    std::memcpy(bytes.data(), v.data(), bytes.size());
    auto a = A();
    a->set_attr<std::vector<int>>("shape", shape);
    a->set_attr<std::string>("data_type", "float32");
    a->set_attr<std::vector<char>>("data", bytes);
    return g->add_op(name, "const", std::move(a), {}, xir::DataType("FLOAT32"));
  }
  // const of random int8 values q * 2^-fp (|q| <= lim), read through its fix.
  xir::Op* Param(const std::string& name, std::vector<int> shape, int fp, int lim = 127) {
    size_t n = 1;
    for (int d : shape) n *= static_cast<size_t>(d);
    std::vector<float> v(n);
    std::uniform_int_distribution<int> q(-lim, lim);
    for (float& x : v) x = static_cast<float>(std::ldexp(q(rng), -fp));
    return Fix(name, Raw(name, shape, v), fp);
  }
  xir::Op* Op(const std::string& name, const std::string& type, std::unique_ptr<xir::Attrs> a, const Ops& in) {
    return g->add_op(name, type, std::move(a), in, xir::DataType("FLOAT32"));
  }
  xir::Op* Input(int fp) {
    auto a = A();
    a->set_attr<std::vector<int>>("shape", in_shape);
    a->set_attr<std::string>("data_type", "FLOAT32");
    return Fix("input", Op("input", "data", std::move(a), {}), fp);
  }
  // conv2d k x k (pad k/2, stride 1) from `in` [.., c] to `oc` channels -> fix `fo`.
  // `act` (relu, relu6, ...) between the conv and its fix when not empty.
  xir::Op* Conv(const std::string& name, xir::Op* in, int oc, int k, int fo, bool depthwise = false,
                const std::string& act = "") {
    const int c = in->get_output_tensor()->get_shape().back();
    auto a = A();
    a->set_attr<std::vector<int>>("kernel", {k, k});
    a->set_attr<std::vector<int>>("stride", {1, 1});
    a->set_attr<std::vector<int>>("dilation", {1, 1});
    a->set_attr<std::vector<int>>("pad", {k / 2, k / 2, k / 2, k / 2});
    a->set_attr<std::string>("pad_mode", "FLOOR");
    const std::vector<int> wshape = depthwise ? std::vector<int>{1, k, k, c} : std::vector<int>{oc, k, k, c};
    xir::Op* w = Param(name + "_weights", wshape, 7, 60);
    xir::Op* b = Param(name + "_bias", {depthwise ? c : oc}, 5);
    xir::Op* conv = Op(name, depthwise ? "depthwise-conv2d" : "conv2d", std::move(a),
                       {{"input", {in}}, {"weights", {w}}, {"bias", {b}}});
    if (!act.empty()) conv = Op(name + "_" + act, act, A(), {{"input", {conv}}});
    return Fix(conv->get_name(), conv, fo);
  }
  // avgpool2d / hard-sigmoid "<name>_i0" -> mul(const "<name>_i1" = scale) "<name>" -> fix.
  xir::Op* Scaled(const std::string& name, xir::Op* first, float scale, int fo) {
    xir::Op* k = Raw(name + "_i1", {1}, {scale});
    return Fix(name, Op(name, "mul", A(), {{"input", {first, k}}}), fo);
  }
};

using Case = std::function<void(Builder&)>;

std::unique_ptr<xir::Attrs> PoolAttrs(int k, int s, int p, bool global) {
  auto a = Builder::A();
  a->set_attr<std::vector<int>>("kernel", {k, k});
  a->set_attr<std::vector<int>>("stride", {s, s});
  a->set_attr<std::vector<int>>("pad", {p, p, p, p});
  a->set_attr<std::string>("pad_mode", "FLOOR");
  a->set_attr<bool>("global", global);
  a->set_attr<bool>("count_include_pad", true);
  a->set_attr<bool>("count_include_invalid", true);
  return a;
}

std::vector<std::pair<std::string, Case>> Cases() {
  return {
      // add of two tensors at different fix points (conv 4, depthwise 3) + relu
      {"add2", [](Builder& b) {
         xir::Op* x = b.Input(5);
         xir::Op* c = b.Conv("conv", x, 4, 3, 4);
         xir::Op* d = b.Conv("dw", x, 4, 3, 3, true);
         xir::Op* s = b.Op("sum", "add", Builder::A(), {{"input", {c, d}}});
         b.Fix("sum_relu", b.Op("sum_relu", "relu", Builder::A(), {{"input", {s}}}), 3);
       }},
      // add with a per-channel const operand (through its fix)
      {"add_const", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 4);
         b.Fix("sum", b.Op("sum", "add", Builder::A(), {{"input", {c, b.Param("sum_other", {4}, 4)}}}), 3);
       }},
      // mul of two tensors (conv at 4, conv at 5) into 5
      {"mul2", [](Builder& b) {
         xir::Op* x = b.Input(5);
         xir::Op* c = b.Conv("conv", x, 4, 3, 4);
         xir::Op* d = b.Conv("conv1", x, 4, 1, 5);
         b.Fix("prod", b.Op("prod", "mul", Builder::A(), {{"input", {c, d}}}), 5);
       }},
      // mul by a const "<n>_other" of the input's shape (binary_op :265-272)
      {"mul_const", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 4);
         b.Fix("prod", b.Op("prod", "mul", Builder::A(), {{"input", {c, b.Param("prod_other", {1, 6, 6, 4}, 6)}}}), 4);
       }},
      // avgpool2d 3x3 (pad 1) with vai_q's mul 9 * 7/64
      {"avgpool", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 3);
         xir::Op* p = b.Op("pool_i0", "avgpool2d", PoolAttrs(3, 1, 1, false), {{"input", {c}}});
         b.Scaled("pool", p, 9.0f * 7.0f / 64.0f, 4);
       }},
      // a global average pool over 6x6 (mul 36 * 7/256)
      {"avgpool_global", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 3);
         xir::Op* p = b.Op("pool_i0", "avgpool2d", PoolAttrs(6, 6, 0, true), {{"input", {c}}});
         b.Scaled("pool", p, 36.0f * 7.0f / 256.0f, 5);
       }},
      // hard-sigmoid with vai_q's mul 6 * 2731/16384, output at 7
      {"hsigmoid", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 4);
         xir::Op* h = b.Op("hs_i0", "hard-sigmoid", Builder::A(), {{"input", {c}}});
         b.Scaled("hs", h, 6.0f * 2731.0f / 16384.0f, 7);
       }},
      // resize NEAREST x2 (scale attribute, resize :327-337)
      {"resize_nearest", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 4);
         auto a = Builder::A();
         a->set_attr<std::string>("mode", "NEAREST");
         a->set_attr<bool>("align_corners", false);
         a->set_attr<bool>("half_pixel_centers", false);
         a->set_attr<std::vector<float>>("scale", {2.0f, 2.0f});
         b.Fix("up", b.Op("up", "resize", std::move(a), {{"input", {c}}}), 3);
       }},
      // resize BILINEAR x2 with half-pixel centres, into a finer fix point
      {"resize_bilinear", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 3);
         auto a = Builder::A();
         a->set_attr<std::string>("mode", "BILINEAR");
         a->set_attr<bool>("align_corners", false);
         a->set_attr<bool>("half_pixel_centers", true);
         a->set_attr<std::vector<float>>("scale", {2.0f, 2.0f});
         b.Fix("up", b.Op("up", "resize", std::move(a), {{"input", {c}}}), 4);
       }},
      // pad CONSTANT 0 (H by 1/2, W by 2/1) at the input's fix point
      {"pad", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 4);
         auto a = Builder::A();
         a->set_attr<std::vector<int>>("paddings", {0, 0, 1, 2, 2, 1, 0, 0});
         a->set_attr<std::string>("mode", "CONSTANT");
         a->set_attr<std::vector<float>>("constant_values", {0, 0, 0, 0, 0, 0, 0, 0});
         b.Fix("padded", b.Op("padded", "pad", std::move(a), {{"input", {c}}}), 4);
       }},
      {"pad_symmetric", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 4, 3, 4);
         auto a = Builder::A();
         a->set_attr<std::vector<int>>("paddings", {0, 0, 2, 1, 1, 2, 0, 0});
         a->set_attr<std::string>("mode", "SYMMETRIC");
         b.Fix("padded", b.Op("padded", "pad", std::move(a), {{"input", {c}}}), 4);
       }},
      // channel concat of inputs at fix points 4 and 2 into 3
      {"concat_fix", [](Builder& b) {
         xir::Op* x = b.Input(5);
         xir::Op* c = b.Conv("conv", x, 4, 3, 4);
         xir::Op* d = b.Conv("conv1", x, 3, 1, 2);
         auto a = Builder::A();
         a->set_attr<int>("axis", 3);
         b.Fix("cat", b.Op("cat", "concat", std::move(a), {{"input", {c, d}}}), 3);
       }},
      // pixel-shuffle (DepthToSpace) 2: [6,6,8] -> [12,12,2]
      {"pixel_shuffle", [](Builder& b) {
         xir::Op* c = b.Conv("conv", b.Input(5), 8, 3, 4);
         auto a = Builder::A();
         a->set_attr<int>("scale", 2);
         a->set_attr<bool>("upscale", true);
         b.Fix("shuffle", b.Op("shuffle", "pixel-shuffle", std::move(a), {{"input", {c}}}), 4);
       }},
      // depthwise-conv2d 3x3 + relu6
      {"dwconv", [](Builder& b) {
         b.Conv("dw", b.Conv("conv", b.Input(5), 4, 1, 4), 4, 3, 3, true, "relu6");
       }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4) {
    std::fprintf(stderr, "usage: make_compile_graphs OUT_DIR SEED [CASE,CASE...]\n");
    return 2;
  }
  const std::string dir = argv[1];
  std::filesystem::create_directories(dir);
  const std::string only = argc == 4 ? "," + std::string(argv[3]) + "," : "";
  int failures = 0;
  for (const auto& [name, make] : Cases()) {
    if (!only.empty() && only.find("," + name + ",") == std::string::npos) continue;
    Builder b;
    b.rng.seed(static_cast<uint32_t>(std::strtoul(argv[2], nullptr, 10)) ^ std::hash<std::string>()(name));
    try {
      b.g = xir::Graph::create(name);
      make(b);
      b.g->serialize(dir + "/" + name + "_int.xmodel");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "make_compile_graphs: %s: %s\n", name.c_str(), e.what());
      ++failures;
      continue;
    }
    std::printf("%s\n", name.c_str());
  }
  return failures == 0 ? 0 : 1;
}
