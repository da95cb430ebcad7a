// Flatten / Reshape to [N, K] (a relabelling) and Gemm / MatMul -> a conv2d-fix whose
// kernel covers its input.
#include "lowering.h"

namespace signdpu::quantize::lowering {

Status Lowering::LowerFlatten(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  const Nhwc d = Dims(in.tensor);
  if (n.type == OpType::kFlatten && n.attrs.GetInt("axis", 1) != 1) return Fail(n, "Flatten axis must be 1");
  if (n.type == OpType::kReshape) {
    auto shape = g_.ShapeOf(n.outputs[0], 1);
    if (!shape.ok()) return shape.status();
    if (shape->size() != 2 || (*shape)[1] != d.size())
      return Fail(n, "only a Reshape to [N, " + std::to_string(d.size()) + "] (a flatten) is supported, got " +
                         ShapeToString(*shape));
  }
  Value v = in;
  if (in.kind == Value::Kind::kNchw) v.kind = Value::Kind::kFlatNchw;
  else if (in.kind == Value::Kind::kNhwc) v.kind = Value::Kind::kFlatNhwc;
  values_[n.outputs[0]] = v;  // no data movement: the dense conv reads the HWC tensor
  return Status::Ok();
}

Status Lowering::LowerDense(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  const Nhwc d = Dims(in.tensor);
  const bool flat_ok = in.kind == Value::Kind::kFlatNchw || in.kind == Value::Kind::kFlatNhwc ||
                       (d.h == 1 && d.w == 1);
  if (!flat_ok) return Fail(n, "dense layer input must be flattened first (Flatten or Reshape)");
  SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> b, Const(n, 1, "weights"));
  const graph::Tensor* bt = g_.FindConstant(n.inputs[1]);
  if (bt->shape.size() != 2) return Fail(n, "weights must be 2-D");
  const int64_t k = d.size();
  bool trans_b = false;
  float alpha = 1.0f, beta = 1.0f;
  if (n.type == OpType::kGemm) {
    if (n.attrs.GetInt("transA", 0) != 0) return Fail(n, "Gemm transA=1 is not supported");
    trans_b = n.attrs.GetInt("transB", 0) != 0;
    alpha = n.attrs.GetFloat("alpha", 1.0f);
    beta = n.attrs.GetFloat("beta", 1.0f);
  }
  const int64_t rows = trans_b ? bt->shape[1] : bt->shape[0];
  const int64_t o_count = trans_b ? bt->shape[0] : bt->shape[1];
  if (rows != k) return Fail(n, "weights expect " + std::to_string(rows) + " inputs, the input has " + std::to_string(k));
  DpuFloatOp op;
  op.kind = FixOpKind::kConv2d;
  op.name = n.name;
  op.inputs = {in.tensor};
  op.conv.input = d;
  op.conv.out_channels = o_count;
  op.conv.kernel_h = static_cast<int>(d.h);
  op.conv.kernel_w = static_cast<int>(d.w);
  op.weights.resize(static_cast<size_t>(o_count * k));
  const bool nchw_order = in.kind == Value::Kind::kFlatNchw;
  for (int64_t o = 0; o < o_count; ++o)
    for (int64_t y = 0; y < d.h; ++y)
      for (int64_t x = 0; x < d.w; ++x)
        for (int64_t c = 0; c < d.c; ++c) {
          const int64_t src_k = nchw_order ? (c * d.h + y) * d.w + x : (y * d.w + x) * d.c + c;
          const float wv = trans_b ? b[o * k + src_k] : b[src_k * o_count + o];
          op.weights[((o * d.h + y) * d.w + x) * d.c + c] = alpha * wv;
        }
  op.bias.assign(static_cast<size_t>(o_count), 0.0f);
  if (n.type == OpType::kGemm && n.inputs.size() > 2 && !n.inputs[2].empty()) {
    SIGNDPU_ASSIGN_OR_RETURN(std::vector<float> c, Const(n, 2, "bias C"));
    if (c.size() == 1) for (auto& v : op.bias) v = beta * c[0];
    else if (static_cast<int64_t>(c.size()) == o_count) for (int64_t o = 0; o < o_count; ++o) op.bias[o] = beta * c[o];
    else return Fail(n, "bias C must have 1 or " + std::to_string(o_count) + " values");
  }
  op.transform_note = std::string(graph::OpTypeName(n.type)) + " -> conv2d-fix " + std::to_string(d.h) + "x" +
                      std::to_string(d.w) + " kernel over " + std::to_string(d.c) + " channels" +
                      (d.h * d.w > 1 ? (nchw_order ? " (NCHW flatten order permuted to NHWC)" : " (NHWC flatten order)") : "");
  Produce(n, std::move(op), {1, 1, 1, o_count}, Value::Kind::kFlatNhwc);
  return Status::Ok();
}
}  // namespace signdpu::quantize::lowering
