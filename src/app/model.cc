#include "signdpu/app/model.h"

#include <sys/wait.h>
#include <unistd.h>

#include <any>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>

#include <vart/runner.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/emu/emu_runner.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace signdpu::app {
namespace {

// Present with type T -> *out; anything else leaves *out alone (XIR's own
// get_attr<T> aborts on a missing key and throws on a wrong type).
template <typename T, typename Owner>
bool ReadAttr(const Owner* owner, const std::string& key, T* out) {
  auto v = xmodel::GetAttr<T>(owner, key, "");
  if (v.ok()) *out = std::move(v).value();
  return v.ok();
}

}  // namespace

Result<RunMode> ParseRunMode(const std::string& text) {
  if (text == "auto") return RunMode::kAuto;
  if (text == "run") return RunMode::kRun;
  if (text == "ref") return RunMode::kRef;
  return InvalidArgument("--mode '" + text + "': expected auto, run or ref");
}

const char* RunModeName(RunMode mode) {
  switch (mode) {
    case RunMode::kAuto: return "auto";
    case RunMode::kRun: return "run";
    case RunMode::kRef: return "ref";
  }
  return "auto";
}

int64_t TensorInfo::per_image_size() const {
  int64_t n = 1;
  for (size_t i = 1; i < shape.size(); ++i) n *= shape[i];
  return n;
}

TensorInfo DescribeTensor(const xir::Tensor* t) {
  TensorInfo info;
  info.name = t->get_name();
  info.shape = t->get_shape();
  info.data_type = t->get_data_type().to_string();
  ReadAttr(t, "fix_point", &info.fix_point);
  ReadAttr(t, "bit_width", &info.bit_width);
  ReadAttr(t, "if_signed", &info.if_signed);
  return info;
}

Model::~Model() = default;

Result<std::unique_ptr<Model>> Model::Open(const std::string& path) {
  std::unique_ptr<Model> m(new Model());
  m->path_ = path;
  SIGNDPU_ASSIGN_OR_RETURN(m->graph_, xmodel::LoadXmodel(path));
  m->dpu_subgraphs_ = xmodel::DpuSubgraphs(*m->graph_);
  if (m->dpu_subgraphs_.empty())
    return Unsupported(path + ": no DPU subgraph (is this a quantiser-format _int.xmodel? compile it with vai_c_xir, or use the host .xmodel from signdpu-quantize)");
  for (const xir::Subgraph* sg : m->graph_->get_root_subgraph()->children_topological_sort()) {
    if (xmodel::SubgraphDevice(sg) != "CPU") continue;
    for (const xir::Op* op : sg->get_ops())
      if (op->get_type() == "softmax") m->has_softmax_ = true;
  }
  auto info = xmodel::ReadHostModelInfo(*m->graph_);
  if (info.ok()) m->labels_ = info->labels;
  return m;
}

std::vector<SubgraphInfo> Model::Describe() const {
  std::vector<SubgraphInfo> out;
  for (const xir::Subgraph* sg : graph_->get_root_subgraph()->children_topological_sort()) {
    SubgraphInfo s;
    s.name = sg->get_name();
    s.device = xmodel::SubgraphDevice(sg);
    ReadAttr(sg, "dpu_name", &s.dpu_name);
    s.has_fingerprint = ReadAttr(sg, "dpu_fingerprint", &s.dpu_fingerprint);
    std::map<std::string, std::string> runner;
    if (ReadAttr(sg, "runner", &runner))
      for (const auto& [k, v] : runner) s.runner_libs.push_back(k + "=" + v);
    for (const xir::Tensor* t : sg->get_sorted_input_tensors()) s.inputs.push_back(DescribeTensor(t));
    for (const xir::Tensor* t : sg->get_sorted_output_tensors()) s.outputs.push_back(DescribeTensor(t));
    if (s.device != "DPU")
      for (const xir::Op* op : sg->topological_sort()) s.ops.push_back(op->get_type());
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

bool DpuDevicePresent() {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Edge boards: the zocl DRM device plus an xclbin where VART looks for it
  // [source: vart/dpu-controller and xrt-device-handle read XLNX_VART_FIRMWARE,
  // default /run/media/mmcblk0p1/dpu.xclbin or /usr/lib/dpu.xclbin].
  const bool render = fs::exists("/dev/dri/renderD128", ec) || fs::exists("/dev/dpu", ec);
  if (!render) return false;
  if (const char* fw = std::getenv("XLNX_VART_FIRMWARE")) return fs::exists(fw, ec);
  return fs::exists("/run/media/mmcblk0p1/dpu.xclbin", ec) || fs::exists("/media/sd-mmcblk0p1/dpu.xclbin", ec) ||
         fs::exists("/usr/lib/dpu.xclbin", ec);
}

// Creates a `run` runner in a child process: VART aborts the process (glog
// CHECK) when no DPU is present or the fingerprint does not match, so the
// parent only learns "it would have worked" or the child's last log line.
Status ProbeRunInChild(const xir::Subgraph* subgraph) {
  int pipefd[2];
  if (pipe(pipefd) != 0) return Internal("pipe() failed");
  const pid_t pid = fork();
  if (pid < 0) return Internal("fork() failed");
  if (pid == 0) {
    dup2(pipefd[1], STDERR_FILENO);
    close(pipefd[0]);
    auto r = vart::Runner::create_runner(subgraph, "run");
    _exit(r ? 0 : 3);
  }
  close(pipefd[1]);
  std::string child_err;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipefd[0], buf, sizeof buf)) > 0) child_err.append(buf, static_cast<size_t>(n));
  close(pipefd[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  // Keep the most telling line of the child's log.
  std::string last;
  size_t start = 0;
  while (start < child_err.size()) {
    size_t end = child_err.find('\n', start);
    if (end == std::string::npos) end = child_err.size();
    std::string line = child_err.substr(start, end - start);
    if (!line.empty() && (last.empty() || line.find("Check failed") != std::string::npos ||
                          line.find("fingerprint") != std::string::npos || line.find("ERROR") != std::string::npos))
      last = line;
    start = end + 1;
  }
  if (last.find("fingerprint") != std::string::npos) {
    return Unsupported("the xmodel was compiled for another DPU configuration (fingerprint mismatch): recompile it with "
                       "vai_c_xir and this board's arch.json; VART said: " + last);
  }
  return Unsupported("mode run: Xilinx's DPU runner could not start on this machine" +
                     (last.empty() ? std::string(" (no DPU?)") : ": " + last));
}

}  // namespace

RunMode ResolveMode(RunMode requested, const Model& model, std::string* why) {
  if (requested != RunMode::kAuto) {
    *why = std::string("mode ") + RunModeName(requested) + " requested";
    return requested;
  }
  if (!DpuDevicePresent()) {
    *why = "auto: no DPU device (/dev/dri/renderD128 + dpu.xclbin) found, using the emulator (ref)";
    return RunMode::kRef;
  }
  Status probe = ProbeRunInChild(model.dpu_subgraphs().front());
  if (probe.ok()) {
    *why = "auto: DPU present, using Xilinx's DPU runner (run)";
    return RunMode::kRun;
  }
  *why = "auto: DPU device present but unusable (" + probe.message() + "); using the emulator (ref)";
  return RunMode::kRef;
}

Result<std::unique_ptr<vart::Runner>> CreateRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch) {
  try {
    if (mode == RunMode::kRun) {
      SIGNDPU_RETURN_IF_ERROR(ProbeRunInChild(subgraph));
      auto r = vart::Runner::create_runner(subgraph, "run");
      if (!r) return Internal("Xilinx's DPU runner returned no runner for subgraph " + subgraph->get_name());
      return r;
    }
    // The plugin is linked into this program (same SONAME as the library
    // libvart dlopen()s), so it is always found; probing first turns an
    // unsupported op into a Status instead of a null runner.
    SIGNDPU_RETURN_IF_ERROR(emu::ProbeSubgraph(subgraph));
    auto attrs = xir::Attrs::create();
    attrs->set_attr<std::string>("mode", "ref");
    if (emu_batch > 0 && std::getenv("SIGNDPU_EMU_BATCH") == nullptr) attrs->set_attr<int>("signdpu_emu_batch", emu_batch);
    attrs->set_attr<std::map<std::string, std::string>>("lib", {{"DPU", xmodel::kEmulatorRunnerLibrary}});
    auto r = vart::Runner::create_runner_with_attrs(subgraph, attrs.get());
    if (!r) {
      return Unsupported("the emulator cannot run DPU subgraph " + subgraph->get_name() +
                         " (see the log line above for the op)");
    }
    return r;
  } catch (const std::exception& e) {
    return Internal(std::string("creating the runner for ") + subgraph->get_name() + ": " + e.what());
  }
}

}  // namespace signdpu::app
