// The grouped conv op (FixOpKind::kGroupedConv2d, src/ir/ops/grouped_conv2d_fix.cc)
// against what the xmodel writers make of it, one conv2d-fix per group + a
// concat-fix run on the reference path: bit for bit on every kernel path,
// output and every group's own tensor, over random shapes, activations and
// per-group weight/bias fix points; and Validate's checks of the groups.
#include <gtest/gtest.h>

#include <random>

#include "fix_ops.h"
#include "optimized_harness.h"
#include "signdpu/ir/grouped_conv.h"
#include "signdpu/kernels/fix_graph.h"

namespace signdpu {
namespace {

constexpr int kGroups = 3;

struct GroupedCase {
  FixGraph split;    // in -> 3 conv2d-fix -> concat-fix -> out (as written)
  FixGraph grouped;  // in -> one grouped conv -> out
  int batch = 1;
  std::string text;  // the case, for failure messages
};

// A random case; false when the drawn geometry or shifts are not a valid conv.
bool RandomGroupedCase(std::mt19937& rng, uint32_t seed, GroupedCase* k) {
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const int h = uni(1, 12), w = uni(1, 12), ic = uni(1, 40), kh = uni(1, 5), kw = uni(1, 5);
  const int stride = uni(1, 2), pad = uni(0, 2), fi = uni(-2, 8), fo = uni(-2, 8);
  const Activation act = static_cast<Activation>(uni(0, 3));
  const int oh = (h + 2 * pad - kh) / stride + 1, ow = (w + 2 * pad - kw) / stride + 1;
  if (h + 2 * pad < kh || w + 2 * pad < kw) return false;
  FixGraph& g = k->split;
  g = FixGraph{};
  g.name = "split";
  g.tensors.push_back({"in", {1, h, w, ic}, fi});
  g.tensors.push_back({"out", {1, oh, ow, 0}, fo});
  g.inputs = {0};
  g.outputs = {1};
  GroupedConvAttrs attrs;
  std::vector<int> parts;
  int64_t total = 0;
  k->text = "in " + std::to_string(h) + "x" + std::to_string(w) + "x" + std::to_string(ic) + " k " +
            std::to_string(kh) + "x" + std::to_string(kw) + " s " + std::to_string(stride) + " pad " +
            std::to_string(pad) + " " + ActivationName(act) + " fi " + std::to_string(fi) + " fo " + std::to_string(fo);
  for (int gi = 0; gi < kGroups; ++gi) {
    const int oc = uni(1, 20), shift_cut = uni(0, 16);
    const int lo = act == Activation::kLeakyRelu ? 0 : std::min(0, shift_cut - 16);
    const int fw = fo - fi + shift_cut, fb = fi + fw - uni(lo, 16);
    const std::string name = "g" + std::to_string(gi);
    FixOp conv = testing::ConvOp(name, 0, static_cast<int>(g.tensors.size()), oc, ic, 1, pad, fw, fb, act,
                                 seed * 8 + static_cast<uint32_t>(gi), uni(0, 4) > 0);
    ConvAttrs& c = conv.Attrs<ConvAttrs>();
    c.kernel_h = kh;
    c.kernel_w = kw;
    c.stride_h = c.stride_w = stride;
    c.weights = testing::RandomInt8(static_cast<size_t>(oc * kh * kw * ic), seed * 8 + static_cast<uint32_t>(gi));
    g.tensors.push_back({name, {1, oh, ow, oc}, fo});
    parts.push_back(conv.output);
    attrs.groups.push_back({name, conv.output, c});
    g.ops.push_back(std::move(conv));
    total += oc;
    k->text += "; " + name + ": " + std::to_string(oc) + " ch fw " + std::to_string(fw) + " fb " + std::to_string(fb);
  }
  g.tensors[1].shape[3] = total;
  g.ops.push_back(testing::ConcatOp("grouped", parts, 1, 3));
  k->grouped = g;
  k->grouped.name = "grouped";
  k->grouped.ops = {MakeFixOp(FixOpKind::kGroupedConv2d, "grouped", {0}, 1, std::move(attrs))};
  k->batch = uni(1, 4);
  return g.Validate().ok();
}

void RunAll(FixGraphExecutor& ex, const std::vector<int8_t>& in, int8_t* out) { ex.Run({in.data()}, {out}, ex.batch()); }

TEST(GroupedConv2dFix, EqualsTheConvsPerGroupAndTheConcatOnEveryPath) {
  std::mt19937 rng(20261201);
  int cases = 0, fused = 0, failures = 0;
  for (uint32_t i = 0; i < 400 && failures < 5; ++i) {
    GroupedCase k;
    if (!RandomGroupedCase(rng, 7000 + i, &k)) continue;
    ++cases;
    ASSERT_TRUE(k.grouped.Validate().ok()) << k.grouped.Validate().message() << "; " << k.text;
    const std::vector<int8_t> in =
        testing::RandomInt8(static_cast<size_t>(k.split.tensors[0].per_image_size() * k.batch), 900 + i);
    auto ref = FixGraphExecutor::Create(k.split, k.batch, KernelPath::kReference);
    ASSERT_TRUE(ref.ok()) << ref.status().message();
    std::vector<int8_t> want(static_cast<size_t>(k.split.tensors[1].per_image_size() * k.batch));
    RunAll(**ref, in, want.data());
    for (KernelPath path : AvailableKernelPaths()) {
      auto ex = FixGraphExecutor::Create(k.grouped, k.batch, path);
      ASSERT_TRUE(ex.ok()) << ex.status().message();
      if (path == KernelPath::kReference) {
        EXPECT_EQ((*ex)->fused_concats(), 0);
      }
      fused += (*ex)->fused_concats();
      const auto describe = [&] { return std::string(KernelPathName(path)) + " batch " + std::to_string(k.batch) + " " + k.text; };
      const Shape& os = k.split.tensors[1].shape;
      if (!testing::ExpectSameAsReference(
              want, 64, [&](int8_t* out) { RunAll(**ex, in, out); }, describe,
              [&](int64_t e) { return testing::NhwcPosition(e, os[1], os[2], os[3]); })) {
        ++failures;
        continue;
      }
      // Every group's own tensor (the written conv2d-fix outputs) too.
      for (int id = 2; id < 2 + kGroups; ++id) {
        const int64_t n = k.split.tensors[id].per_image_size() * k.batch;
        const std::vector<int8_t> a((*ex)->TensorData(id), (*ex)->TensorData(id) + n);
        const std::vector<int8_t> b((*ref)->TensorData(id), (*ref)->TensorData(id) + n);
        if (a != b) {
          ADD_FAILURE() << "group tensor " << k.split.tensors[id].name << " differs; " << describe();
          ++failures;
        }
      }
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_GT(cases, 200) << "valid random cases";
  if (AvailableKernelPaths().size() > 1) {
    EXPECT_GT(fused, cases / 2) << "grouped kernels prepared";
  }
}

// The written form and back: split then joined is the same op.
TEST(GroupedConv2dFix, SplitThenGroupGivesTheSameGraph) {
  std::mt19937 rng(5);
  GroupedCase k;
  while (!RandomGroupedCase(rng, 11, &k)) {
  }
  const FixGraph split = ir::SplitGroupedConvs(k.grouped);
  ASSERT_EQ(split.ops.size(), static_cast<size_t>(kGroups + 1));
  for (int gi = 0; gi < kGroups; ++gi) {
    EXPECT_EQ(split.ops[gi].kind, FixOpKind::kConv2d);
    EXPECT_EQ(split.ops[gi].name, k.split.ops[gi].name);
    EXPECT_EQ(split.ops[gi].output, k.split.ops[gi].output);
    EXPECT_EQ(split.ops[gi].Attrs<ConvAttrs>().weights, k.split.ops[gi].Attrs<ConvAttrs>().weights);
  }
  EXPECT_EQ(split.ops[kGroups].kind, FixOpKind::kConcat);
  EXPECT_EQ(split.ops[kGroups].inputs, k.split.ops[kGroups].inputs);
  FixGraph back = split;
  ASSERT_EQ(ir::GroupWeightConvs(&back), 1);
  ASSERT_EQ(back.ops.size(), 1u);
  const GroupedConvAttrs& a = back.ops[0].Attrs<GroupedConvAttrs>();
  ASSERT_EQ(a.groups.size(), static_cast<size_t>(kGroups));
  for (int gi = 0; gi < kGroups; ++gi) {
    EXPECT_EQ(a.groups[gi].name, "g" + std::to_string(gi));
    EXPECT_EQ(a.groups[gi].tensor, 2 + gi);
    EXPECT_EQ(a.groups[gi].conv.fix_weights, k.split.ops[gi].Attrs<ConvAttrs>().fix_weights);
  }
}

std::string ValidateMessage(const FixGraph& g) {
  const Status s = g.Validate();
  return s.ok() ? "" : s.message();
}

TEST(GroupedConv2dFix, ValidateChecksTheGroups) {
  std::mt19937 rng(9);
  GroupedCase k;
  while (!RandomGroupedCase(rng, 3, &k)) {
  }
  ASSERT_EQ(ValidateMessage(k.grouped), "");
  auto groups = [](FixGraph& g) -> std::vector<ConvGroup>& { return g.ops[0].Attrs<GroupedConvAttrs>().groups; };
  {  // the groups must cover the output channels
    FixGraph g = k.grouped;
    groups(g).pop_back();
    EXPECT_NE(ValidateMessage(g).find("groups produce"), std::string::npos) << ValidateMessage(g);
  }
  {  // a group's channels and its tensor must agree
    FixGraph g = k.grouped;
    groups(g)[1].conv.out_channels += 1;
    EXPECT_NE(ValidateMessage(g), "");
  }
  {  // one group is not a grouped conv
    FixGraph g = k.grouped;
    groups(g).resize(1);
    EXPECT_NE(ValidateMessage(g).find("expected >= 2"), std::string::npos) << ValidateMessage(g);
  }
  {  // a tensor id out of range is an error, not a crash
    FixGraph g = k.grouped;
    groups(g)[2].tensor = 1 << 30;
    EXPECT_NE(ValidateMessage(g).find("out of range"), std::string::npos) << ValidateMessage(g);
  }
  {  // a group tensor at another fix point than the output
    FixGraph g = k.grouped;
    g.tensors[static_cast<size_t>(groups(g)[0].tensor)].fix_point += 1;
    EXPECT_NE(ValidateMessage(g).find("fix_point"), std::string::npos) << ValidateMessage(g);
  }
  {  // a group tensor is the op's own: nobody else reads it
    FixGraph g = k.grouped;
    g.outputs.push_back(groups(g)[0].tensor);
    EXPECT_NE(ValidateMessage(g), "");
  }
  {  // the groups share their geometry
    FixGraph g = k.grouped;
    groups(g)[1].conv.activation =
        groups(g)[1].conv.activation == Activation::kRelu ? Activation::kNone : Activation::kRelu;
    EXPECT_NE(ValidateMessage(g).find("another kernel"), std::string::npos) << ValidateMessage(g);
  }
}

}  // namespace
}  // namespace signdpu
