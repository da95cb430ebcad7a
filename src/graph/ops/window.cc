// The window attributes shared by Conv, MaxPool and AveragePool: their import
// (auto_pad, ceil_mode), validation, output size and the kernels' Window2d.
#include <algorithm>

#include "../onnx/import_context.h"
#include "op_util.h"

namespace signdpu::graph {

Status ImportContext::Window(Node* node, bool is_conv) const {
  SIGNDPU_ASSIGN_OR_RETURN(Shape x, ShapeOf(node->inputs[0]));
  if (x.size() == 5) {
    return NodeUnsupported(*node, "3-D windows (input " + ShapeToString(x) +
                                      ") are not supported; only 1-D and 2-D");
  }
  if (x.size() != 3 && x.size() != 4) {
    return NodeError(*node, "input '" + node->inputs[0] + "' has rank " + std::to_string(x.size()) +
                                " " + ShapeToString(x) + ", expected 3 or 4 (N,C,(H,)W)");
  }
  const size_t spatial = x.size() - 2;
  std::vector<int64_t> kernel;
  if (is_conv) {
    SIGNDPU_ASSIGN_OR_RETURN(Shape w, ShapeOf(node->inputs[1]));
    if (w.size() != x.size()) {
      return NodeError(*node, "weight " + ShapeToString(w) + " rank differs from input " + ShapeToString(x));
    }
    SIGNDPU_ASSIGN_OR_RETURN(kernel, attrs.Ints("kernel_shape", std::vector<int64_t>(w.begin() + 2, w.end())));
  } else {
    SIGNDPU_ASSIGN_OR_RETURN(kernel, attrs.Ints("kernel_shape", {}));
    if (kernel.empty()) return NodeError(*node, "kernel_shape is required");
  }
  SIGNDPU_ASSIGN_OR_RETURN(auto strides, attrs.Ints("strides", std::vector<int64_t>(spatial, 1)));
  SIGNDPU_ASSIGN_OR_RETURN(auto pads, attrs.Ints("pads", std::vector<int64_t>(2 * spatial, 0)));
  SIGNDPU_ASSIGN_OR_RETURN(auto dilations, attrs.Ints("dilations", std::vector<int64_t>(spatial, 1)));
  SIGNDPU_ASSIGN_OR_RETURN(std::string auto_pad, attrs.String("auto_pad", "NOTSET"));
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial ||
      dilations.size() != spatial) {
    return NodeError(*node, "kernel_shape/strides/pads/dilations lengths do not match " +
                                std::to_string(spatial) + " spatial dims");
  }
  // Bounded so that the pad and size arithmetic below cannot overflow.
  for (size_t i = 0; i < spatial; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || kernel[i] > kMaxWindowAttr ||
        strides[i] > kMaxWindowAttr || dilations[i] > kMaxWindowAttr) {
      return NodeError(*node, "kernel_shape, strides and dilations must be in [1, 2^24]");
    }
  }
  for (int64_t p : pads) {
    if (p < 0 || p > kMaxWindowAttr) return NodeError(*node, "pads must be in [0, 2^24]");
  }
  if (auto_pad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    // Output = ceil(in / stride); the odd pad goes to the end (UPPER) or begin (LOWER).
    for (size_t i = 0; i < spatial; ++i) {
      const int64_t in = x[2 + i];
      const int64_t out = (in + strides[i] - 1) / strides[i];
      const int64_t total = std::max<int64_t>(
          0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
      const int64_t small = total / 2, large = total - total / 2;
      pads[i] = auto_pad == "SAME_UPPER" ? small : large;
      pads[i + spatial] = auto_pad == "SAME_UPPER" ? large : small;
    }
  } else if (auto_pad != "NOTSET" && !auto_pad.empty()) {
    return NodeError(*node, "unknown auto_pad '" + auto_pad + "'");
  }
  node->attrs.Set("kernel_shape", kernel);
  node->attrs.Set("strides", strides);
  node->attrs.Set("pads", pads);
  node->attrs.Set("dilations", dilations);

  SIGNDPU_ASSIGN_OR_RETURN(int64_t ceil_mode, attrs.Int("ceil_mode", 0));
  if (ceil_mode != 0) return CheckCeilModeChangesNothing(*node, x);
  return Status::Ok();
}

// ceil_mode=1 is accepted only when it changes nothing: ceil and floor give
// the same output size for every spatial dim.
Status ImportContext::CheckCeilModeChangesNothing(const Node& node, const Shape& x) const {
  const size_t spatial = x.size() - 2;
  const auto kernel = node.attrs.GetInts("kernel_shape");
  const auto strides = node.attrs.GetInts("strides");
  const auto pads = node.attrs.GetInts("pads");
  const auto dilations = node.attrs.GetInts("dilations");
  for (size_t i = 0; i < spatial; ++i) {
    const int64_t span = dilations[i] * (kernel[i] - 1) + 1;
    const int64_t room = x[2 + i] + pads[i] + pads[i + spatial] - span;
    const int64_t floor_out = room / strides[i] + 1;
    int64_t ceil_out = (room + strides[i] - 1) / strides[i] + 1;
    // ONNX drops a last window that would start inside the end padding.
    if ((ceil_out - 1) * strides[i] >= x[2 + i] + pads[i]) --ceil_out;
    if (room >= 0 && ceil_out != floor_out) {
      return NodeUnsupported(node, "ceil_mode=1 changes output dim " + std::to_string(i) +
                                       " from " + std::to_string(floor_out) + " to " +
                                       std::to_string(ceil_out) +
                                       " for input " + ShapeToString(x) +
                                       "; only ceil_mode=0 is supported");
    }
  }
  return Status::Ok();
}

namespace ops {

Status CheckSpatialRank(const Node& node, const Shape& x) {
  if (x.size() != 3 && x.size() != 4) {
    return NodeError(node, "input '" + node.inputs[0] + "' has rank " +
                               std::to_string(x.size()) + " " + ShapeToString(x) +
                               ", expected 3 or 4 (N,C,(H,)W)");
  }
  return Status::Ok();
}

Result<Shape> WindowSpatialOut(const Node& node, const Shape& x) {
  const size_t spatial = x.size() - 2;
  const auto kernel = node.attrs.GetInts("kernel_shape");
  const auto strides = node.attrs.GetInts("strides", std::vector<int64_t>(spatial, 1));
  const auto pads = node.attrs.GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
  const auto dilations = node.attrs.GetInts("dilations", std::vector<int64_t>(spatial, 1));
  if (kernel.size() != spatial || strides.size() != spatial || pads.size() != 2 * spatial ||
      dilations.size() != spatial) {
    return NodeError(node, "kernel_shape/strides/pads/dilations (" + node.attrs.ToString() +
                               ") do not match " + std::to_string(spatial) +
                               " spatial dims of input " + ShapeToString(x));
  }
  Shape out(spatial);
  for (size_t i = 0; i < spatial; ++i) {
    if (kernel[i] < 1 || strides[i] < 1 || dilations[i] < 1 || pads[i] < 0 ||
        pads[i + spatial] < 0 || kernel[i] > kMaxWindowAttr || strides[i] > kMaxWindowAttr ||
        dilations[i] > kMaxWindowAttr || pads[i] > kMaxWindowAttr ||
        pads[i + spatial] > kMaxWindowAttr) {
      return NodeError(node, "invalid window attributes " + node.attrs.ToString());
    }
    out[i] = WindowOutputSize(x[2 + i], kernel[i], strides[i], pads[i], pads[i + spatial],
                              dilations[i]);
    if (out[i] < 1) {
      return NodeError(node, "window (" + node.attrs.ToString() + ") does not fit input " +
                                 ShapeToString(x));
    }
  }
  return out;
}

kernels::Window2d MakeWindow(const Node& node, const Shape& x, const Shape* weight) {
  const size_t spatial = x.size() - 2;
  std::vector<int64_t> kernel = node.attrs.GetInts("kernel_shape");
  if (kernel.empty() && weight != nullptr) kernel.assign(weight->begin() + 2, weight->end());
  const auto strides = node.attrs.GetInts("strides", std::vector<int64_t>(spatial, 1));
  const auto pads = node.attrs.GetInts("pads", std::vector<int64_t>(2 * spatial, 0));
  const auto dilations = node.attrs.GetInts("dilations", std::vector<int64_t>(spatial, 1));
  kernels::Window2d win;
  if (spatial == 2) {
    win.kernel_h = kernel[0];
    win.kernel_w = kernel[1];
    win.stride_h = strides[0];
    win.stride_w = strides[1];
    win.pad_top = pads[0];
    win.pad_left = pads[1];
    win.pad_bottom = pads[2];
    win.pad_right = pads[3];
    win.dilation_h = dilations[0];
    win.dilation_w = dilations[1];
  } else {  // 1-D: a 2-D window of height 1
    win.kernel_w = kernel[0];
    win.stride_w = strides[0];
    win.pad_left = pads[0];
    win.pad_right = pads[1];
    win.dilation_w = dilations[0];
  }
  return win;
}

std::pair<int64_t, int64_t> SpatialHw(const Shape& s) {
  return s.size() == 4 ? std::make_pair(s[2], s[3]) : std::make_pair(int64_t{1}, s[2]);
}

}  // namespace ops
}  // namespace signdpu::graph
