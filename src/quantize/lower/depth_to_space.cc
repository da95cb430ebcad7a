// DepthToSpace -> pixel-shuffle-fix (upscale). XIR's channel order is
// PyTorch PixelShuffle's, i.e. ONNX CRD: out[y][x][c] = in[y/s][x/s][c*s*s +
// (y%s)*s + x%s] (kernels/reference/pixel_shuffle_fix.h). DCR (ONNX's
// default, in channel (i*s + j)*C + c) is lowered exactly by reordering the
// output channels of the conv that produces the input (its weight rows and
// bias; calibration follows through the tensor's channel map); without such
// a conv DCR is refused in one line.
#include "lowering.h"

namespace signdpu::quantize::lowering {

// DCR -> CRD: our channel c*s*s + i*s + j takes the producer's channel (i*s + j)*C + c.
Status Lowering::ReorderForDcr(const Node& n, const Value& in, int64_t s, int64_t c_out) {
  const bool conv = in.producer >= 0 && (out_.ops[in.producer].kind == FixOpKind::kConv2d ||
                                         out_.ops[in.producer].kind == FixOpKind::kTransposedConv2d);
  if (!conv || Consumers(n.inputs[0]) != 1 || !out_.ops[in.producer].channel_group_ends.empty())
    return Fail(n, "attribute 'mode' DCR needs a Conv or ConvTranspose with no other reader before it "
                   "(pixel-shuffle-fix's channel order is CRD)");
  DpuFloatOp& p = out_.ops[in.producer];
  const int64_t channels = c_out * s * s;
  std::vector<int> perm(static_cast<size_t>(channels));
  for (int64_t c = 0; c < c_out; ++c)
    for (int64_t i = 0; i < s * s; ++i) perm[static_cast<size_t>(c * s * s + i)] = static_cast<int>(i * c_out + c);
  const size_t per = p.weights.size() / static_cast<size_t>(channels);
  std::vector<float> w(p.weights.size()), b(p.bias.size());
  for (size_t k = 0; k < perm.size(); ++k) {
    std::copy(p.weights.begin() + static_cast<std::ptrdiff_t>(perm[k] * per),
              p.weights.begin() + static_cast<std::ptrdiff_t>((perm[k] + 1) * per),
              w.begin() + static_cast<std::ptrdiff_t>(k * per));
    if (!b.empty()) b[k] = p.bias[static_cast<size_t>(perm[k])];
  }
  p.weights = std::move(w);
  p.bias = std::move(b);
  p.transform_note += (p.transform_note.empty() ? "" : "; ") + std::string("output channels DCR -> CRD for ") + n.name;
  PermuteTensor(in.tensor, perm);
  return Status::Ok();
}

Status Lowering::LowerDepthToSpace(const Node& n) {
  SIGNDPU_ASSIGN_OR_RETURN(Value in, Get(n, 0));
  if (in.kind != Value::Kind::kNchw) return Fail(n, "DepthToSpace input must be an NCHW image tensor");
  const Nhwc id = Dims(in.tensor);
  const int64_t s = n.attrs.GetInt("blocksize", 1);
  const int64_t c_out = id.c / (s * s);
  if (n.attrs.GetString("mode", "DCR") == "DCR" && s > 1) SIGNDPU_RETURN_IF_ERROR(ReorderForDcr(n, in, s, c_out));
  DpuFloatOp op;
  op.kind = FixOpKind::kPixelShuffle;
  op.name = n.name;
  op.inputs = {in.tensor};
  op.attrs = BlockAttrs{static_cast<int>(s), true};
  op.transform_note = "blocksize " + std::to_string(s) + " (" + n.attrs.GetString("mode", "DCR") + ")";
  Produce(n, std::move(op), {1, id.h * s, id.w * s, c_out}, Value::Kind::kNchw);
  return Status::Ok();
}

}  // namespace signdpu::quantize::lowering
