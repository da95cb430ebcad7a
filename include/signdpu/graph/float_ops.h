// Float kernels of the reference executor, one function per op, NCHW.
// Each comment gives the formula; the executor validates shapes and
// attributes (Graph::AddNode / InferNodeShape) before calling, so the kernels
// only DCHECK.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/shape.h"

namespace signdpu::graph::kernels {

// 2-D window geometry (1-D ops use h = 1, kernel_h = 1).
struct Window2d {
  int64_t kernel_h = 1, kernel_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t dilation_h = 1, dilation_w = 1;
};

// y[n][m][oy][ox] = b[m] + sum_{c in group(m), ky, kx}
//     w[m][c'][ky][kx] * x[n][c][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw]  (0 outside)
// via im2col + Gemm. x [n,c,h,w], w [m,c/group,kh,kw], bias [m] or nullptr.
// `scratch` grows to (c/group)*kh*kw*oh*ow floats. The sizes come in one
// struct (they were eight loose integer parameters).
struct Conv2dDims {
  int64_t n = 1, c = 1, h = 1, w = 1;  // input [n,c,h,w]
  int64_t m = 1;                       // output channels
  int64_t group = 1;
  int64_t oh = 1, ow = 1;              // output spatial size
};
void Conv2d(const float* x, const float* weight, const float* bias, const Conv2dDims& dims,
            const Window2d& win, float* y, std::vector<float>* scratch);

// Max over the window, padding ignored (never wins).
void MaxPool2d(const float* x, int64_t nc, int64_t h, int64_t w, const Window2d& win,
               int64_t oh, int64_t ow, float* y);

// Mean over the window. count_include_pad: divide by kh*kw (pads count as 0);
// otherwise by the number of window positions inside the input.
void AveragePool2d(const float* x, int64_t nc, int64_t h, int64_t w, const Window2d& win,
                   bool count_include_pad, int64_t oh, int64_t ow, float* y);

// y[nc] = mean of x[nc][0..spatial).
void GlobalAveragePool(const float* x, int64_t nc, int64_t spatial, float* y);

// y = x * scale[c] + shift[c] with scale = s / sqrt(var + eps), shift = b - mean * scale.
void BatchNorm(const float* x, int64_t n, int64_t c, int64_t spatial, const float* s,
               const float* b, const float* mean, const float* var, float epsilon, float* y);

void Relu(const float* x, int64_t count, float* y);
void LeakyRelu(const float* x, int64_t count, float alpha, float* y);
// y = min(max(x, lo), hi)
void Clip(const float* x, int64_t count, float lo, float hi, float* y);

// Numpy-broadcast a + b into out_shape.
void AddBroadcast(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape,
                  float* y, const Shape& y_shape);

// Numpy-broadcast a * b into out_shape.
void MulBroadcast(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape,
                  float* y, const Shape& y_shape);

// Writes `x` broadcast from x_shape to y_shape.
void Broadcast(const float* x, const Shape& x_shape, float* y, const Shape& y_shape);

// y[perm-permuted index] = x; y_shape[i] = x_shape[perm[i]].
void Transpose(const float* x, const Shape& x_shape, const std::vector<int64_t>& perm, float* y);

// Softmax over `len` values spaced `inner` apart, for outer * inner groups:
// y = exp(x - max) / sum exp(x - max).
void Softmax(const float* x, int64_t outer, int64_t len, int64_t inner, float* y);

// ONNX Resize, nearest (src/graph/ops/resize.cc): the input index that output
// index `o` of an axis of `in_len` -> `out_len` reads, for the normalised
// coordinate_transformation_mode and nearest_mode strings.
int64_t ResizeNearestSource(int64_t o, int64_t in_len, int64_t out_len, double scale, const std::string& coord,
                            const std::string& nearest);

// numpy matmul with batch broadcasting: a [..., m, k], b [..., k, n].
void MatMul(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape, float* y,
            const Shape& y_shape);

}  // namespace signdpu::graph::kernels
