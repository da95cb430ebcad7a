// The int8 op registry (signdpu/ir/op_registry.h): every FixOpKind has one
// registration, named by its XIR op type, and the loops over it (Validate,
// the executor) refuse an op nobody registered instead of crashing.
#include "signdpu/ir/op_registry.h"

#include <gtest/gtest.h>

#include <set>

#include "signdpu/xmodel/xir_names.h"

namespace signdpu {
namespace {

namespace names = xmodel::names;

TEST(OpRegistry, EveryKindHasExactlyOneRegistrationNamedByItsXirType) {
  const std::pair<FixOpKind, const char*> expected[] = {
      {FixOpKind::kConv2d, names::kConv2dFix},     {FixOpKind::kDepthwiseConv2d, names::kDepthwiseConv2dFix},
      {FixOpKind::kPool, names::kPoolFix},         {FixOpKind::kEltwiseAdd, names::kEltwiseFix},
      {FixOpKind::kCopy, names::kReshapeFix},      {FixOpKind::kHardSigmoid, names::kHardSigmoidFix},
      {FixOpKind::kConcat, names::kConcatFix},     {FixOpKind::kDepthwiseFix, names::kDepthwiseFix},
      {FixOpKind::kUpsample, names::kUpsampleFix}, {FixOpKind::kDownsample, names::kDownsampleFix},
      {FixOpKind::kPad, names::kPadFix},           {FixOpKind::kReorg, names::kReorgFix},
      {FixOpKind::kTile, names::kTileFix},         {FixOpKind::kPixelShuffle, names::kPixelShuffleFix},
      {FixOpKind::kTransposedConv2d, names::kTransposedConv2dFix},
      {FixOpKind::kTransposedDepthwiseConv2d, names::kTransposedDepthwiseConv2dFix},
      {FixOpKind::kGroupedConv2d, names::kGroupedConv2dFix},
  };
  EXPECT_EQ(ir::AllFixOpDefs().size(), std::size(expected));
  std::set<FixOpKind> seen;
  for (const ir::FixOpDef* def : ir::AllFixOpDefs()) {
    ASSERT_NE(def, nullptr);
    EXPECT_TRUE(seen.insert(def->kind).second) << def->name << " registered twice";
    EXPECT_NE(def->validate, nullptr) << def->name;
    EXPECT_NE(def->prepare, nullptr) << def->name;
  }
  for (const auto& [kind, name] : expected) {
    const ir::FixOpDef* def = ir::FindFixOpDef(kind);
    ASSERT_NE(def, nullptr) << name;
    EXPECT_STREQ(def->name, name);
    EXPECT_STREQ(FixOpKindName(kind), name);
  }
}

TEST(OpRegistry, AnUnregisteredKindIsAnErrorNamingTheOpNotACrash) {
  const auto bogus = static_cast<FixOpKind>(99);
  EXPECT_EQ(ir::FindFixOpDef(bogus), nullptr);
  EXPECT_STREQ(FixOpKindName(bogus), "?");
  FixGraph g;
  g.name = "g";
  g.tensors = {{"in", {1, 4}, 0}, {"out", {1, 4}, 0}};
  g.inputs = {0};
  g.outputs = {1};
  FixOp op;
  op.kind = bogus;
  op.name = "mystery";
  op.inputs = {0};
  op.output = 1;
  g.ops = {op};
  const Status s = g.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("mystery"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not registered"), std::string::npos) << s.message();
  EXPECT_FALSE(FixGraphExecutor::Create(g, 1, KernelPath::kReference).ok());
}

TEST(OpRegistry, AttributesOfAnotherKindAreAnErrorNamingTheOp) {
  FixGraph g;
  g.name = "g";
  g.tensors = {{"in", {1, 2, 2, 4}, 0}, {"out", {1, 1, 1, 4}, 0}};
  g.inputs = {0};
  g.outputs = {1};
  g.ops = {MakeFixOp(FixOpKind::kPool, "pool", {0}, 1, EltwiseAttrs{})};
  const Status s = g.Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("pool (pool-fix): attributes are alternative"), std::string::npos) << s.message();
  EXPECT_FALSE(FixGraphExecutor::Create(g, 1, KernelPath::kReference).ok());
  g.ops[0].attrs = PoolAttrs{};  // the default 2x2 MAX window
  EXPECT_TRUE(g.Validate().ok()) << g.Validate().message();
  EXPECT_EQ(g.ops[0].AttrsIf<ConvAttrs>(), nullptr);
  EXPECT_EQ(g.ops[0].Attrs<PoolAttrs>().kernel_h, 2);
  EXPECT_EQ(PoolConfigOf(g, g.ops[0], 3).input.n, 3);
}

}  // namespace
}  // namespace signdpu
