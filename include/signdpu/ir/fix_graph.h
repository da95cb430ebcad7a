// FixGraph: the int8 DPU program that the quantiser produces, the xmodel
// module writes and reads, and the emulator executes (the ir module).
// Framework-free (no XIR library); each FixOpKind has one registration in
// signdpu/ir/op_registry.h that validates, prepares and runs it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/reference/conv2d_fix.h"
#include "signdpu/kernels/reference/eltwise_fix.h"
#include "signdpu/kernels/reference/hard_sigmoid_fix.h"
#include "signdpu/kernels/reference/pool_fix.h"

namespace signdpu {

struct FixTensor {
  std::string name;
  Shape shape;         // NHWC (or [1, C] style) for ONE image: dim 0 is 1
  int fix_point = 0;   // real = q * 2^-fix_point
  int bit_width = 8;
  bool if_signed = true;
  int64_t per_image_size() const { return NumElements(shape); }
};

enum class FixOpKind {
  kConv2d,           // conv2d-fix
  kDepthwiseConv2d,  // depthwise-conv2d-fix
  kPool,             // pool-fix
  kEltwiseAdd,       // eltwise-fix (ADD)
  kCopy,             // reshape-fix, upload, download: byte copy
  kHardSigmoid,      // hard-sigmoid-fix (kernels/reference/hard_sigmoid_fix.h)
  kConcat,           // concat-fix along the channel (last) axis: byte copies
  kTransposedConv2d,           // transposed-conv2d-fix (kernels/reference/transposed_conv2d_fix.h)
  kTransposedDepthwiseConv2d,  // transposed-depthwise-conv2d-fix
};

// The XIR op type of the kind (its registration); "?" for a value outside the enum.
const char* FixOpKindName(FixOpKind kind);

struct FixOp {
  FixOpKind kind = FixOpKind::kCopy;
  std::string name;
  std::vector<int> inputs;  // tensor ids
  int output = -1;          // tensor id
  // kConv2d / kDepthwiseConv2d / kTransposed*: config.input.n is ignored (the batch
  // decides); transposed: stride = zero-insertion factors, pad = XIR's pad
  ConvConfig conv;
  std::vector<int8_t> weights;  // OHWI, [1,kh,kw,C] for depthwise
  std::vector<int8_t> bias;     // [O]; empty when conv.has_bias is false
  // kPool
  PoolConfig pool;
  // kEltwiseAdd
  Activation eltwise_activation = Activation::kNone;
  // kHardSigmoid: the XIR attributes hsigmoid_in and shift_hsigmoid
  int hsigmoid_in = 0;
  int shift_hsigmoid = 0;
  // kConcat: axis of the per-image tensor shapes (NHWC [1,H,W,C], or [1,C]);
  // negative counts from the end (-1 = last). Only the last axis (channels)
  // is supported. Every input must have the output's fix_point (the Vitis
  // quantiser puts one fix after a concat and none on its inputs), so the op
  // is a pure byte copy; inputs keep their order along the axis.
  int concat_axis = -1;
};

struct FixGraph {
  std::string name;
  std::vector<FixTensor> tensors;
  std::vector<FixOp> ops;      // topological order
  std::vector<int> inputs;     // tensor ids fed from outside
  std::vector<int> outputs;    // tensor ids read from outside

  int FindTensor(const std::string& name) const;  // -1 if absent
  // Checks ids, shapes, weight sizes and DPU constraints; names the op. The
  // op-specific checks are each op's registration (FixOpDef::validate).
  Status Validate() const;
};

// Executes a FixGraph for a fixed batch size. Prepare (validation, parameter
// precomputation, weight packing) happens once in Create; Run only computes.
// Not thread-safe: use one executor per thread (they are cheap to create).
class FixGraphExecutor {
 public:
  static Result<std::unique_ptr<FixGraphExecutor>> Create(const FixGraph& graph, int batch,
                                                          KernelPath path = BestKernelPath());
  ~FixGraphExecutor();

  int batch() const { return batch_; }
  KernelPath path() const { return path_; }
  // inputs/outputs: one pointer per graph input/output, each batch * per-image
  // bytes. `count` (1..batch) images are computed.
  void Run(const std::vector<const int8_t*>& inputs, const std::vector<int8_t*>& outputs, int count);
  // How many weight-group concats run as one kernel (PrepareGroupedConv2d).
  int fused_concats() const { return fused_concats_; }
  // Any tensor after Run (for dumps and tests); batch * per-image bytes.
  const int8_t* TensorData(int tensor_id) const;

 private:
  FixGraphExecutor() = default;
  void AllocateBuffers();
  Status PrepareSteps();  // weight groups first, then one step per remaining op
  struct Step;
  const FixGraph* graph_ = nullptr;
  FixGraph owned_;
  int batch_ = 1;
  KernelPath path_ = KernelPath::kReference;
  // mutable: TensorData fills a fused weight group's own tensor on demand.
  mutable std::vector<std::vector<int8_t>> buffers_;
  std::vector<std::unique_ptr<Step>> steps_;
  // Outputs of weight-group convs fused into their concat (not written by
  // Run): tensor -> its channel range of the concat output.
  struct Slice {
    int from = -1;
    int64_t c0 = 0, channels = 0;
  };
  std::map<int, Slice> slices_;
  int last_count_ = 0;
  int fused_concats_ = 0;
};

}  // namespace signdpu
