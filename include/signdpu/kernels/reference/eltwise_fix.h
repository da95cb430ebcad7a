// eltwise-fix (XIR op name), ADD and MUL, reference kernel.
//
// The DPUCZDX8G eltwise engine (ELEW instruction; target DPUCZDX8G_ISA1_B4096:
// elew_type add and mult, nonlinear relu only [source: libtarget-factory]).
// Integer formula, per output element, inputs numpy-broadcast against the
// output shape (a const-fix operand of shape [C] or [1,1,1,C], say):
//
//   ADD (2..15 inputs):
//     m      = min_i fi_i                       (align to the COARSEST input)
//     t_i    = floor(in_i * 4 / 2^(fi_i - m))   ((in_i << 2) >> (fi_i - m):
//                                                2 guard bits, then truncation)
//     y      = ShiftRound(sum_i t_i, m + 2 - fo)
//   MUL (exactly 2 inputs):
//     y      = ShiftRound(in_0 * in_1, fi_0 + fi_1 - fo)
//   out = Sat8(act(y))                          act: NONE or RELU
//
// [source: Xilinx VART sim-runner Elew<DPUV2>::calc (the ELEW instruction's
// model: floor(x * 4 / 2^shift_read), * 2^shift_write, / 4 for ADD, / 16 for
// MUL, then DPU rounding) and VART cpu-runner eltwise_fix.cpp (the compiler's
// shift_read = fi - min fi, shift_write = min fi - fo; MUL shift_read 0)].
// For ADD this equals the exact real-valued sum rounded once (what Xilinx's
// Vitis-AI-Library 2.5 cpu_task eltwise-fix computes) whenever the input fix
// points differ by at most 2; beyond that the guard bits truncate
// (docs/arithmetic.md section 7). The 4-bit shift_read and 5-bit shift_write
// fields bound fi_i - m to [0, 15] and the output shift to [-15, 15]
// (MUL: fi_0 + fi_1 - fo in [-15, 15]).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/kernels/reference/conv2d_fix.h"

namespace signdpu {

enum class EltwiseType { kAdd, kMul };

const char* EltwiseTypeName(EltwiseType type);                     // "ADD", "MUL"
bool ParseEltwiseType(const std::string& name, EltwiseType* type);  // accepts "" as ADD

// Numpy broadcasting of one input against the output shape: the input's
// dims are right-aligned with the output's; each is 1 or equal. Offsets()
// maps a flat output index to the input's flat index.
struct BroadcastMap {
  bool same = true;             // the input has the output's shape
  std::vector<int64_t> out_dims;     // output dims (right-aligned view)
  std::vector<int64_t> in_strides;   // per output dim: the input stride, 0 where broadcast
  int64_t Offset(int64_t out_index) const;
};

// Checks `in` broadcasts to `out` (names `what` in the message).
Result<BroadcastMap> MakeBroadcastMap(const Shape& in, const Shape& out, const std::string& what);

struct EltwiseConfig {
  EltwiseType type = EltwiseType::kAdd;
  std::vector<int> fix_in;   // one per input
  int fix_out = 0;
  Shape out_shape;           // one image
  std::vector<Shape> in_shapes;  // one per input; an empty list means all equal out_shape
  Activation activation = Activation::kNone;
};

struct EltwiseParams {
  EltwiseType type = EltwiseType::kAdd;
  std::vector<int> fix_in;
  int fix_out = 0;
  int64_t size = 0;          // output elements
  Activation activation = Activation::kNone;
  std::vector<int> shift_read;  // ADD: fi_i - min fi (right shift after << 2); MUL: 0
  int out_shift = 0;            // ADD: min fi + 2 - fo; MUL: fi_0 + fi_1 - fo
  std::vector<BroadcastMap> maps;  // one per input
  bool any_broadcast = false;
};

Result<EltwiseParams> MakeEltwiseParams(const EltwiseConfig& config, const std::string& name = "eltwise");
// ADD of same-shape inputs of `size` elements (the form the quantiser uses).
Result<EltwiseParams> MakeEltwiseParams(std::vector<int> fix_in, int fix_out, int64_t size,
                                        Activation activation, const std::string& name = "add");

namespace reference {
// One image: inputs[i] holds the input's (possibly broadcast) elements,
// out params.size elements.
void EltwiseFix(const EltwiseParams& params, const std::vector<const int8_t*>& inputs, int8_t* out);
// The same-shape ADD kernel under its older name (any EltwiseParams works).
inline void EltwiseAddFix(const EltwiseParams& params, const std::vector<const int8_t*>& inputs, int8_t* out) {
  EltwiseFix(params, inputs, out);
}
}  // namespace reference
}  // namespace signdpu
