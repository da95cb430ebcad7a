// The one window validation and output size (kernels/reference/window.h)
// as conv2d-fix and pool-fix report them.
#include "signdpu/kernels/reference/window.h"

#include <gtest/gtest.h>

#include "signdpu/kernels/reference/conv2d_fix.h"
#include "signdpu/kernels/reference/pool_fix.h"

namespace signdpu {
namespace {

TEST(Window, OutputSizeFormula) {
  EXPECT_EQ(WindowOutputSize(28, 3, 1, 1, 1, 1), 28);  // same padding
  EXPECT_EQ(WindowOutputSize(28, 2, 2, 1, 0, 0), 14);  // 2x2 pool
  EXPECT_EQ(WindowOutputSize(7, 3, 2, 2, 0, 0), 2);    // dilated span 5
  EXPECT_EQ(WindowOutputSize(2, 5, 1, 1, 0, 0), 0);    // does not fit
  EXPECT_EQ(WindowOutputSize(8, 3, 0, 1, 0, 0), 0);    // bad stride
}

TEST(Window, ConvAndPoolRefuseTheSameWindowsWithTheSameWords) {
  ConvConfig conv;
  conv.input = {1, 6, 6, 2};
  conv.out_channels = 4;
  PoolConfig pool;
  pool.input = {1, 6, 6, 2};
  pool.kernel_h = pool.kernel_w = 2;
  pool.stride_h = pool.stride_w = 2;
  auto conv_error = [&](ConvConfig c) { return MakeConvParams(c, "c").status().message(); };
  auto pool_error = [&](PoolConfig p) { return MakePoolParams(p, "p").status().message(); };

  ConvConfig c = conv;
  c.input.h = 0;
  PoolConfig p = pool;
  p.input.h = 0;
  EXPECT_EQ(conv_error(c), "c: input shape [1,0,6,2] has a non-positive dim");
  EXPECT_EQ(pool_error(p), "p: input shape [1,0,6,2] has a non-positive dim");

  c = conv;
  c.stride_w = 0;
  p = pool;
  p.stride_w = 0;
  EXPECT_EQ(conv_error(c), "c: kernel, stride and dilation must be positive");
  EXPECT_EQ(pool_error(p), "p: kernel and stride must be positive");

  c = conv;
  c.pad_right = -1;
  p = pool;
  p.pad_right = -1;
  EXPECT_EQ(conv_error(c), "c: negative padding");
  EXPECT_EQ(pool_error(p), "p: negative padding");

  c = conv;
  c.kernel_h = 9;
  p = pool;
  p.kernel_h = 9;
  p.stride_h = 1;
  EXPECT_EQ(conv_error(c), "c: kernel larger than the padded input");
  EXPECT_EQ(pool_error(p), "p: kernel larger than the padded input");
}

}  // namespace
}  // namespace signdpu
