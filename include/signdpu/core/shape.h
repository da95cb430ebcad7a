// Shapes and small helpers shared by every module. Activations are NHWC,
// weights OHWI (the XIR convention; docs/xmodel.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace signdpu {

using Shape = std::vector<int64_t>;

// Product of dims; 0 for an empty shape is NOT returned: a scalar has 1 element.
int64_t NumElements(const Shape& shape);
std::string ShapeToString(const Shape& shape);

// NHWC view of a 4-D shape.
struct Nhwc {
  int64_t n = 1, h = 1, w = 1, c = 1;
  int64_t size() const { return n * h * w * c; }
  Shape ToShape() const { return {n, h, w, c}; }
};

}  // namespace signdpu
