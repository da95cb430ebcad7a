// libFuzzer target: ONNX import of arbitrary bytes returns a graph or a
// Status; an imported graph must also survive shape inference and lowering.
#include <cstdint>
#include <string>

#include "signdpu/graph/onnx_import.h"
#include "signdpu/quantize/lower.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  auto g = signdpu::graph::ImportOnnxBytes(bytes, "fuzz.onnx");
  if (!g.ok()) return 0;
  (void)g->InferShapes(2);
  (void)signdpu::quantize::LowerToDpu(*g, "fuzz");
  return 0;
}
