// Writers for the two xmodel formats of the tool flow (docs/xmodel.md):
//
// 1. Host ("compiled-style") xmodel: what runs through VART on the host with
//    the signdpu emulator plugin. Subgraph tree root -> USER (data-fix per
//    input) -> DPU (const-fix, conv2d-fix, depthwise-conv2d-fix, pool-fix,
//    eltwise-fix, hard-sigmoid-fix, reshape-fix; weights as bytes in `data`)
//    -> CPU (fix2float, then softmax when requested). The DPU subgraph names
//    DPUCZDX8G_ISA1_B4096 with the target factory's fingerprint and a
//    `runner` map whose "ref" and "sim" entries are
//    libvart-signdpu-emu-runner.so and "run" is libvart-dpu-runner.so.
//    It has no mc_code: it cannot run on a real DPU.
// 2. Quantiser-format xmodel (`<name>_int.xmodel`): float ops with explicit
//    `fix` ops, mirroring vai_q_pytorch's output (data -> fix -> conv2d with
//    weights const -> fix ... -> softmax), which Xilinx's vai_c_xir compiles.
//    Whether vai_c_xir accepts our file is UNVERIFIED (no compiler here).
//
// Both validate the FixGraph first, build the XIR graph in memory, check that
// XIR's inferred shapes equal the FixGraph's, then write to a temporary file
// in the target directory and rename it, so an error never leaves a partial
// file behind.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "signdpu/core/status.h"
#include "signdpu/kernels/fix_graph.h"

namespace xir {
class Graph;
}  // namespace xir

namespace signdpu::xmodel {

// How the application turns pixels into the float input the model was
// trained on: input_f32 = (pixel - mean[c]) * scale[c] (one value = all
// channels). The int8 input is then Quantize(input_f32, fix_point of the
// runner's input tensor). Stored as graph attributes so apps need no side file.
struct FloatInputInfo {
  std::vector<float> mean = {0.0f};
  std::vector<float> scale = {1.0f};
  std::string color = "GRAY";  // "GRAY", "RGB" or "BGR"
};

struct HostModelInfo {
  std::string model_name;       // graph name; [A-Za-z0-9_.-]+
  FloatInputInfo input;
  bool softmax = true;          // CPU tail: fix2float, then softmax over the last axis
  std::vector<std::string> labels;  // optional class names, one per output channel
};

// Name of the quantiser-format file for a model: "<model_name>_int.xmodel".
std::string QuantizerXmodelFileName(const std::string& model_name);

// The DPU target our host xmodels name.
constexpr const char* kDpuTargetName = "DPUCZDX8G_ISA1_B4096";
// Runner library names written into the DPU subgraph's `runner` attribute.
constexpr const char* kEmulatorRunnerLibrary = "libvart-signdpu-emu-runner.so";
constexpr const char* kDpuRunnerLibrary = "libvart-dpu-runner.so";

Result<std::unique_ptr<xir::Graph>> BuildHostGraph(const FixGraph& graph, const HostModelInfo& info);
Status WriteHostXmodel(const FixGraph& graph, const HostModelInfo& info, const std::string& path);

Result<std::unique_ptr<xir::Graph>> BuildQuantizerGraph(const FixGraph& graph, const HostModelInfo& info);
Status WriteQuantizerXmodel(const FixGraph& graph, const HostModelInfo& info, const std::string& path);

// Reads back the HostModelInfo stored by either writer (graph name and the
// signdpu_* graph attributes); defaults for attributes that are absent.
Result<HostModelInfo> ReadHostModelInfo(const xir::Graph& graph);

}  // namespace signdpu::xmodel
