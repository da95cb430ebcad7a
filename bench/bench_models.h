// The two heavy models of the op set (issue 18) that scripts/bench.sh times,
// built deterministically as FixGraphs (no trained weights are needed to time
// int8 arithmetic): a transposed-conv decoder and a depthwise-separable net.
//
// Weights are seeded random int8; fix points follow the data flowing through
// the graph, as in a trained net whose batch norms were folded into the
// convs: activations keep their fix point from layer to layer (a few layers
// change it on purpose, e.g. so that the decoder's skip concat aligns two fix
// points), and each conv's weight fix point is chosen so that the measured rms
// of its accumulator, shifted to the output fix point, is about 32 (a quarter
// of the int8 range): the outputs neither saturate nor vanish. The shift
// (shift_cut) and hence the weight fix point lie in the DPU's range [0, 16];
// the bias is at the output's fix point. The builder runs every op on a seeded
// input as it adds it, to measure that rms and, at the end, the share of
// saturated outputs (reported by bench/model_bench.cc and checked by
// tests/emu/bench_models_test.cc).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/ir/fix_graph.h"

namespace signdpu::bench {

struct LayerStats {
  std::string name;
  int64_t values = 0;     // elements of the op's output (one frame)
  int64_t saturated = 0;  // of them at -128 or 127, or at RELU6's ceiling 6 * 2^fix_point when below 127
  int64_t zero = 0;
};

struct BenchModel {
  FixGraph graph;
  std::vector<int8_t> input;       // one frame for the graph's single input (the calibration frame)
  std::vector<LayerStats> layers;  // one per op, on `input`
  double saturated_share() const;  // saturated / values over all op outputs
  double max_layer_saturated_share() const;
};

// U-Net/autoencoder-style decoder. With width w and input side s:
//   in [1,s,s,2w] -> conv 3x3 8w RELU -> tconv 4x4/2 4w RELU (2s) -> tconv 4w->2w RELU (4s)
//   -> concat-fix with upsample-fix NEAREST x4 of the input (the skip; the two
//      inputs arrive at different fix points) -> conv 3x3 4w->2w RELU
//   -> tconv 4x4/2 w RELU (8s) -> conv 3x3 3 (the image, [1,8s,8s,3]).
// The bench size (s 16, w 64) is 128x128x3 output, 3.00 GMAC per frame (2,997,878,784 MACs).
struct DecoderSize {
  int in_side = 16;
  int64_t width = 64;
};
Result<BenchModel> MakeDecoder(const DecoderSize& size, uint32_t seed);

// MobileNet-v1-style net: conv 3x3/2 32 RELU6, then 13 blocks of
// depthwise-conv2d-fix 3x3 (stride 1 or 2) RELU6 + pointwise conv2d-fix 1x1
// RELU6 (64 .. 1024 channels), global avg pool-fix, a 1x1 conv to the
// classes. Channels are divided by `channel_divisor`. The bench size (224,
// divisor 1, 1000 classes) is 0.57 GMAC per frame (568,740,352 MACs).
struct DwSeparableSize {
  int in_side = 224;  // a multiple of 32
  int channel_divisor = 1;
  int64_t classes = 1000;
};
Result<BenchModel> MakeDwSeparable(const DwSeparableSize& size, uint32_t seed);

// MACs of one frame: every conv-like output times its reduction depth (taps x
// input channels; taps for depthwise); a transposed conv's outputs count the
// ceil(k/s) taps per axis that can be non-zero. Border taps that read padding
// count too (the usual convention). Other ops count 0.
int64_t MacsPerFrame(const FixGraph& graph);

// The graph of `op` alone: its input tensors (graph inputs 0..n-1) and its
// output tensor, names and fix points kept.
FixGraph OneOpGraph(const FixGraph& graph, const FixOp& op);

}  // namespace signdpu::bench
