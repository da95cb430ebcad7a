#include "signdpu/kernels/reference/window.h"

namespace signdpu {

int64_t WindowOutputSize(int64_t in, int kernel, int stride, int dilation, int pad_begin, int pad_end) {
  const int64_t span = int64_t{dilation} * (kernel - 1) + 1;
  const int64_t padded = in + pad_begin + pad_end;
  if (stride <= 0 || padded < span) return 0;
  return (padded - span) / stride + 1;
}

Status CheckWindow(const Nhwc& in, const WindowGeometry& w, const std::string& name) {
  if (in.n <= 0 || in.h <= 0 || in.w <= 0 || in.c <= 0)
    return InvalidArgument(name + ": input shape " + ShapeToString(in.ToShape()) + " has a non-positive dim");
  if (w.kernel_h <= 0 || w.kernel_w <= 0 || w.stride_h <= 0 || w.stride_w <= 0 || w.dilation_h <= 0 ||
      w.dilation_w <= 0)
    return InvalidArgument(name + (w.dilated ? ": kernel, stride and dilation must be positive"
                                             : ": kernel and stride must be positive"));
  if (w.pad_left < 0 || w.pad_right < 0 || w.pad_top < 0 || w.pad_bottom < 0)
    return InvalidArgument(name + ": negative padding");
  return Status::Ok();
}

int64_t WindowOutputH(const Nhwc& in, const WindowGeometry& w) {
  return WindowOutputSize(in.h, w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom);
}

int64_t WindowOutputW(const Nhwc& in, const WindowGeometry& w) {
  return WindowOutputSize(in.w, w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right);
}

}  // namespace signdpu
