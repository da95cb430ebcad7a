// Uses the installed headers and libraries: quantises a pixel row the way
// the runner does and runs a 1x1 conv through the FixGraph executor.
#include <cstdio>
#include <vector>

#include "signdpu/fixpoint/fixpoint.h"
#include "signdpu/io/preprocess.h"
#include "signdpu/kernels/fix_graph.h"

int main() {
  signdpu::io::PreprocessConfig c;
  c.height = 1;
  c.width = 2;
  c.fix_point = 7;
  std::vector<int8_t> q(2);
  if (!signdpu::io::PreprocessPixels({255, 128}, c, q.data()).ok()) return 1;
  signdpu::FixGraph g;
  g.tensors = {{"in", {1, 1, 1, 2}, 7}, {"out", {1, 1, 1, 1}, 5}};
  g.inputs = {0};
  g.outputs = {1};
  signdpu::FixOp op;
  op.kind = signdpu::FixOpKind::kConv2d;
  signdpu::ConvAttrs& op_attrs = op.attrs.emplace<signdpu::ConvAttrs>();
  op.name = "dense";
  op.inputs = {0};
  op.output = 1;
  op_attrs.out_channels = 1;
  op_attrs.fix_weights = 7;
  op_attrs.fix_bias = 7;
  op_attrs.weights = {64, 64};  // 0.5, 0.5
  op_attrs.bias = {0};
  g.ops = {op};
  auto ex = signdpu::FixGraphExecutor::Create(g, 1);
  if (!ex.ok()) return 2;
  int8_t out = 0;
  (*ex)->Run({q.data()}, {&out}, 1);
  // (127 + 64) * 64 = 12224; shift_cut 9: 12224 / 512 = 23.875 -> 24
  std::printf("q = %d %d, out = %d\n", q[0], q[1], out);
  return out == 24 ? 0 : 3;
}
