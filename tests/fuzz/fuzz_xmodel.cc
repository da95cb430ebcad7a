// libFuzzer target: our xmodel validation in front of XIR. Bytes that pass
// validation are handed to XIR's deserializer, so a crash here means the
// validation let through something XIR aborts on.
#include <cstdint>
#include <string>

#include <xir/graph/graph.hpp>

#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xmodel_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static bool init = [] {
    signdpu::xmodel::InitGoogleLoggingOnce("fuzz_xmodel");
    return true;
  }();
  (void)init;
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto g = signdpu::xmodel::LoadXmodelFromBytes(bytes, "fuzz.xmodel");
  if (!g.ok()) return 0;
  for (const auto* sg : signdpu::xmodel::DpuSubgraphs(**g)) (void)signdpu::xmodel::ReadDpuSubgraph(sg);
  return 0;
}
