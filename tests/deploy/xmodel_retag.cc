// Test helper for deploy_script_dry_run: writes a copy of a compiled xmodel in
// which the N-th DPU subgraph of the root (0-based, XIR's topological order)
// is tagged device "CPU". From the Vitis AI 2.5 MNIST compile (two DPU
// subgraphs) this makes a vai_c_xir output with exactly one DPU subgraph,
// which scripts/deploy.sh must accept for mode run. Not a runnable model.
//   xmodel_retag IN.xmodel OUT.xmodel N
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/xmodel/xmodel_file.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: xmodel_retag IN.xmodel OUT.xmodel N\n");
    return 2;
  }
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  auto graph = signdpu::xmodel::LoadXmodel(argv[1]);
  if (!graph.ok()) {
    std::fprintf(stderr, "xmodel_retag: %s\n", graph.status().message().c_str());
    return 1;
  }
  auto dpu = signdpu::xmodel::DpuSubgraphs(**graph);
  const long n = std::strtol(argv[3], nullptr, 10);
  if (n < 0 || static_cast<size_t>(n) >= dpu.size()) {
    std::fprintf(stderr, "xmodel_retag: %s has %zu DPU subgraphs, no index %ld\n", argv[1], dpu.size(), n);
    return 1;
  }
  try {
    const_cast<xir::Subgraph*>(dpu[static_cast<size_t>(n)])->set_attr<std::string>("device", "CPU");
    (*graph)->serialize(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "xmodel_retag: %s\n", e.what());
    return 1;
  }
  return 0;
}
