// MaxPool, AveragePool, GlobalAveragePool -> pool-fix.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerPool(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.kind != Value::Kind::kNchw) return Fail(n, "pooling input must be an NCHW image tensor");
  const Nhwc d = Dims(in.tensor);
  DpuFloatOp op;
  op.kind = FixOpKind::kPool;
  op.name = n.name;
  op.inputs = {in.tensor};
  PoolConfig& p = op.pool;
  p.input = d;
  if (n.type == OpType::kGlobalAveragePool) {
    p.type = PoolType::kAvg;
    p.kernel_h = static_cast<int>(d.h);
    p.kernel_w = static_cast<int>(d.w);
    p.stride_h = p.stride_w = 1;
  } else {
    p.type = n.type == OpType::kMaxPool ? PoolType::kMax : PoolType::kAvg;
    const auto k = n.attrs.GetInts("kernel_shape");
    const auto s = n.attrs.GetInts("strides", {1, 1});
    const auto pads = n.attrs.GetInts("pads", {0, 0, 0, 0});
    const auto dil = n.attrs.GetInts("dilations", {1, 1});
    if (k.size() != 2 || s.size() != 2 || pads.size() != 4) return Fail(n, "only 2-D pooling is supported");
    if (dil != std::vector<int64_t>{1, 1}) return Fail(n, "dilated pooling is not supported by pool-fix");
    SetWindow(&p, k[0], k[1], s, pads);
    const bool padded = pads != std::vector<int64_t>{0, 0, 0, 0};
    if (p.type == PoolType::kAvg && padded && n.attrs.GetInt("count_include_pad", 0) == 0)
      return Fail(n, "AveragePool with padding and count_include_pad=0 is not supported: the DPU divides by the full window");
  }
  auto pr = MakePoolParams(p, n.name);
  if (!pr.ok()) return Fail(n, pr.status().message());
  if (p.type == PoolType::kAvg) {
    int64_t mult;
    int shift;
    AvgPoolFactor(p.kernel_h, p.kernel_w, &mult, &shift);
    op.transform_note = "average factor " + std::to_string(mult) + "/2^" + std::to_string(shift);
  }
  Produce(n, std::move(op), pr->output.ToShape(), Value::Kind::kNchw);
  return Status::Ok();
}
}  // namespace signdpu::quantize::lowering
