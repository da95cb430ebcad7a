// DPU limits of a Vitis AI target, read from libtarget-factory's description
// (vitis::ai::target_factory()->create(NAME), a protobuf vitis::ai::Target),
// and the per-layer check that the quantiser runs before it writes an xmodel
// and `signdpu inspect` runs on a quantiser-format _int.xmodel.
//
// The rules follow vai_q_pytorch 2.5's own DPU op filter, which reads the
// same Target fields [source: Vitis-AI v2.5
// src/Vitis-AI-Quantizer/vai_q_pytorch/pytorch_binding/pytorch_nndct/hardware/dpu_op_filter.py:
// check_nonlinear :149, check_kernel :174, check_load_jump_write :189,
// check_save_jump_read :198, check_pad :206, check_pad_with_limit :230,
// check_conv_weights_bank_depth :258, check_dwconv_weights_bank_depth :281,
// filter_conv2d :333, filter_depthwise_conv2d :396, filter_pool :681,
// filter_eltwise :783, filter_hard_sigmoid :925]. vai_c_xir (closed source)
// applies its own checks to the same description; that it rejects exactly
// what this check rejects is inferred, not verified.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/status.h"

namespace signdpu {
struct FixGraph;
}

namespace signdpu::target {

// The Vitis AI 2.5 target of the ZCU104 DPU (fingerprint 0x101000016010407).
inline constexpr const char* kDefaultDpuTarget = "DPUCZDX8G_ISA1_B4096";

// A set of integers as target-factory spells it: "1-16", "1,2,4", "0-15".
struct IntSet {
  std::string text;                         // as in the target description
  std::vector<std::pair<int, int>> ranges;  // inclusive
  bool Contains(int64_t v) const;
  bool empty() const { return ranges.empty(); }
};
Result<IntSet> ParseIntSet(const std::string& text);

struct BankLimits {
  bool present = false;
  int bank_num = 0, bank_width = 0, bank_depth = 0;
};

// What the check needs from vitis::ai::Target (plain values: no protobuf in
// this header).
struct DpuLimits {
  std::string name;  // e.g. DPUCZDX8G_ISA1_B4096
  std::string type;  // e.g. DPUCZDX8G
  uint64_t fingerprint = 0;
  // conv_engine
  int conv_input_channel_parallel = 0, conv_output_channel_parallel = 0;
  IntSet conv_kernel, conv_stride;  // conv_limit (defaults as nndct: 1-16, 1-4)
  std::vector<std::string> conv_nonlinear;
  BankLimits conv_weight_bank;  // bank group named by conv_engine.weight_bank
  // alu_engine (DPUCZDX8G: depthwise conv, pooling, hard-sigmoid)
  bool has_alu = false;
  int alu_channel_parallel = 0;
  std::vector<std::string> alu_types;  // dwconv, avg_pool, max_pool, hsigmoid, ...
  IntSet alu_kernel, alu_stride;
  IntSet pad_left, pad_right, pad_top, pad_bottom;  // alu_engine.pad_limit
  std::vector<std::string> alu_nonlinear;
  BankLimits alu_weight_bank;
  // pool_engine (other DPUs; DPUCZDX8G_ISA1_B4096 has none)
  bool has_pool = false;
  std::vector<std::string> pool_types;  // max, avg, max_reduce
  IntSet pool_max_kernel, pool_max_stride, pool_avg_kernel, pool_avg_stride;
  // dwconv_engine (other DPUs)
  bool has_dwconv = false;
  int dwconv_channel_parallel = 0;
  IntSet dwconv_kernel, dwconv_stride;
  std::vector<std::string> dwconv_nonlinear;
  // eltwise_engine
  bool has_eltwise = false;
  std::vector<std::string> eltwise_types;  // add, mult
  std::vector<std::string> eltwise_nonlinear;
  // load_engine
  int load_channel_parallel = 0;
};

// Asks libtarget-factory; an unknown name is an error (never the library's
// fatal log: is_registered_target is asked first).
Result<DpuLimits> LoadDpuLimits(const std::string& target_name = kDefaultDpuTarget);

// One DPU layer as the quantiser emits it (NHWC shapes of one image).
enum class LayerKind {
  kConv, kDepthwiseConv, kMaxPool, kAvgPool, kEltwiseAdd, kEltwiseMul, kHardSigmoid,
  kTransposedConv, kTransposedDepthwiseConv,  // stride = XIR's zero-insertion factors
};
const char* LayerKindName(LayerKind kind);

struct DpuLayer {
  std::string name;  // the op (its name carries the ONNX node's)
  LayerKind kind = LayerKind::kConv;
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int pad_left = 0, pad_right = 0, pad_top = 0, pad_bottom = 0;
  int64_t in_h = 1, in_w = 1, in_c = 1, out_c = 1;
  // Activation fused after the op: "" (none), "relu", "relu6", "leaky_relu",
  // "prelu", "hsigmoid", "hswish".
  std::string nonlinear;
  float leaky_alpha = 26.0f / 256.0f;
  // kConv only: a dense layer (matmul in the _int.xmodel; in a FixGraph a
  // conv over the whole input whose only user flattens it to [1, O]).
  // vai_q_pytorch's op filter has no rule for dense (dpu_op_filter.py
  // `filters` :932-952) and vai_c_xir turns it into a conv2d itself
  // ("TransferMatMulToConv2d" in the compiled MNIST fixture's subgraph name),
  // so only its nonlinearity is checked [inferred].
  bool dense = false;
};

struct Violation {
  std::string layer;
  std::string what;  // the limit broken, with the value and the allowed set
  std::string Line(const std::string& target) const;  // "layer X (conv2d): ... [DPU target]"
};

std::vector<Violation> CheckLayer(const DpuLimits& limits, const DpuLayer& layer);
std::vector<Violation> CheckLayers(const DpuLimits& limits, const std::vector<DpuLayer>& layers);

// The layers a FixGraph runs on the DPU (conv, depthwise, pool, eltwise,
// hard-sigmoid; copies and concats have no engine limits here).
std::vector<DpuLayer> LayersOf(const FixGraph& graph);
// InvalidArgument naming the first violating layer and the limit (one line),
// with the count of further violations; Ok if none.
Status CheckFixGraph(const DpuLimits& limits, const FixGraph& graph);

}  // namespace signdpu::target
