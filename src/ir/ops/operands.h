// The operand list of an element-wise op (eltwise-fix, depthwise-fix; private
// to the ir module): tensor inputs (op.inputs, in order) fill the positions
// that the op's const-fix operands (ConstOperand::position) leave free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"

namespace signdpu::ir::internal {

struct Operands {
  std::vector<Shape> shapes;            // per operand (tensors: per image)
  std::vector<int> fix_points;          // per operand
  std::vector<int> tensor_index;        // per operand: index into op.inputs, -1 for a const
  std::vector<std::vector<int8_t>> constants;  // per operand: a copy of the const's bytes (empty for tensors)
  std::vector<int64_t> sizes;           // per operand: elements (per image for tensors)
  // Pointers for image `i` of a batch whose inputs are `inputs`.
  std::vector<const int8_t*> For(const std::vector<const int8_t*>& inputs, int i) const {
    std::vector<const int8_t*> p(shapes.size());
    for (size_t k = 0; k < p.size(); ++k)
      p[k] = tensor_index[k] < 0 ? constants[k].data() : inputs[static_cast<size_t>(tensor_index[k])] + i * sizes[k];
    return p;
  }
};

inline Result<Operands> OperandsOf(const FixGraph& g, const FixOp& op, const std::vector<ConstOperand>& consts,
                                   const std::string& where) {
  const size_t n = op.inputs.size() + consts.size();
  Operands o;
  o.tensor_index.assign(n, -2);
  o.shapes.resize(n);
  o.fix_points.resize(n);
  o.constants.resize(n);
  o.sizes.resize(n);
  for (const ConstOperand& c : consts) {
    if (c.position < 0 || static_cast<size_t>(c.position) >= n || o.tensor_index[c.position] != -2)
      return InvalidArgument(where + ": const operand " + c.name + " at position " + std::to_string(c.position) +
                             " of " + std::to_string(n));
    if (static_cast<int64_t>(c.data.size()) != NumElements(c.shape))
      return InvalidArgument(where + ": const operand " + c.name + " holds " + std::to_string(c.data.size()) +
                             " bytes for shape " + ShapeToString(c.shape));
    const size_t k = static_cast<size_t>(c.position);
    o.tensor_index[k] = -1;
    o.shapes[k] = c.shape;
    o.fix_points[k] = c.fix_point;
    o.constants[k] = c.data;
    o.sizes[k] = NumElements(c.shape);
  }
  size_t next = 0;
  for (size_t k = 0; k < n; ++k) {
    if (o.tensor_index[k] != -2) continue;
    const FixTensor& t = g.tensors[op.inputs[next]];
    o.tensor_index[k] = static_cast<int>(next++);
    o.shapes[k] = t.shape;
    o.fix_points[k] = t.fix_point;
    o.sizes[k] = t.per_image_size();
  }
  return o;
}

}  // namespace signdpu::ir::internal
