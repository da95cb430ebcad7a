// A stock VART application: only VART and XIR headers, no signdpu code, no
// RPATH. It is what a Xilinx example does on the board: load a compiled
// xmodel, create one runner per DPU subgraph with
// vart::Runner::create_runner(subgraph, MODE), feed deterministic int8 inputs
// and write every output. tests/emu/dropin_test.sh runs it in mode "run" with
// LD_LIBRARY_PATH pointing at the drop-in folder and compares its outputs with
// mode "ref" + the `lib` override (docs/emulator.md, "Drop-in").
//
//   stock_vart_client XMODEL MODE OUT [LIB]
//
// OUT gets, per DPU subgraph and output tensor, one header line
// "<subgraph> <tensor> <bytes>\n" followed by the raw bytes. With LIB the
// runner is created with create_runner_with_attrs(mode, lib = {DPU: LIB}).
// stdout lists the runner libraries mapped into the process ("mapped: PATH").
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <vart/experimental/runner_helper.hpp>
#include <vart/runner.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

namespace {

std::vector<const xir::Subgraph*> DpuSubgraphs(const xir::Graph& graph) {
  std::vector<const xir::Subgraph*> out;
  for (const xir::Subgraph* sg : graph.get_root_subgraph()->children_topological_sort())
    if (sg->has_attr("device") && sg->get_attr<std::string>("device") == "DPU") out.push_back(sg);
  return out;
}

std::unique_ptr<vart::Runner> MakeRunner(const xir::Subgraph* sg, const std::string& mode, const std::string& lib) {
  if (lib.empty()) return vart::Runner::create_runner(sg, mode);
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::string>("mode", mode);
  attrs->set_attr<std::map<std::string, std::string>>("lib", {{"DPU", lib}});
  return vart::Runner::create_runner_with_attrs(sg, attrs.get());
}

// Buffers for the runner's tensors with dim 0 = 1 (one image).
struct Buffers {
  std::vector<std::unique_ptr<xir::Tensor>> tensors;
  std::vector<std::unique_ptr<vart::TensorBuffer>> buffers;
  std::vector<vart::TensorBuffer*> raw() const {
    std::vector<vart::TensorBuffer*> r;
    for (const auto& b : buffers) r.push_back(b.get());
    return r;
  }
  int8_t* data(size_t i) const {
    std::vector<int32_t> zeros(tensors[i]->get_shape().size(), 0);
    return reinterpret_cast<int8_t*>(buffers[i]->data(zeros).first);
  }
  size_t bytes(size_t i) const { return static_cast<size_t>(tensors[i]->get_data_size()); }
};

Buffers Allocate(const std::vector<const xir::Tensor*>& tensors) {
  Buffers b;
  std::vector<const xir::Tensor*> raw;
  for (const xir::Tensor* t : tensors) {
    std::vector<int32_t> shape = t->get_shape();
    shape[0] = 1;
    auto clone = xir::Tensor::create(t->get_name(), shape, t->get_data_type());
    clone->set_attrs(t->get_attrs());
    raw.push_back(clone.get());
    b.tensors.push_back(std::move(clone));
  }
  b.buffers = vart::alloc_cpu_flat_tensor_buffers(raw);
  return b;
}

void PrintMappedRunners() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  std::map<std::string, bool> seen;
  while (std::getline(maps, line)) {
    const size_t slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("runner") == std::string::npos || seen[path]) continue;
    seen[path] = true;
    std::cout << "mapped: " << path << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: stock_vart_client XMODEL MODE OUT [LIB]\n";
    return 2;
  }
  const std::string xmodel = argv[1], mode = argv[2], out_path = argv[3], lib = argc == 5 ? argv[4] : "";
  std::unique_ptr<xir::Graph> graph = xir::Graph::deserialize(xmodel);
  const auto dpus = DpuSubgraphs(*graph);
  if (dpus.empty()) {
    std::cerr << xmodel << ": no DPU subgraph\n";
    return 1;
  }
  std::ofstream out(out_path, std::ios::binary);
  for (size_t s = 0; s < dpus.size(); ++s) {
    const xir::Subgraph* sg = dpus[s];
    auto runner = MakeRunner(sg, mode, lib);
    if (runner == nullptr) {
      std::cerr << xmodel << ": no runner for subgraph " << sg->get_name() << " in mode " << mode << "\n";
      return 1;
    }
    Buffers in = Allocate(runner->get_input_tensors());
    Buffers outs = Allocate(runner->get_output_tensors());
    for (size_t k = 0; k < in.buffers.size(); ++k) {
      int8_t* p = in.data(k);
      for (size_t i = 0; i < in.bytes(k); ++i)
        p[i] = static_cast<int8_t>(static_cast<int>((i * 37 + k * 11 + s * 5) % 256) - 128);
    }
    for (size_t k = 0; k < outs.buffers.size(); ++k) std::memset(outs.data(k), 0x5A, outs.bytes(k));
    auto job = runner->execute_async(in.raw(), outs.raw());
    if (job.second != 0 || runner->wait(static_cast<int>(job.first), -1) != 0) {
      std::cerr << xmodel << ": subgraph " << sg->get_name() << ": job failed\n";
      return 1;
    }
    for (size_t k = 0; k < outs.buffers.size(); ++k) {
      out << sg->get_name() << " " << outs.tensors[k]->get_name() << " " << outs.bytes(k) << "\n";
      out.write(reinterpret_cast<const char*>(outs.data(k)), static_cast<std::streamsize>(outs.bytes(k)));
    }
    std::cout << "subgraph " << sg->get_name() << ": " << in.buffers.size() << " inputs, " << outs.buffers.size()
              << " outputs\n";
  }
  PrintMappedRunners();
  out.close();
  if (!out) {
    std::cerr << out_path << ": write failed\n";
    return 1;
  }
  return 0;
}
