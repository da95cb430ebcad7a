// The pixel table of io/pixels.h: (pixel - mean) * scale quantised with
// DPU_ROUND at the input fix point.
#include "signdpu/io/pixels.h"

#include <gtest/gtest.h>

#include "signdpu/fixpoint/fixpoint.h"

namespace signdpu::io {
namespace {

TEST(PixelTable, DefaultMeanAndScaleAreThePixelOver255TableBitForBit) {
  // The runner now applies a model's stored mean / scale; signdpu-quantize
  // stores 0 and 1/255, so every model it wrote must quantise as before.
  for (int fp = -16; fp <= 24; ++fp) {
    const int8_t* t = PixelTable(fp, 0.0f, 1.0f / 255.0f);
    for (int p = 0; p < 256; ++p)
      ASSERT_EQ(t[p], QuantizeDpu(static_cast<float>(p) / 255.0f, fp)) << "pixel " << p << " fix_point " << fp;
  }
}

TEST(PixelTable, AppliesTheModelsMeanAndScale) {
  const int8_t* t = PixelTable(4, 127.5f, 1.0f / 127.5f);  // [-1, 1] at 2^-4
  EXPECT_EQ(t[0], -16);
  EXPECT_EQ(t[255], 16);
  EXPECT_EQ(t[128], QuantizeDpu((128.0f - 127.5f) / 127.5f, 4));
  PreprocessConfig c;
  c.height = 1;
  c.width = 2;
  c.fix_point = 4;
  c.mean = 127.5f;
  c.scale = 1.0f / 127.5f;
  int8_t out[2];
  ASSERT_TRUE(PreprocessPixels({0, 255}, c, out).ok());
  EXPECT_EQ(out[0], -16);
  EXPECT_EQ(out[1], 16);
  c.mean = 0.0f;
  c.scale = 1.0f / 255.0f;
  ASSERT_TRUE(PreprocessPixels({0, 255}, c, out).ok());  // the cache follows the change
  EXPECT_EQ(out[0], 0);
  EXPECT_EQ(out[1], 16);
}

}  // namespace
}  // namespace signdpu::io
