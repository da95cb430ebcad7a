// Test helper for fixtures_dump_mnist: do two compiled xmodels hold the same
// DPU program weights? Reads every DPU subgraph of both with ReadDpuSubgraph
// (weights from reg_id_to_parameter_value, OHWI) and compares, subgraph by
// subgraph and op by op in order, each conv's int8 weights and bias.
// Prints one line per conv; exit 0 when all are equal, 1 when any differs or
// the structure differs, 2 on a file that cannot be read.
//   xmodel_weights_equal A.xmodel B.xmodel
#include <cstdio>
#include <string>

#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: xmodel_weights_equal A.xmodel B.xmodel\n");
    return 2;
  }
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  auto a = signdpu::xmodel::LoadXmodel(argv[1]);
  auto b = signdpu::xmodel::LoadXmodel(argv[2]);
  if (!a.ok() || !b.ok()) {
    std::fprintf(stderr, "xmodel_weights_equal: %s\n", (!a.ok() ? a.status() : b.status()).message().c_str());
    return 2;
  }
  const auto sa = signdpu::xmodel::DpuSubgraphs(**a);
  const auto sb = signdpu::xmodel::DpuSubgraphs(**b);
  if (sa.size() != sb.size()) {
    std::printf("DPU subgraphs differ in number: %zu vs %zu\n", sa.size(), sb.size());
    return 1;
  }
  bool equal = true;
  size_t convs = 0;
  for (size_t i = 0; i < sa.size(); ++i) {
    auto fa = signdpu::xmodel::ReadDpuSubgraph(sa[i]);
    auto fb = signdpu::xmodel::ReadDpuSubgraph(sb[i]);
    if (!fa.ok() || !fb.ok()) {
      std::fprintf(stderr, "xmodel_weights_equal: %s\n", (!fa.ok() ? fa.status() : fb.status()).message().c_str());
      return 2;
    }
    if (fa->ops.size() != fb->ops.size()) {
      std::printf("subgraph %zu: %zu vs %zu ops\n", i, fa->ops.size(), fb->ops.size());
      return 1;
    }
    for (size_t j = 0; j < fa->ops.size(); ++j) {
      const auto& x = fa->ops[j];
      const auto& y = fb->ops[j];
      if (x.kind != y.kind) {
        std::printf("subgraph %zu op %zu: kinds differ (%s vs %s)\n", i, j, x.name.c_str(), y.name.c_str());
        return 1;
      }
      const signdpu::ConvAttrs* xc = x.AttrsIf<signdpu::ConvAttrs>();
      const signdpu::ConvAttrs* yc = y.AttrsIf<signdpu::ConvAttrs>();
      if (xc == nullptr || yc == nullptr || (xc->weights.empty() && yc->weights.empty())) continue;
      ++convs;
      const bool same = xc->weights == yc->weights && xc->bias == yc->bias;
      std::printf("subgraph %zu %s: %zu weights, %zu biases: %s\n", i, x.name.c_str(), xc->weights.size(),
                  xc->bias.size(), same ? "equal" : "DIFFERENT");
      equal = equal && same;
    }
  }
  if (convs == 0) {
    std::printf("no weights found\n");
    return 1;
  }
  return equal ? 0 : 1;
}
