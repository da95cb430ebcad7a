#include "signdpu/graph/float_ops.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "signdpu/core/check.h"
#include "signdpu/graph/float_gemm.h"

namespace signdpu::graph::kernels {

namespace {

// Fills one im2col matrix [c*kh*kw, oh*ow] for one image and group.
void Im2Col(const float* x, int64_t c, int64_t h, int64_t w, const Window2d& win, int64_t oh,
            int64_t ow, float* col) {
  for (int64_t ci = 0; ci < c; ++ci) {
    const float* xc = x + ci * h * w;
    for (int64_t ky = 0; ky < win.kernel_h; ++ky) {
      for (int64_t kx = 0; kx < win.kernel_w; ++kx) {
        float* row = col + ((ci * win.kernel_h + ky) * win.kernel_w + kx) * oh * ow;
        const int64_t x_off = kx * win.dilation_w - win.pad_left;
        // Output columns whose input column lies inside [0, w): ox_lo <= ox < ox_hi.
        int64_t ox_lo = 0;
        while (ox_lo < ow && ox_lo * win.stride_w + x_off < 0) ++ox_lo;
        int64_t ox_hi = ow;
        while (ox_hi > ox_lo && (ox_hi - 1) * win.stride_w + x_off >= w) --ox_hi;
        for (int64_t oy = 0; oy < oh; ++oy) {
          float* out = row + oy * ow;
          const int64_t iy = oy * win.stride_h - win.pad_top + ky * win.dilation_h;
          if (iy < 0 || iy >= h) {
            std::fill(out, out + ow, 0.0f);
            continue;
          }
          const float* in = xc + iy * w;
          std::fill(out, out + ox_lo, 0.0f);
          if (win.stride_w == 1) {
            std::memcpy(out + ox_lo, in + ox_lo + x_off, (ox_hi - ox_lo) * sizeof(float));
          } else {
            for (int64_t ox = ox_lo; ox < ox_hi; ++ox) out[ox] = in[ox * win.stride_w + x_off];
          }
          std::fill(out + ox_hi, out + ow, 0.0f);
        }
      }
    }
  }
}

}  // namespace

void Conv2d(const float* x, const float* weight, const float* bias, const Conv2dDims& dims,
            const Window2d& win, float* y, std::vector<float>* scratch) {
  const int64_t n = dims.n, c = dims.c, h = dims.h, w = dims.w, m = dims.m, group = dims.group;
  const int64_t oh = dims.oh, ow = dims.ow;
  const int64_t cg = c / group;
  const int64_t mg = m / group;
  const int64_t k = cg * win.kernel_h * win.kernel_w;
  const int64_t p = oh * ow;
  // A 1x1 stride-1 unpadded conv reads the input directly as the GEMM's B.
  const bool pointwise = win.kernel_h == 1 && win.kernel_w == 1 && win.stride_h == 1 &&
                         win.stride_w == 1 && win.pad_top == 0 && win.pad_left == 0 &&
                         win.pad_bottom == 0 && win.pad_right == 0;
  if (!pointwise && scratch->size() < static_cast<size_t>(k * p)) scratch->resize(k * p);
  for (int64_t ni = 0; ni < n; ++ni) {
    for (int64_t g = 0; g < group; ++g) {
      const float* xg = x + (ni * c + g * cg) * h * w;
      float* yg = y + (ni * m + g * mg) * p;
      const float* col = xg;
      if (!pointwise) {
        Im2Col(xg, cg, h, w, win, oh, ow, scratch->data());
        col = scratch->data();
      }
      if (bias != nullptr) {
        for (int64_t mi = 0; mi < mg; ++mi) std::fill(yg + mi * p, yg + (mi + 1) * p, bias[g * mg + mi]);
      }
      Gemm(mg, p, k, weight + g * mg * k, k, col, p, yg, p, /*accumulate=*/bias != nullptr);
    }
  }
}

namespace {

// Window taps inside the input for one output coordinate: k in [lo, hi)
// gives in = base + k * dilation in [0, size). Precomputing these keeps the
// inner pooling loops free of bounds checks.
struct TapRange {
  int64_t base, lo, hi;
};

std::vector<TapRange> TapRanges(int64_t out, int64_t size, int64_t kernel, int64_t stride,
                                int64_t pad, int64_t dilation) {
  std::vector<TapRange> ranges(out);
  for (int64_t o = 0; o < out; ++o) {
    TapRange& r = ranges[o];
    r.base = o * stride - pad;
    r.lo = r.base >= 0 ? 0 : (-r.base + dilation - 1) / dilation;
    r.hi = size - r.base <= 0 ? 0 : std::min(kernel, (size - r.base + dilation - 1) / dilation);
    if (r.hi < r.lo) r.hi = r.lo;
  }
  return ranges;
}

}  // namespace

void MaxPool2d(const float* x, int64_t nc, int64_t h, int64_t w, const Window2d& win,
               int64_t oh, int64_t ow, float* y) {
  const auto rows = TapRanges(oh, h, win.kernel_h, win.stride_h, win.pad_top, win.dilation_h);
  const auto cols = TapRanges(ow, w, win.kernel_w, win.stride_w, win.pad_left, win.dilation_w);
  for (int64_t i = 0; i < nc; ++i) {
    const float* xc = x + i * h * w;
    float* yc = y + i * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      const TapRange& ry = rows[oy];
      for (int64_t ox = 0; ox < ow; ++ox) {
        const TapRange& rx = cols[ox];
        float best = -std::numeric_limits<float>::infinity();
        for (int64_t ky = ry.lo; ky < ry.hi; ++ky) {
          const float* row = xc + (ry.base + ky * win.dilation_h) * w + rx.base;
          for (int64_t kx = rx.lo; kx < rx.hi; ++kx) best = std::max(best, row[kx * win.dilation_w]);
        }
        yc[oy * ow + ox] = best;
      }
    }
  }
}

void AveragePool2d(const float* x, int64_t nc, int64_t h, int64_t w, const Window2d& win,
                   bool count_include_pad, int64_t oh, int64_t ow, float* y) {
  const auto rows = TapRanges(oh, h, win.kernel_h, win.stride_h, win.pad_top, 1);
  const auto cols = TapRanges(ow, w, win.kernel_w, win.stride_w, win.pad_left, 1);
  for (int64_t i = 0; i < nc; ++i) {
    const float* xc = x + i * h * w;
    float* yc = y + i * oh * ow;
    for (int64_t oy = 0; oy < oh; ++oy) {
      const TapRange& ry = rows[oy];
      for (int64_t ox = 0; ox < ow; ++ox) {
        const TapRange& rx = cols[ox];
        float sum = 0.0f;
        for (int64_t ky = ry.lo; ky < ry.hi; ++ky) {
          const float* row = xc + (ry.base + ky) * w + rx.base;
          for (int64_t kx = rx.lo; kx < rx.hi; ++kx) sum += row[kx];
        }
        // Floor-mode windows never leave the padded input, so with padding
        // counted every window has kh*kw positions.
        const int64_t count = count_include_pad ? win.kernel_h * win.kernel_w
                                                : (ry.hi - ry.lo) * (rx.hi - rx.lo);
        yc[oy * ow + ox] = count > 0 ? sum / static_cast<float>(count) : 0.0f;
      }
    }
  }
}

void GlobalAveragePool(const float* x, int64_t nc, int64_t spatial, float* y) {
  for (int64_t i = 0; i < nc; ++i) {
    double sum = 0.0;
    for (int64_t s = 0; s < spatial; ++s) sum += x[i * spatial + s];
    y[i] = static_cast<float>(sum / static_cast<double>(spatial));
  }
}

void BatchNorm(const float* x, int64_t n, int64_t c, int64_t spatial, const float* s,
               const float* b, const float* mean, const float* var, float epsilon, float* y) {
  std::vector<float> scale(c), shift(c);
  for (int64_t ci = 0; ci < c; ++ci) {
    const double sc = static_cast<double>(s[ci]) / std::sqrt(static_cast<double>(var[ci]) + epsilon);
    scale[ci] = static_cast<float>(sc);
    shift[ci] = static_cast<float>(static_cast<double>(b[ci]) - static_cast<double>(mean[ci]) * sc);
  }
  for (int64_t ni = 0; ni < n; ++ni) {
    for (int64_t ci = 0; ci < c; ++ci) {
      const float* xs = x + (ni * c + ci) * spatial;
      float* ys = y + (ni * c + ci) * spatial;
      const float sc = scale[ci], sh = shift[ci];
      for (int64_t i = 0; i < spatial; ++i) ys[i] = xs[i] * sc + sh;
    }
  }
}

void Relu(const float* x, int64_t count, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void LeakyRelu(const float* x, int64_t count, float alpha, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = x[i] >= 0.0f ? x[i] : alpha * x[i];
}

void Clip(const float* x, int64_t count, float lo, float hi, float* y) {
  for (int64_t i = 0; i < count; ++i) y[i] = std::min(std::max(x[i], lo), hi);
}

namespace {

// Strides of `shape` right-aligned to `rank` dims, 0 where the dim is
// broadcast (size 1 or missing).
std::vector<int64_t> BroadcastStrides(const Shape& shape, size_t rank) {
  std::vector<int64_t> strides(rank, 0);
  int64_t stride = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    const size_t src = shape.size() - 1 - i;
    const size_t dst = rank - 1 - i;
    strides[dst] = shape[src] == 1 ? 0 : stride;
    stride *= shape[src];
  }
  return strides;
}

// Calls fn(offset_a, offset_b, offset_y, inner_count, inner_stride_a,
// inner_stride_b) for each run of the innermost output dim.
template <typename Fn>
void ForEachBroadcastRow(const Shape& a_shape, const Shape& b_shape, const Shape& y_shape, Fn fn) {
  const size_t rank = y_shape.size();
  if (rank == 0) {
    fn(0, 0, 0, 1, 0, 0);
    return;
  }
  const auto sa = BroadcastStrides(a_shape, rank);
  const auto sb = BroadcastStrides(b_shape, rank);
  const int64_t inner = y_shape[rank - 1];
  const int64_t rows = NumElements(y_shape) / std::max<int64_t>(inner, 1);
  std::vector<int64_t> idx(rank, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d + 1 < rank; ++d) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    fn(oa, ob, r * inner, inner, sa[rank - 1], sb[rank - 1]);
    for (size_t d = rank - 1; d-- > 0;) {
      if (++idx[d] < y_shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

namespace {

// y = op(a, b) with numpy broadcasting (Add and Mul share it).
template <typename Op>
void BinaryBroadcast(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape, float* y,
                     const Shape& y_shape, Op op) {
  if (a_shape == b_shape) {
    const int64_t count = NumElements(y_shape);
    for (int64_t i = 0; i < count; ++i) y[i] = op(a[i], b[i]);
    return;
  }
  ForEachBroadcastRow(a_shape, b_shape, y_shape,
                      [&](int64_t oa, int64_t ob, int64_t oy, int64_t count, int64_t da, int64_t db) {
                        const float* pa = a + oa;
                        const float* pb = b + ob;
                        float* py = y + oy;
                        for (int64_t i = 0; i < count; ++i) py[i] = op(pa[i * da], pb[i * db]);
                      });
}

}  // namespace

void AddBroadcast(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape,
                  float* y, const Shape& y_shape) {
  BinaryBroadcast(a, a_shape, b, b_shape, y, y_shape, [](float u, float v) { return u + v; });
}

void MulBroadcast(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape,
                  float* y, const Shape& y_shape) {
  BinaryBroadcast(a, a_shape, b, b_shape, y, y_shape, [](float u, float v) { return u * v; });
}

void Broadcast(const float* x, const Shape& x_shape, float* y, const Shape& y_shape) {
  ForEachBroadcastRow(x_shape, x_shape, y_shape,
                      [&](int64_t ox, int64_t, int64_t oy, int64_t count, int64_t dx, int64_t) {
                        for (int64_t i = 0; i < count; ++i) y[oy + i] = x[ox + i * dx];
                      });
}

void Transpose(const float* x, const Shape& x_shape, const std::vector<int64_t>& perm, float* y) {
  const size_t rank = x_shape.size();
  if (rank == 0) {
    y[0] = x[0];
    return;
  }
  std::vector<int64_t> x_strides(rank, 1);
  for (size_t d = rank - 1; d-- > 0;) x_strides[d] = x_strides[d + 1] * x_shape[d + 1];
  Shape y_shape(rank);
  std::vector<int64_t> strides(rank);  // input stride for each output dim
  for (size_t d = 0; d < rank; ++d) {
    y_shape[d] = x_shape[perm[d]];
    strides[d] = x_strides[perm[d]];
  }
  const int64_t inner = y_shape[rank - 1];
  const int64_t inner_stride = strides[rank - 1];
  const int64_t rows = inner == 0 ? 0 : NumElements(y_shape) / inner;
  std::vector<int64_t> idx(rank, 0);
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = 0;
    for (size_t d = 0; d + 1 < rank; ++d) off += idx[d] * strides[d];
    float* out = y + r * inner;
    for (int64_t i = 0; i < inner; ++i) out[i] = x[off + i * inner_stride];
    for (size_t d = rank - 1; d-- > 0;) {
      if (++idx[d] < y_shape[d]) break;
      idx[d] = 0;
    }
  }
}

void Softmax(const float* x, int64_t outer, int64_t len, int64_t inner, float* y) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < inner; ++in) {
      const float* xs = x + o * len * inner + in;
      float* ys = y + o * len * inner + in;
      float max_v = -std::numeric_limits<float>::infinity();
      for (int64_t i = 0; i < len; ++i) max_v = std::max(max_v, xs[i * inner]);
      double sum = 0.0;
      for (int64_t i = 0; i < len; ++i) {
        const float e = std::exp(xs[i * inner] - max_v);
        ys[i * inner] = e;
        sum += e;
      }
      const float inv = static_cast<float>(1.0 / sum);
      for (int64_t i = 0; i < len; ++i) ys[i * inner] *= inv;
    }
  }
}

void MatMul(const float* a, const Shape& a_shape, const float* b, const Shape& b_shape, float* y,
            const Shape& y_shape) {
  const size_t rank = y_shape.size();
  const int64_t m = a_shape[a_shape.size() - 2];
  const int64_t k = a_shape.back();
  const int64_t n = b_shape.back();
  if (b_shape.size() == 2) {
    // A's batch dims are contiguous rows: one GEMM of [batch*m, k] x [k, n].
    Gemm(NumElements(a_shape) / k, n, k, a, k, b, n, y, n, false);
    return;
  }
  const Shape batch_shape(y_shape.begin(), y_shape.end() - 2);
  const Shape a_batch(a_shape.begin(), a_shape.end() - 2);
  const Shape b_batch(b_shape.begin(), b_shape.end() - 2);
  const auto sa = BroadcastStrides(a_batch, rank - 2);
  const auto sb = BroadcastStrides(b_batch, rank - 2);
  const int64_t batches = NumElements(batch_shape);
  std::vector<int64_t> idx(rank - 2, 0);
  for (int64_t bi = 0; bi < batches; ++bi) {
    int64_t oa = 0, ob = 0;
    for (size_t d = 0; d < rank - 2; ++d) {
      oa += idx[d] * sa[d];
      ob += idx[d] * sb[d];
    }
    Gemm(m, n, k, a + oa * m * k, k, b + ob * k * n, n, y + bi * m * n, n, false);
    for (size_t d = rank - 2; d-- > 0;) {
      if (++idx[d] < batch_shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace signdpu::graph::kernels
