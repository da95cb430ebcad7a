// Reference eltwise-fix ADD / MUL. Formula and provenance: see the header.
#include "signdpu/kernels/reference/eltwise_fix.h"

#include <algorithm>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu {

namespace {
constexpr int kMaxShiftRead = 15;   // 4-bit ELEWINIT shift_read [source: sim-runner dpuv2.xml]
constexpr int kMaxShiftWrite = 15;  // 5-bit ELEW shift_write, 16.. = right shift [source: same]
constexpr int kGuardBits = 2;       // ADD: in * 4 before the read shift [source: Elew<DPUV2>::calc]
constexpr size_t kMaxInputs = 15;

Status CheckActivation(Activation a, const std::string& name) {
  if (a == Activation::kNone || a == Activation::kRelu) return Status::Ok();
  return Unsupported(name + ": nonlinear " + std::string(ActivationName(a)) +
                     " (the DPUCZDX8G eltwise engine supports NONE and RELU)");
}
}  // namespace

const char* EltwiseTypeName(EltwiseType type) { return type == EltwiseType::kMul ? "MUL" : "ADD"; }

bool ParseEltwiseType(const std::string& name, EltwiseType* type) {
  if (name.empty() || name == "ADD") {
    *type = EltwiseType::kAdd;
  } else if (name == "MUL") {
    *type = EltwiseType::kMul;
  } else {
    return false;
  }
  return true;
}

int64_t BroadcastMap::Offset(int64_t out_index) const {
  int64_t off = 0;
  for (size_t d = out_dims.size(); d-- > 0;) {
    const int64_t i = out_index % out_dims[d];
    out_index /= out_dims[d];
    off += i * in_strides[d];
  }
  return off;
}

Result<BroadcastMap> MakeBroadcastMap(const Shape& in, const Shape& out, const std::string& what) {
  BroadcastMap m;
  if (in.size() > out.size())
    return InvalidArgument(what + ": shape " + ShapeToString(in) + " has more dims than the output " +
                           ShapeToString(out));
  m.out_dims = out;
  m.in_strides.assign(out.size(), 0);
  const size_t lead = out.size() - in.size();
  int64_t stride = 1;
  for (size_t d = out.size(); d-- > lead;) {
    const int64_t dim = in[d - lead];
    if (dim != out[d] && dim != 1)
      return InvalidArgument(what + ": shape " + ShapeToString(in) + " does not broadcast to " +
                             ShapeToString(out));
    if (dim != out[d] || dim <= 0) m.same = false;
    m.in_strides[d] = dim == 1 ? 0 : stride;
    stride *= dim;
  }
  if (lead > 0) {
    for (size_t d = 0; d < lead; ++d)
      if (out[d] != 1) m.same = false;
  }
  return m;
}

Result<EltwiseParams> MakeEltwiseParams(const EltwiseConfig& c, const std::string& name) {
  const size_t k = c.fix_in.size();
  if (c.type == EltwiseType::kMul && k != 2)
    return Unsupported(name + ": eltwise MUL takes exactly 2 inputs, got " + std::to_string(k));
  if (k < 2 || k > kMaxInputs)
    return InvalidArgument(name + ": eltwise takes 2.." + std::to_string(kMaxInputs) + " inputs, got " +
                           std::to_string(k));
  if (!c.in_shapes.empty() && c.in_shapes.size() != k)
    return InvalidArgument(name + ": " + std::to_string(c.in_shapes.size()) + " input shapes for " +
                           std::to_string(k) + " inputs");
  SIGNDPU_RETURN_IF_ERROR(CheckActivation(c.activation, name));
  for (int64_t d : c.out_shape)
    if (d <= 0) return InvalidArgument(name + ": output shape " + ShapeToString(c.out_shape));
  EltwiseParams p;
  p.type = c.type;
  p.fix_in = c.fix_in;
  p.fix_out = c.fix_out;
  p.size = NumElements(c.out_shape);
  p.activation = c.activation;
  for (size_t i = 0; i < k; ++i) {
    const Shape& s = c.in_shapes.empty() ? c.out_shape : c.in_shapes[i];
    SIGNDPU_ASSIGN_OR_RETURN(BroadcastMap m, MakeBroadcastMap(s, c.out_shape, name + " input " + std::to_string(i)));
    p.any_broadcast = p.any_broadcast || !m.same;
    p.maps.push_back(std::move(m));
  }
  if (c.type == EltwiseType::kAdd) {
    const int m = *std::min_element(p.fix_in.begin(), p.fix_in.end());
    for (int f : p.fix_in) {
      if (f - m > kMaxShiftRead)
        return OutOfRange(name + ": input fix points " + std::to_string(f) + " and " + std::to_string(m) +
                          " differ by more than " + std::to_string(kMaxShiftRead));
      p.shift_read.push_back(f - m);
    }
    p.out_shift = m + kGuardBits - c.fix_out;
    if (c.fix_out - m < -kMaxShiftWrite || c.fix_out - m > kMaxShiftWrite)
      return OutOfRange(name + ": output shift " + std::to_string(c.fix_out - m) + " outside [-15, 15]");
  } else {
    p.shift_read.assign(2, 0);
    p.out_shift = p.fix_in[0] + p.fix_in[1] - c.fix_out;
    if (p.out_shift < -kMaxShiftWrite || p.out_shift > kMaxShiftWrite)
      return OutOfRange(name + ": MUL output shift " + std::to_string(p.out_shift) + " outside [-15, 15]");
  }
  return p;
}

Result<EltwiseParams> MakeEltwiseParams(std::vector<int> fix_in, int fix_out, int64_t size, Activation activation,
                                        const std::string& name) {
  if (size < 0) return InvalidArgument(name + ": negative size");
  EltwiseConfig c;
  c.fix_in = std::move(fix_in);
  c.fix_out = fix_out;
  c.out_shape = {std::max<int64_t>(size, 1)};
  c.activation = activation;
  SIGNDPU_ASSIGN_OR_RETURN(EltwiseParams p, MakeEltwiseParams(c, name));
  p.size = size;
  return p;
}

namespace reference {

void EltwiseFix(const EltwiseParams& p, const std::vector<const int8_t*>& inputs, int8_t* out) {
  const size_t k = inputs.size();
  for (int64_t i = 0; i < p.size; ++i) {
    int64_t acc = p.type == EltwiseType::kMul ? 1 : 0;
    for (size_t j = 0; j < k; ++j) {
      const int64_t at = p.maps[j].same ? i : p.maps[j].Offset(i);
      const int64_t v = inputs[j][at];
      if (p.type == EltwiseType::kMul) {
        acc *= v;
      } else {
        acc += (v * (int64_t{1} << kGuardBits)) >> p.shift_read[j];  // floor: arithmetic shift
      }
    }
    int64_t y = ShiftRound(acc, p.out_shift);
    if (p.activation == Activation::kRelu && y < 0) y = 0;
    out[i] = static_cast<int8_t>(Sat8(y));
  }
}

}  // namespace reference
}  // namespace signdpu
