// Mul -> eltwise-fix MUL; the shared rules of Add and Mul with a constant
// operand (eltwise-fix with a const-fix operand) or of two activations.
//
// A constant operand becomes a ConstOperand of the op's EltwiseAttrs (shape
// in NHWC, its float values in DpuFloatOp::weights in that order; the
// quantiser fills its bytes and fix point). The constant must broadcast INTO
// the activation (numpy rules, right-aligned to the activation's rank 4):
// scalar, per-channel [C,1,1] / [1,C,1,1], a spatial map [H,W] / [1,1,H,W],
// or the full [1,C,H,W]. A broadcast that would enlarge the activation, a
// batch dim other than 1 or a flattened activation is refused with the node
// named. [source: kernels/reference/eltwise_fix.h: const operands broadcast
// against the output]
#include "lowering.h"

namespace signdpu::quantize::lowering {

bool Lowering::IsPerChannel(const graph::Tensor& t, int64_t c, Value::Kind kind) {
  if (t.data.size() == 1) return true;
  Shape s = t.shape;
  while (!s.empty() && s.front() == 1) s.erase(s.begin());  // leading 1s do not change broadcasting
  if (kind == Value::Kind::kNchw) return s == Shape{c, 1, 1};
  return s == Shape{c};
}

namespace {

// The constant's ONNX shape right-aligned to the activation's rank-4 dims
// `act` (NCHW or NHWC order as `nchw`), then its NHWC shape; empty + `why`
// when it does not broadcast into the activation.
Shape ConstNhwcShape(const Shape& onnx, const Shape& act, bool nchw, std::string* why) {
  if (onnx.size() > 4) {
    *why = "constant " + ShapeToString(onnx) + " has rank > 4";
    return {};
  }
  Shape s(4 - onnx.size(), 1);
  s.insert(s.end(), onnx.begin(), onnx.end());
  for (size_t d = 0; d < 4; ++d) {
    if (s[d] != 1 && s[d] != act[d]) {
      *why = "constant " + ShapeToString(onnx) + " does not broadcast into the activation " + ShapeToString(act) +
             " (supported: scalar, per-channel, spatial or full-shape constants no larger than the activation)";
      return {};
    }
  }
  return nchw ? Shape{s[0], s[2], s[3], s[1]} : s;
}

// `data` of NCHW shape `s` (rank 4) in NHWC order.
std::vector<float> ToNhwcOrder(const std::vector<float>& data, const Shape& s) {
  std::vector<float> out(data.size());
  const int64_t c_count = s[1], h_count = s[2], w_count = s[3];
  for (int64_t c = 0; c < c_count; ++c)
    for (int64_t h = 0; h < h_count; ++h)
      for (int64_t w = 0; w < w_count; ++w)
        out[static_cast<size_t>((h * w_count + w) * c_count + c)] =
            data[static_cast<size_t>((c * h_count + h) * w_count + w)];
  return out;
}

}  // namespace

Status Lowering::LowerEltwiseConst(const Node& n, EltwiseType type) {
  const graph::Tensor* c0 = g_.FindConstant(n.inputs[0]);
  const graph::Tensor* c1 = g_.FindConstant(n.inputs[1]);
  if (c0 && c1) return Fail(n, "both operands are constants (fold them before export)");
  const size_t act_idx = c0 ? 1 : 0;
  const graph::Tensor& k = c0 ? *c0 : *c1;
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, act_idx));
  if (in.kind != Value::Kind::kNchw && in.kind != Value::Kind::kNhwc)
    return Fail(n, "a constant operand on a flattened tensor is not supported by the lowering");
  if (k.dtype != graph::DataType::kFloat32) return Fail(n, "constant '" + k.name + "' is not float32");
  const Nhwc d = Dims(in.tensor);
  const bool nchw = in.kind == Value::Kind::kNchw;
  const Shape act = nchw ? Shape{1, d.c, d.h, d.w} : Shape{1, d.h, d.w, d.c};
  std::string why;
  const Shape shape = ConstNhwcShape(k.shape, act, nchw, &why);
  if (shape.empty()) return Fail(n, why);
  DpuFloatOp op;
  op.kind = FixOpKind::kEltwiseAdd;
  op.name = n.name;
  op.inputs = {in.tensor};
  Shape onnx4(4 - k.shape.size(), 1);
  onnx4.insert(onnx4.end(), k.shape.begin(), k.shape.end());
  op.weights = nchw ? ToNhwcOrder(k.data, onnx4) : k.data;
  EltwiseAttrs& a = op.attrs.emplace<EltwiseAttrs>();
  a.type = type;
  ConstOperand c;
  // Last, whatever the ONNX order (ADD and MUL commute): XIR infers an
  // eltwise's shape from its first input, so a smaller const first would
  // give the op the const's shape (XIR 2.5, checked: the writers' shape check
  // refuses it).
  c.position = 1;
  c.name = n.name + "_other";  // vai_q_pytorch xop_creator.py:271 (binary_op)
  c.shape = shape;
  a.consts.push_back(std::move(c));
  op.transform_note = std::string(EltwiseTypeName(type)) + " of constant '" + k.name + "' " + ShapeToString(k.shape) +
                      " as const-fix " + ShapeToString(shape);
  Produce(n, std::move(op), {1, d.h, d.w, d.c}, in.kind);
  return Status::Ok();
}

Status Lowering::LowerEltwiseTensors(const Node& n, EltwiseType type) {
  SIGNDPU_ASSIGN_OR_RETURN(Value a, Get(n, 0));
  SIGNDPU_ASSIGN_OR_RETURN(Value b, Get(n, 1));
  if (out_.tensors[a.tensor].shape != out_.tensors[b.tensor].shape || a.kind != b.kind)
    return Fail(n, std::string(n.onnx_type) + " inputs must have the same shape and layout (no broadcasting of two "
                   "activations on the DPU)");
  DpuFloatOp op;
  op.kind = FixOpKind::kEltwiseAdd;
  op.name = n.name;
  op.inputs = {a.tensor, b.tensor};
  op.attrs.emplace<EltwiseAttrs>().type = type;
  Produce(n, std::move(op), out_.tensors[a.tensor].shape, a.kind);
  return Status::Ok();
}

Status Lowering::LowerMul(const Node& n) {
  if (n.inputs.size() != 2) return Fail(n, "Mul needs 2 inputs");
  if (g_.FindConstant(n.inputs[0]) || g_.FindConstant(n.inputs[1])) return LowerEltwiseConst(n, EltwiseType::kMul);
  return LowerEltwiseTensors(n, EltwiseType::kMul);
}

}  // namespace signdpu::quantize::lowering
