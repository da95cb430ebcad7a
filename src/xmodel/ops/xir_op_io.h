// The XIR read/write half of the op registry (internal to the xmodel
// module): one XirOpIo per FixOpKind, registered in its own file beside the
// op (ops/<op>_xir.cc), keyed by XIR op type. The DPU subgraph reader, the
// host writer and the quantiser-format writer are loops over it; the
// contexts below are what those loops lend an op's read or write function.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>
#include <xir/attrs/attrs.hpp>
#include <xir/op/op.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"

namespace signdpu::xmodel::internal {

// Sanity bounds for window attributes (the DPU's own limits are narrower:
// conv kernel 1-16, stride 1-8 for B4096; the quantiser enforces those).
constexpr int kMaxWindow = 255;

// What the DPU subgraph reader lends an op's read function.
class XirReadContext {
 public:
  virtual ~XirReadContext() = default;
  virtual const FixGraph& graph() const = 0;
  // The ops feeding argument `arg`: between min_count and max_count of them.
  virtual Result<std::vector<const xir::Op*>> ArgOps(const xir::Op* op, const std::string& arg, size_t min_count,
                                                     size_t max_count, const std::string& where) = 0;
  // Fails on an argument with inputs that is not in `allowed`.
  virtual Status CheckArgNames(const xir::Op* op, const std::set<std::string>& allowed,
                               const std::string& where) = 0;
  // The FixGraph tensor id of an activation input (a subgraph input or an
  // op output read before).
  virtual Result<int> ActivationId(const xir::Op* input_op, const std::string& where) = 0;
  // An int-vector attribute of `size` values in [lo, hi]; `fallback` (when
  // not empty) stands for a missing attribute.
  virtual Result<std::vector<int>> WindowAttr(const xir::Op* op, const char* key, size_t size, int lo, int hi,
                                              std::vector<int> fallback, const std::string& where) = 0;
  // The bytes of a const-fix op (its data, or its register slice).
  virtual Result<std::vector<int8_t>> ConstBytes(const xir::Op* c, const std::string& user) = 0;
  virtual Status ReadFixInfo(const xir::Tensor* t, const std::string& where, int* fix_point, int* bit_width,
                             bool* if_signed) = 0;
};

// An op of the host xmodel as an op's write function describes it; the
// writer adds the `input` argument, the output fix attributes and the name.
struct HostOp {
  const char* type = nullptr;
  std::unique_ptr<xir::Attrs> attrs;
  std::map<std::string, std::vector<xir::Op*>> inputs;  // besides `input`
};

class HostWriteContext {
 public:
  virtual ~HostWriteContext() = default;
  // A const-fix op holding `data` (XINT8) at `fix_point`.
  virtual xir::Op* AddConst(const std::string& name, const Shape& shape, const std::vector<int8_t>& data,
                            int fix_point) = 0;
};

// What the quantiser-format writer lends an op's write function. Every
// Add* plans the op's name only while the writer plans names (then it
// returns null and no XIR call is made).
class QuantizerWriteContext {
 public:
  virtual ~QuantizerWriteContext() = default;
  virtual const FixGraph& graph() const = 0;
  // A float op named NndctOpName(raw_name).
  virtual xir::Op* Add(const std::string& raw_name, const char* type, std::unique_ptr<xir::Attrs> attrs,
                       const std::map<std::string, std::vector<xir::Op*>>& inputs) = 0;
  // const (float32, q * 2^-fp) -> fix
  virtual xir::Op* AddConst(const std::string& name, const Shape& shape, const std::vector<int8_t>& q,
                            int fix_point) = 0;
  // op "<name>_i0" -> mul(op, const "<name>_i1" = scale) "<name>", as nndct
  // writes average pooling and hard-sigmoid.
  virtual xir::Op* AddScaled(const std::string& name, xir::Op* value, float scale) = 0;
  // A fused activation as its own float op, vai_q style (input when none).
  virtual xir::Op* AddActivation(const std::string& base, Activation act, xir::Op* input) = 0;
  // `value` computes tensor `tensor_id`: adds its fix op unless only
  // concats read the tensor, and checks XIR's shape.
  virtual Status Finish(xir::Op* value, int tensor_id) = 0;
  virtual xir::Op* FixOf(int tensor_id) const = 0;    // null if only concats read it
  virtual xir::Op* FloatOf(int tensor_id) const = 0;  // the float op computing it
  virtual bool IsGraphInput(int tensor_id) const = 0;
  // A conv (kernel = whole input, 1x1 output) whose only user is a copy to
  // [1, O]: written as flatten + matmul, which also writes the copy.
  virtual bool IsDense(size_t op_index) const = 0;
  virtual void Skip(size_t op_index) = 0;  // an op written by an earlier one
};

struct XirOpIo {
  FixOpKind kind;
  // XIR op types of compiled xmodels read as this kind; the first is the one
  // the host writer writes.
  std::vector<std::string> types;
  // Reads the op's inputs and attributes into `f` (the reader adds the
  // output tensor afterwards).
  Status (*read)(XirReadContext& ctx, const xir::Op* op, const std::string& type, const std::string& where,
                 FixOp* f);
  // After the output tensor is known (null: nothing to do).
  Status (*read_done)(const FixGraph& g, const std::string& where, FixOp* f);
  // Names of the const ops the host writer adds for the op, in order (null:
  // none).
  void (*host_consts)(const FixOp& f, std::vector<std::string>* names);
  void (*write_host)(HostWriteContext& ctx, const FixGraph& g, const FixOp& f, HostOp* op);
  // `ins`: the fix ops of the op's inputs.
  Status (*write_quantizer)(QuantizerWriteContext& ctx, size_t op_index, const std::vector<xir::Op*>& ins);
};

// Every registration, in FixOpKind order (ops/xir_op_registry.cc: an
// explicit list, so the linker cannot drop one).
const std::vector<const XirOpIo*>& AllXirOpIos();
const XirOpIo* FindXirOpIo(FixOpKind kind);               // null if none
const XirOpIo* FindXirOpIoByType(const std::string& type);  // null if none

// Shared by the conv-like registrations (defined in ops/conv2d_fix_xir.cc):
// input, window, nonlinear, weights and bias of a *conv2d-fix op (ConvAttrs);
// the const names, host attributes and the quantiser-format conv (the op's
// type from its kind).
Status ReadConvCommon(XirReadContext& ctx, const xir::Op* op, bool depthwise, const std::string& where, FixOp* f);
void HostConsts(const FixOp& f, std::vector<std::string>* names);
void WriteConvHost(HostWriteContext& ctx, const FixGraph& g, const FixOp& f, HostOp* op);
Status WriteQuantizerConv(QuantizerWriteContext& ctx, const FixOp& f, xir::Op* input);

// The registrations, one per op file.
const XirOpIo& Conv2dFixXir();
const XirOpIo& DepthwiseConv2dFixXir();
const XirOpIo& PoolFixXir();
const XirOpIo& EltwiseFixXir();
const XirOpIo& CopyFixXir();
const XirOpIo& HardSigmoidFixXir();
const XirOpIo& ConcatFixXir();
const XirOpIo& DepthwiseFixXir();
const XirOpIo& UpsampleFixXir();
const XirOpIo& DownsampleFixXir();
const XirOpIo& PadFixXir();
const XirOpIo& ReorgFixXir();
const XirOpIo& TileFixXir();
const XirOpIo& PixelShuffleFixXir();
const XirOpIo& TransposedConv2dFixXir();
const XirOpIo& TransposedDepthwiseConv2dFixXir();

}  // namespace signdpu::xmodel::internal
