// Lowering rules for the element-wise and layout ops of a quantiser-format
// graph, spelled as vai_q_pytorch 2.5 writes them (nndct_shared/compile/
// xop_creator.py; docs/compile.md "Lowering", docs/arithmetic.md section 11):
// add / mul (tensors, or a const through a fix) -> eltwise-fix, avgpool2d and
// hard-sigmoid with their correction mul -> pool-fix AVG / hard-sigmoid-fix,
// pad -> pad-fix, resize / upsample -> upsample-fix, pixel-shuffle ->
// pixel-shuffle-fix. Fix points come from the tensors (input fix ops, the
// output's fix); shifts are the -fix ops' own (arithmetic.md sections 6-7h).
#include <cmath>
#include <cstring>

#include "plan.h"
#include "signdpu/kernels/reference/pool_fix.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::compile::internal {

namespace names = xmodel::names;
using xmodel::GetAttr;
using xmodel::GetAttrOr;

namespace {

// The float value of a scalar const (or of the const behind a fix).
Result<float> ScalarOf(const xir::Op* op) {
  const xir::Op* c = op->get_type() == names::kFix ? InputOps(op, names::kArgInput)[0] : op;
  SIGNDPU_ASSIGN_OR_RETURN(auto data, GetAttr<std::vector<char>>(c, names::kData_, Where(c)));
  if (c->get_output_tensor()->get_data_type().type != xir::DataType::FLOAT || data.size() != 4)
    return Unsupported(Where(c) + ": expected one float32 value");
  float v;
  std::memcpy(&v, data.data(), 4);
  return v;
}

// The correction mul's const must be the factor the DPU applies: the mul is
// dropped and the -fix op computes the DPU's own arithmetic.
Status CheckCorrection(const xir::Op* op, double expected, const std::string& what) {
  const xir::Op* mul = CorrectionMulOf(op);
  if (mul == nullptr) return Status::Ok();
  const auto args = InputOps(mul, names::kArgInput);
  SIGNDPU_ASSIGN_OR_RETURN(float v, ScalarOf(args[0] == op ? args[1] : args[0]));
  if (std::fabs(v - expected) > 1e-6 * expected)
    return Unsupported(Where(mul) + ": scale " + std::to_string(v) + " after " + op->get_name() + " is not " + what +
                       " = " + std::to_string(expected) + ", the factor the DPU applies");
  return Status::Ok();
}

int OutputFixPoint(const FixGraph& g, int out) { return g.tensors[static_cast<size_t>(out)].fix_point; }

}  // namespace

// add / mul: vai_q_pytorch writes ADD (to_xir("add") :663-664) and MULTIPLY
// (binary_op :265-279: a scalar operand becomes a const "<n>_other") with
// fixes on their inputs; a const operand is an eltwise-fix const-fix operand.
Status LowerEltwise(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, CompiledModel* m,
                    FixGraph* g) {
  EltwiseAttrs a;
  a.type = op->get_type() == names::kMul ? EltwiseType::kMul : EltwiseType::kAdd;
  a.activation = info.activation;
  const auto args = InputOps(op, names::kArgInput);
  for (size_t i = 0; i < args.size(); ++i) {
    if (!IsConstValue(args[i])) continue;
    if (args[i]->get_type() != names::kFix)
      return Unsupported(Where(op) + ": const operand " + args[i]->get_name() + " has no fix (no fix point)");
    ConstOperand c;
    c.position = static_cast<int>(i);
    c.name = args[i]->get_name();
    const auto shape = args[i]->get_output_tensor()->get_shape();
    c.shape = Shape(shape.begin(), shape.end());
    SIGNDPU_ASSIGN_OR_RETURN(c.data, QuantizeConst(args[i], &c.fix_point, m));
    a.consts.push_back(std::move(c));
  }
  g->ops.push_back(MakeFixOp(FixOpKind::kEltwiseAdd, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

// avgpool2d's correction mul (xop_creator.py avgpool :408-453) must be
// kh*kw*N/2^M: pool-fix AVG multiplies the window sum by N/2^M, which is what
// the mul makes of the float op (docs/arithmetic.md 6.2) [source].
Status CheckAvgPoolCorrection(const xir::Op* op, int kernel_h, int kernel_w) {
  int64_t n = 1;
  int shift = 0;
  AvgPoolFactor(kernel_h, kernel_w, &n, &shift);
  return CheckCorrection(op, kernel_h * kernel_w * static_cast<double>(n) / std::ldexp(1.0, shift), "kh*kw*N/2^M");
}

// hard-sigmoid (+ its correction mul 6*2731/2^14, xop_creator.py hsigmoid
// :553-571) -> hard-sigmoid-fix with hsigmoid_in = fi and shift_hsigmoid =
// 14 + fi - fo (docs/arithmetic.md 7b) [checked on Xilinx's compiled MNIST].
Status LowerHardSigmoid(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g) {
  SIGNDPU_RETURN_IF_ERROR(CheckCorrection(op, 6.0 * 2731.0 / 16384.0, "6*2731/2^14"));
  HardSigmoidAttrs a;
  a.hsigmoid_in = g->tensors[static_cast<size_t>(ins[0])].fix_point;
  a.shift_hsigmoid = 14 + a.hsigmoid_in - OutputFixPoint(*g, info.tensor);
  g->ops.push_back(MakeFixOp(FixOpKind::kHardSigmoid, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

// pad (to_xir("pad") :670: paddings, mode, constant_values as XIR defines
// them) -> pad-fix, a byte copy: input and output fix points must agree and a
// constant pad must be 0 (docs/arithmetic.md 7g) [inferred: vai_q's pad keeps
// its input's fix point].
Status LowerPad(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g) {
  PadAttrs a;
  SIGNDPU_ASSIGN_OR_RETURN(a.paddings, GetAttr<std::vector<int>>(op, names::kPaddings, Where(op)));
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, GetAttrOr<std::string>(op, names::kMode, "CONSTANT", Where(op)));
  if (!ParsePadMode(mode, &a.mode)) return Unsupported(Where(op) + ": mode " + mode);
  SIGNDPU_ASSIGN_OR_RETURN(auto values, GetAttrOr<std::vector<float>>(op, names::kConstantValues, {}, Where(op)));
  for (float v : values)
    if (v != 0.0f) return Unsupported(Where(op) + ": constant value " + std::to_string(v) + " (pad-fix pads 0)");
  const int fi = g->tensors[static_cast<size_t>(ins[0])].fix_point, fo = OutputFixPoint(*g, info.tensor);
  if (fi != fo)
    return Unsupported(Where(op) + ": input fix point " + std::to_string(fi) + " and output fix point " +
                       std::to_string(fo) + " differ (pad-fix copies bytes)");
  g->ops.push_back(MakeFixOp(FixOpKind::kPad, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

// resize (xop_creator.py resize :313-349: mode, align_corners,
// half_pixel_centers, a scale or a size input) and upsample -> upsample-fix
// of the output's size (docs/arithmetic.md 7e).
Status LowerResize(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g) {
  if (!InputOps(op, "size").empty())
    return Unsupported(Where(op) + ": a size computed at run time (a 'size' input) is not lowered");
  ResizeAttrs a;
  SIGNDPU_ASSIGN_OR_RETURN(std::string mode, GetAttrOr<std::string>(op, names::kMode, "NEAREST", Where(op)));
  if (!ParseResizeMode(mode, &a.mode)) return Unsupported(Where(op) + ": mode " + mode + " (NEAREST or BILINEAR)");
  SIGNDPU_ASSIGN_OR_RETURN(a.align_corners, GetAttrOr<bool>(op, names::kAlignCorners, false, Where(op)));
  SIGNDPU_ASSIGN_OR_RETURN(a.half_pixel_centers, GetAttrOr<bool>(op, names::kHalfPixelCenters, false, Where(op)));
  const Shape& in = g->tensors[static_cast<size_t>(ins[0])].shape;
  const Shape& out = g->tensors[static_cast<size_t>(info.tensor)].shape;
  if (in.size() != 4 || out.size() != 4 || in[1] <= 0 || in[2] <= 0)
    return Unsupported(Where(op) + ": only NHWC (4-D) tensors");
  a.scale_h = static_cast<float>(static_cast<double>(out[1]) / static_cast<double>(in[1]));
  a.scale_w = static_cast<float>(static_cast<double>(out[2]) / static_cast<double>(in[2]));
  g->ops.push_back(MakeFixOp(FixOpKind::kUpsample, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

// pixel-shuffle (xop_creator.py :691-692, XIR's scale and upscale) ->
// pixel-shuffle-fix, a byte copy (docs/arithmetic.md 7h).
Status LowerPixelShuffle(const xir::Op* op, const OpInfo& info, const std::vector<int>& ins, FixGraph* g) {
  BlockAttrs a;
  SIGNDPU_ASSIGN_OR_RETURN(a.scale, GetAttr<int>(op, names::kScale, Where(op)));
  SIGNDPU_ASSIGN_OR_RETURN(a.expand, GetAttrOr<bool>(op, names::kUpscale, true, Where(op)));
  g->ops.push_back(MakeFixOp(FixOpKind::kPixelShuffle, op->get_name(), ins, info.tensor, std::move(a)));
  return Status::Ok();
}

}  // namespace signdpu::compile::internal
