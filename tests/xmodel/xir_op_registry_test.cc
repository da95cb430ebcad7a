// The XIR half of the op registry (src/xmodel/ops/xir_op_io.h): every
// FixOpKind the ir module registers has one XIR read/write registration,
// every XIR type maps back to the kind it is read as, and the host writer
// writes the first of its types.
#include "ops/xir_op_io.h"

#include <gtest/gtest.h>

#include <set>

#include "signdpu/ir/op_registry.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::xmodel::internal {
namespace {

TEST(XirOpRegistry, EveryIrOpHasOneXirRegistrationWithReaderAndWriters) {
  std::set<FixOpKind> seen;
  for (const XirOpIo* io : AllXirOpIos()) {
    ASSERT_NE(io, nullptr);
    EXPECT_TRUE(seen.insert(io->kind).second) << FixOpKindName(io->kind) << " registered twice";
    ASSERT_FALSE(io->types.empty());
    EXPECT_EQ(io->types.front(), FixOpKindName(io->kind)) << "the host writer writes the kind's own type";
    EXPECT_NE(io->read, nullptr);
    EXPECT_NE(io->write_host, nullptr);
    EXPECT_NE(io->write_quantizer, nullptr);
  }
  for (const ir::FixOpDef* def : ir::AllFixOpDefs()) {
    if (def->kind == FixOpKind::kGroupedConv2d) {
      // No XIR op: the writers write it as conv2d-fix per group + concat-fix
      // (ir::SplitGroupedConvs) and the reader joins those back
      // (ReadDpuSubgraph.WeightGroupsReadBackAsOneGroupedConv).
      EXPECT_EQ(FindXirOpIo(def->kind), nullptr);
      EXPECT_EQ(FindXirOpIoByType(def->name), nullptr);
      continue;
    }
    const XirOpIo* io = FindXirOpIo(def->kind);
    ASSERT_NE(io, nullptr) << def->name;
    EXPECT_EQ(FindXirOpIoByType(def->name), io) << def->name;
  }
}

TEST(XirOpRegistry, CompiledTypesMapToTheirKindsAndUnknownTypesToNothing) {
  const std::pair<const char*, FixOpKind> cases[] = {
      {names::kConv2dFix, FixOpKind::kConv2d},     {names::kDepthwiseConv2dFix, FixOpKind::kDepthwiseConv2d},
      {names::kPoolFix, FixOpKind::kPool},         {names::kEltwiseFix, FixOpKind::kEltwiseAdd},
      {names::kReshapeFix, FixOpKind::kCopy},      {names::kUpload, FixOpKind::kCopy},
      {names::kDownload, FixOpKind::kCopy},        {names::kHardSigmoidFix, FixOpKind::kHardSigmoid},
      {names::kConcatFix, FixOpKind::kConcat},
      {names::kTransposedConv2dFix, FixOpKind::kTransposedConv2d},
      {names::kTransposedDepthwiseConv2dFix, FixOpKind::kTransposedDepthwiseConv2d},
  };
  for (const auto& [type, kind] : cases) {
    const XirOpIo* io = FindXirOpIoByType(type);
    ASSERT_NE(io, nullptr) << type;
    EXPECT_EQ(io->kind, kind) << type;
  }
  EXPECT_EQ(FindXirOpIoByType(names::kConstFix), nullptr);  // read by the op that uses it
  EXPECT_EQ(FindXirOpIoByType(names::kDataFix), nullptr);   // a subgraph input
  EXPECT_EQ(FindXirOpIoByType("transposed-conv3d-fix"), nullptr);
  EXPECT_EQ(FindXirOpIo(static_cast<FixOpKind>(99)), nullptr);
}

}  // namespace
}  // namespace signdpu::xmodel::internal
