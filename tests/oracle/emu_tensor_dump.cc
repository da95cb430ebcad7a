// emu_tensor_dump HOST.xmodel INPUT.bin FRAMES OUT_DIR [reference|best|vart [K]]
//
// The emulator side of the oracle tests (tests/oracle/oracle_test.py): every
// DPU subgraph of a host or Xilinx-compiled xmodel read with the plugin's
// reader (xmodel::ReadDpuSubgraph) and run by the plugin's executor
// (FixGraphExecutor, the given kernel path) on FRAMES images, writing EVERY
// tensor, not only the subgraph outputs that `signdpu dump` writes, so the
// oracle can be compared op by op. The whole-model comparison goes through
// libvart and the plugin (`signdpu dump`); this tool only adds the
// intermediate tensors.
//
// INPUT.bin: FRAMES images of the first DPU subgraph's first input (int8,
// NHWC). Inputs of later subgraphs are taken by name from earlier outputs.
// With K, only the K-th DPU subgraph (0-based) runs, INPUT.bin being its input.
// "vart": the subgraphs run through Debian's libvart with the plugin (the `lib`
// override, one job per frame) and only their output tensors are written (what
// `signdpu dump` does for a whole model; this runs one subgraph alone).
// OUT_DIR/index.json: {"tensors": [{"name", "file", "shape", "fix_point",
// "subgraph"}]}, each file FRAMES * per-image bytes.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>

#include "signdpu/core/file_io.h"
#include "signdpu/core/json_text.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "emu_test_util.h"

namespace {

using signdpu::FixGraph;
using signdpu::FixGraphExecutor;

std::vector<const xir::Subgraph*> DpuSubgraphs(const xir::Graph& g) {
  std::vector<const xir::Subgraph*> out;
  for (const xir::Subgraph* sg : g.get_root_subgraph()->children_topological_sort())
    if (sg->has_attr("device") && sg->get_attr<std::string>("device") == "DPU") out.push_back(sg);
  return out;
}

std::string SafeName(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  if (o.size() > 180) o = o.substr(0, 160) + "_" + std::to_string(std::hash<std::string>{}(s));
  return o;
}

struct State {
  std::map<std::string, std::string> tensors;  // name -> FRAMES images of bytes
  nlohmann::json index = nlohmann::json::array();
};

int RunThroughVart(const xir::Subgraph* sg, const std::string& first_input, int frames, bool first,
                   const std::string& out_dir, State* st) {
  auto runner = signdpu::testing::CreateEmuRunner(sg);
  if (!runner) {
    std::fprintf(stderr, "emu_tensor_dump: %s: no runner\n", sg->get_name().c_str());
    return 1;
  }
  const auto ins = runner->get_input_tensors();
  const auto outs = runner->get_output_tensors();
  std::vector<std::string> in_bytes(ins.size()), out_bytes(outs.size());
  for (size_t i = 0; i < ins.size(); ++i) {
    if (first && i == 0) in_bytes[i] = first_input;
    else if (st->tensors.count(ins[i]->get_name())) in_bytes[i] = st->tensors[ins[i]->get_name()];
    const size_t want = static_cast<size_t>(ins[i]->get_data_size()) * frames;
    if (in_bytes[i].size() != want) {
      std::fprintf(stderr, "emu_tensor_dump: vart input %s: %zu bytes, expected %zu\n", ins[i]->get_name().c_str(),
                   in_bytes[i].size(), want);
      return 1;
    }
  }
  for (int f = 0; f < frames; ++f) {
    std::vector<std::vector<int8_t>> job_in;
    for (size_t i = 0; i < ins.size(); ++i) {
      const size_t per = static_cast<size_t>(ins[i]->get_data_size());
      const char* p = in_bytes[i].data() + per * f;
      job_in.emplace_back(p, p + per);
    }
    const auto job_out = signdpu::testing::RunJob(runner.get(), job_in, 1);
    if (job_out.size() != outs.size()) {
      std::fprintf(stderr, "emu_tensor_dump: %s: the job failed\n", sg->get_name().c_str());
      return 1;
    }
    for (size_t i = 0; i < outs.size(); ++i)
      out_bytes[i].append(reinterpret_cast<const char*>(job_out[i].data()), job_out[i].size());
  }
  for (size_t i = 0; i < outs.size(); ++i) {
    const std::string file = SafeName(outs[i]->get_name()) + ".bin";
    const signdpu::Status s = signdpu::WriteFileAtomic((std::filesystem::path(out_dir) / file).string(), out_bytes[i]);
    if (!s.ok()) {
      std::fprintf(stderr, "emu_tensor_dump: %s\n", s.ToString().c_str());
      return 1;
    }
    st->index.push_back({{"name", outs[i]->get_name()}, {"file", file}, {"shape", outs[i]->get_shape()},
                         {"fix_point", outs[i]->get_attr<int>("fix_point")}, {"subgraph", sg->get_name()}});
    st->tensors[outs[i]->get_name()] = std::move(out_bytes[i]);
  }
  return 0;
}

int RunSubgraph(const xir::Subgraph* sg, const std::string& first_input, int frames, signdpu::KernelPath path,
                bool first, const std::string& out_dir, State* st) {
  auto read = signdpu::xmodel::ReadDpuSubgraph(sg);
  if (!read.ok()) {
    std::fprintf(stderr, "emu_tensor_dump: %s\n", read.status().ToString().c_str());
    return 1;
  }
  const FixGraph g = std::move(read).value();
  auto ex = FixGraphExecutor::Create(g, frames, path);
  if (!ex.ok()) {
    std::fprintf(stderr, "emu_tensor_dump: %s\n", ex.status().ToString().c_str());
    return 1;
  }
  std::vector<std::string> in_bytes(g.inputs.size());
  std::vector<const int8_t*> ins;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const signdpu::FixTensor& t = g.tensors[g.inputs[i]];
    const size_t want = static_cast<size_t>(t.per_image_size()) * frames;
    if (first && i == 0) {
      in_bytes[i] = first_input;
    } else if (st->tensors.count(t.name)) {
      in_bytes[i] = st->tensors[t.name];
    } else {
      std::fprintf(stderr, "emu_tensor_dump: %s: input %s comes from no earlier subgraph\n", sg->get_name().c_str(),
                   t.name.c_str());
      return 1;
    }
    if (in_bytes[i].size() != want) {
      std::fprintf(stderr, "emu_tensor_dump: input %s: %zu bytes, expected %zu\n", t.name.c_str(), in_bytes[i].size(),
                   want);
      return 1;
    }
    ins.push_back(reinterpret_cast<const int8_t*>(in_bytes[i].data()));
  }
  std::vector<std::vector<int8_t>> outs(g.outputs.size());
  std::vector<int8_t*> out_ptrs;
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    outs[i].resize(static_cast<size_t>(g.tensors[g.outputs[i]].per_image_size()) * frames);
    out_ptrs.push_back(outs[i].data());
  }
  (*ex)->Run(ins, out_ptrs, frames);
  for (size_t id = 0; id < g.tensors.size(); ++id) {
    const signdpu::FixTensor& t = g.tensors[id];
    const int8_t* data = (*ex)->TensorData(static_cast<int>(id));
    std::string bytes(reinterpret_cast<const char*>(data), static_cast<size_t>(t.per_image_size()) * frames);
    const std::string file = SafeName(t.name) + ".bin";
    const signdpu::Status s = signdpu::WriteFileAtomic((std::filesystem::path(out_dir) / file).string(), bytes);
    if (!s.ok()) {
      std::fprintf(stderr, "emu_tensor_dump: %s\n", s.ToString().c_str());
      return 1;
    }
    st->index.push_back({{"name", t.name}, {"file", file}, {"shape", t.shape}, {"fix_point", t.fix_point},
                         {"subgraph", sg->get_name()}});
    st->tensors[t.name] = std::move(bytes);
  }
  return 0;
}

int Run(int argc, char** argv) {
  const std::string model = argv[1], input = argv[2], out_dir = argv[4];
  const int frames = std::atoi(argv[3]);
  const std::string which = argc > 5 ? argv[5] : "best";
  const int only = argc > 6 ? std::atoi(argv[6]) : -1;
  const signdpu::KernelPath path =
      which == "reference" ? signdpu::KernelPath::kReference : signdpu::BestKernelPath();
  if (frames < 1) {
    std::fprintf(stderr, "emu_tensor_dump: FRAMES must be >= 1\n");
    return 2;
  }
  auto in = signdpu::ReadRegularFile(input, uint64_t{1} << 32, "INPUT.bin");
  if (!in.ok()) {
    std::fprintf(stderr, "emu_tensor_dump: %s\n", in.status().ToString().c_str());
    return 1;
  }
  std::filesystem::create_directories(out_dir);
  std::unique_ptr<xir::Graph> graph = xir::Graph::deserialize(model);
  State st;
  bool first = true;
  const auto dpu = DpuSubgraphs(*graph);
  if (only >= static_cast<int>(dpu.size())) {
    std::fprintf(stderr, "emu_tensor_dump: %s has %zu DPU subgraphs\n", model.c_str(), dpu.size());
    return 1;
  }
  for (size_t k = 0; k < dpu.size(); ++k) {
    if (only >= 0 && static_cast<int>(k) != only) continue;
    const xir::Subgraph* sg = dpu[k];
    const int rc = which == "vart" ? RunThroughVart(sg, *in, frames, first, out_dir, &st)
                                   : RunSubgraph(sg, *in, frames, path, first, out_dir, &st);
    if (rc != 0) return rc;
    first = false;
  }
  nlohmann::json root = {{"kernel_path", which == "vart" ? "vart" : signdpu::KernelPathName(path)},
                         {"tensors", st.index}};
  const signdpu::Status s =
      signdpu::WriteFileAtomic((std::filesystem::path(out_dir) / "index.json").string(), signdpu::DumpJson(root, 1));
  if (!s.ok()) {
    std::fprintf(stderr, "emu_tensor_dump: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7) {
    std::fprintf(stderr, "usage: emu_tensor_dump HOST.xmodel INPUT.bin FRAMES OUT_DIR [reference|best [K]]\n");
    return 2;
  }
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "emu_tensor_dump: %s\n", e.what());
    return 1;
  }
}
