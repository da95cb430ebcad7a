// Shared by the layout ops' files (upsample-fix, downsample-fix, pad-fix,
// reorg-fix, tile-fix, pixel-shuffle-fix; private to the ir module): a
// prepared op that runs a one-image reference kernel image by image, and the
// checks every one of them makes. The ops move bytes, so one code path
// serves every KernelPath.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <memory>
#include <string>

#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/ir/op_registry.h"

namespace signdpu::ir::internal {

template <class Params, void (*Kernel)(const Params&, const int8_t*, int8_t*)>
class PerImageOp final : public PreparedOp {
 public:
  PerImageOp(Params params, int64_t in_size, int64_t out_size)
      : params_(std::move(params)), in_size_(in_size), out_size_(out_size) {}
  void Run(const std::vector<const int8_t*>& inputs, int8_t* output, int count) const override {
    for (int i = 0; i < count; ++i) Kernel(params_, inputs[0] + i * in_size_, output + i * out_size_);
  }

 private:
  Params params_;
  int64_t in_size_, out_size_;  // per image
};

inline const FixTensor& In(const FixGraph& g, const FixOp& op) { return g.tensors[op.inputs[0]]; }
inline const FixTensor& Out(const FixGraph& g, const FixOp& op) { return g.tensors[op.output]; }

inline Status CheckOneInput(const FixOp& op, const std::string& where) {
  if (op.inputs.size() != 1) return InvalidArgument(where + ": expects 1 input, has " + std::to_string(op.inputs.size()));
  return Status::Ok();
}

inline Status CheckMap(const FixTensor& t, const std::string& where) {
  if (t.shape.size() != 4) return Unsupported(where + ": tensor " + t.name + " " + ShapeToString(t.shape) + " is not NHWC");
  return Status::Ok();
}

// The kernel's output map must be the graph's output tensor.
inline Status CheckOutput(const FixTensor& out, const Nhwc& want, const std::string& where) {
  const Shape s = {1, want.h, want.w, want.c};
  if (out.shape != s)
    return InvalidArgument(where + ": output " + out.name + " has shape " + ShapeToString(out.shape) + ", the op makes " +
                           ShapeToString(s));
  return Status::Ok();
}

template <class Params, void (*Kernel)(const Params&, const int8_t*, int8_t*)>
Result<std::unique_ptr<PreparedOp>> Wrap(const FixGraph& g, const FixOp& op, Params p) {
  return std::unique_ptr<PreparedOp>(std::make_unique<PerImageOp<Params, Kernel>>(
      std::move(p), In(g, op).per_image_size(), Out(g, op).per_image_size()));
}

}  // namespace signdpu::ir::internal
