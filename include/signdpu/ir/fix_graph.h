// FixGraph: the int8 DPU program that the quantiser produces, the xmodel
// module writes and reads, and the emulator executes (the ir module).
// Framework-free (no XIR library); each FixOpKind has one registration in
// signdpu/ir/op_registry.h that validates, prepares and runs it.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "signdpu/core/shape.h"
#include "signdpu/core/status.h"
#include "signdpu/kernels/dispatch.h"
#include "signdpu/kernels/reference/conv2d_fix.h"
#include "signdpu/kernels/reference/eltwise_fix.h"
#include "signdpu/kernels/reference/hard_sigmoid_fix.h"
#include "signdpu/kernels/reference/pad_fix.h"
#include "signdpu/kernels/reference/pool_fix.h"
#include "signdpu/kernels/reference/upsample_fix.h"

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
  kEltwiseAdd,       // eltwise-fix (ADD or MUL: EltwiseAttrs::type)
  kCopy,             // reshape-fix, upload, download: byte copy
  kHardSigmoid,      // hard-sigmoid-fix (kernels/reference/hard_sigmoid_fix.h)
  kConcat,           // concat-fix along any axis, inputs requantised to the output
  kDepthwiseFix,     // depthwise-fix (kernels/reference/depthwise_fix.h)
  kUpsample,         // upsample-fix (kernels/reference/upsample_fix.h)
  kDownsample,       // downsample-fix (kernels/reference/downsample_fix.h)
  kPad,              // pad-fix (kernels/reference/pad_fix.h)
  kReorg,            // reorg-fix (kernels/reference/reorg_fix.h)
  kTile,             // tile-fix (kernels/reference/tile_fix.h)
  kPixelShuffle,     // pixel-shuffle-fix (kernels/reference/pixel_shuffle_fix.h)
  kTransposedConv2d,           // transposed-conv2d-fix (kernels/reference/transposed_conv2d_fix.h)
  kTransposedDepthwiseConv2d,  // transposed-depthwise-conv2d-fix
  kGroupedConv2d,              // weight groups: conv2d-fix per group + concat-fix in XIR (GroupedConvAttrs)
};

// The XIR op type of the kind (its registration); "?" for a value outside the enum.
const char* FixOpKindName(FixOpKind kind);

// Per-op attributes: one struct per op, holding only what the op stores.
// What the graph already holds is computed, never stored twice: input and
// output shapes and fix points are the tensors' (the single source; see
// ConvConfigOf / PoolConfigOf), and "depthwise" is the op kind.
struct CopyAttrs {};  // kCopy: a byte copy has no attributes

// kConv2d / kDepthwiseConv2d / kTransposedConv2d / kTransposedDepthwiseConv2d
// (transposed: stride = the zero-insertion factors, pad = XIR's pad attribute)
struct ConvAttrs : ConvSpec {
  std::vector<int8_t> weights;  // OHWI, [1,kh,kw,C] for depthwise
  std::vector<int8_t> bias;     // [O]; empty when has_bias is false
};

struct PoolAttrs : PoolSpec {};  // kPool

// A const-fix operand of an element-wise op (eltwise-fix, depthwise-fix): a
// per-channel bias or scale of a Xilinx-compiled model. `position` is its
// index among the op's operands; the tensor inputs (op.inputs, in order)
// fill the other positions.
struct ConstOperand {
  int position = 0;
  std::string name;
  Shape shape;  // as XIR stores it; broadcast against the output (numpy rules)
  int fix_point = 0;
  std::vector<int8_t> data;
};

struct EltwiseAttrs {  // kEltwiseAdd: eltwise-fix, ADD or MUL
  Activation activation = Activation::kNone;
  EltwiseType type = EltwiseType::kAdd;
  std::vector<ConstOperand> consts;
};

struct DepthwiseFixAttrs {  // kDepthwiseFix
  EltwiseType type = EltwiseType::kMul;
  std::vector<ConstOperand> consts;
};

struct ResizeAttrs {  // kUpsample, kDownsample: the XIR attributes
  ResizeMode mode = ResizeMode::kNearest;
  bool align_corners = false;
  bool half_pixel_centers = false;
  float scale_w = 1.0f, scale_h = 1.0f;
};

struct PadAttrs {  // kPad: the XIR attributes
  std::vector<int> paddings;  // 2 per NHWC dim
  PadMode mode = PadMode::kConstant;
  std::vector<int> constant_values;
};

// kReorg (scale, reverse), kTile (stride, reverse), kPixelShuffle (scale,
// upscale): `expand` = the output is the large map [H*s, W*s, C/(s*s)].
struct BlockAttrs {
  int scale = 1;
  bool expand = false;
};

struct HardSigmoidAttrs {  // kHardSigmoid: the XIR attributes
  int hsigmoid_in = 0;
  int shift_hsigmoid = 0;
};

// kConcat: axis of the per-image tensor shapes (NHWC [1,H,W,C], or [1,C]);
// negative counts from the end (-1 = last). Inputs keep their order along
// the axis; each is requantised to the output's fix point (a byte copy when
// they agree, as in every concat the Vitis quantiser writes).
struct ConcatAttrs {
  int axis = -1;
};

// kGroupedConv2d: a conv whose output channels are split into weight groups,
// each with its own weight and bias fix points (docs/quantizer.md, "Weight
// groups"). Group k computes output channels [c0, c0 + conv.out_channels)
// where c0 is the sum of the earlier groups' out_channels; the groups cover
// the op's output channels in order. Every group has the op's input and the
// same geometry and activation (conv.kernel_*, stride, dilation, pad).
//
// XIR has no such op: the xmodel writers emit each group as its own
// conv2d-fix named `name` writing tensor `tensor`, then a concat-fix along
// channels into the op's output (ir::SplitGroupedConvs), and the subgraph
// reader joins that pattern back (ir::GroupWeightConvs). The group's output
// tensor therefore stays in FixGraph::tensors: it carries the group's name,
// shape and output fix point the way XIR stores a fix point, on the tensor,
// so the fix point is not stored a second time here. No op reads it; the
// executor serves it as its channel range of the output (TensorData). Its fix
// point equals the output's (Validate): the written concat-fix is then a byte
// copy, as in every concat the quantiser writes for weight groups.
struct ConvGroup {
  std::string name;  // the group's conv2d-fix as written
  int tensor = -1;   // the group's output tensor id
  ConvAttrs conv;    // out_channels = the group's channels; its own fix_weights/fix_bias, weights, bias
};

struct GroupedConvAttrs {
  std::vector<ConvGroup> groups;  // >= 2, in output-channel order
};

// One alternative per attribute struct; an op kind's registration
// (ir::FixOpDef::attrs) names the alternative it reads, and FixGraph::Validate
// rejects an op whose attributes are another.
using FixOpAttrs = std::variant<CopyAttrs, ConvAttrs, PoolAttrs, EltwiseAttrs, HardSigmoidAttrs, ConcatAttrs,
                                DepthwiseFixAttrs, ResizeAttrs, PadAttrs, BlockAttrs, GroupedConvAttrs>;

// The index of T in FixOpAttrs (a compile error if T is not one).
template <class T, class V = FixOpAttrs>
struct FixOpAttrsIndex;
template <class T, class... Ts>
struct FixOpAttrsIndex<T, std::variant<Ts...>> {
  static constexpr size_t Find() {
    constexpr bool same[] = {std::is_same_v<T, Ts>...};
    for (size_t i = 0; i < sizeof...(Ts); ++i)
      if (same[i]) return i;
    return sizeof...(Ts);
  }
  static constexpr size_t value = Find();
  static_assert(value < sizeof...(Ts), "not a FixOpAttrs alternative");
};

struct FixOp {
  FixOpKind kind = FixOpKind::kCopy;
  std::string name;
  std::vector<int> inputs;  // tensor ids
  int output = -1;          // tensor id
  FixOpAttrs attrs;         // the alternative the kind's registration reads

  // Typed access. Attrs<T>() throws std::bad_variant_access when the op holds
  // another alternative: call it on ops of a validated graph (or after
  // checking the kind); AttrsIf<T>() returns null instead.
  template <class T>
  const T& Attrs() const { return std::get<T>(attrs); }
  template <class T>
  T& Attrs() { return std::get<T>(attrs); }
  template <class T>
  const T* AttrsIf() const { return std::get_if<T>(&attrs); }
  template <class T>
  T* AttrsIf() { return std::get_if<T>(&attrs); }
};

// Builds an op; `attrs` must be the alternative `kind` reads (Validate checks).
FixOp MakeFixOp(FixOpKind kind, std::string name, std::vector<int> inputs, int output, FixOpAttrs attrs = CopyAttrs{});

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

// The per-image NHWC view of a shape: rank 4 is NHWC, rank 2 [N, C],
// rank 3 [N, W, C]; other ranks fold everything after dim 0 into C.
Nhwc ToNhwc(const Shape& s);

// A conv or pool op of `graph` as its kernel sees it: the op's stored spec
// plus its tensors' shapes and fix points (input.n = batch) and, for convs,
// depthwise from the kind. The op must hold ConvAttrs / PoolAttrs.
ConvConfig ConvConfigOf(const FixGraph& graph, const FixOp& op, int batch = 1);
// Group k of a kGroupedConv2d op as its conv kernel sees it: the op's input,
// the group's ConvAttrs and output tensor (its fix point).
ConvConfig GroupConvConfigOf(const FixGraph& graph, const FixOp& op, size_t k, int batch = 1);
PoolConfig PoolConfigOf(const FixGraph& graph, const FixOp& op, int batch = 1);

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
  // How many grouped convs (kGroupedConv2d) run as one kernel
  // (PrepareGroupedConv2d; never on the reference path).
  int fused_concats() const { return fused_concats_; }
  // Any tensor after Run (for dumps and tests); batch * per-image bytes.
  const int8_t* TensorData(int tensor_id) const;

 private:
  FixGraphExecutor() = default;
  void AllocateBuffers();
  Status PrepareSteps();  // one step per op
  struct Step;
  const FixGraph* graph_ = nullptr;
  FixGraph owned_;
  int batch_ = 1;
  KernelPath path_ = KernelPath::kReference;
  // mutable: TensorData fills a weight group's own tensor on demand.
  mutable std::vector<std::vector<int8_t>> buffers_;
  std::vector<std::unique_ptr<Step>> steps_;
  // The groups' own tensors of kGroupedConv2d ops (not written by Run):
  // tensor -> its channel range of the op's output.
  struct Slice {
    int from = -1;
    int64_t c0 = 0, channels = 0;
  };
  std::map<int, Slice> slices_;
  int last_count_ = 0;
  int fused_concats_ = 0;
};

}  // namespace signdpu
