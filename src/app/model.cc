#include "signdpu/app/model.h"

#include <dlfcn.h>
#include <unistd.h>

#include <any>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include <glog/logging.h>
#include <vart/experimental/runner_helper.hpp>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/dpu_controller.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/child_process.h"
#include "signdpu/core/str_format.h"
#include "signdpu/emu/board_mode.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace signdpu::app {

namespace names = xmodel::names;
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
  ReadAttr(t, names::kFixPoint, &info.fix_point);
  ReadAttr(t, names::kBitWidth, &info.bit_width);
  ReadAttr(t, names::kIfSigned, &info.if_signed);
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
    if (xmodel::SubgraphDevice(sg) != names::kDeviceCpu) continue;
    for (const xir::Op* op : sg->get_ops())
      if (op->get_type() == names::kSoftmax) m->has_softmax_ = true;
  }
  auto info = xmodel::ReadHostModelInfo(*m->graph_);
  if (info.ok()) {
    m->labels_ = info->labels;
    if (!info->input.mean.empty()) m->input_mean_ = info->input.mean[0];
    if (!info->input.scale.empty()) m->input_scale_ = info->input.scale[0];
    if (!std::isfinite(m->input_mean_) || !std::isfinite(m->input_scale_))
      return InvalidArgument(path + ": input mean " + std::to_string(m->input_mean_) + " / scale " +
                             std::to_string(m->input_scale_) + " (signdpu_input_mean / signdpu_input_scale) are not finite");
  }
  return m;
}

std::vector<SubgraphInfo> Model::Describe() const {
  std::vector<SubgraphInfo> out;
  for (const xir::Subgraph* sg : graph_->get_root_subgraph()->children_topological_sort()) {
    SubgraphInfo s;
    s.name = sg->get_name();
    s.device = xmodel::SubgraphDevice(sg);
    ReadAttr(sg, names::kDpuName, &s.dpu_name);
    s.has_fingerprint = ReadAttr(sg, names::kDpuFingerprint, &s.dpu_fingerprint);
    std::map<std::string, std::string> runner;
    if (ReadAttr(sg, names::kRunner, &runner))
      for (const auto& [k, v] : runner) s.runner_libs.push_back(k + "=" + v);
    for (const xir::Tensor* t : sg->get_sorted_input_tensors()) s.inputs.push_back(DescribeTensor(t));
    for (const xir::Tensor* t : sg->get_sorted_output_tensors()) s.outputs.push_back(DescribeTensor(t));
    if (s.device != names::kDeviceDpu)
      for (const xir::Op* op : sg->topological_sort()) s.ops.push_back(op->get_type());
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

// ---- what `run` can run ------------------------------------------------------

// Ops a CPU/USER subgraph may hold for `signdpu run`: what the app computes
// itself on the DPU output (fix2float, softmax; reshapes keep memory order)
// and inputs. Checked against our host xmodels (fix2float, softmax) and the
// Vitis AI 2.5 compiled fixtures (data, data-fix in USER subgraphs).
bool RunnableCpuOp(const std::string& type) {
  static const char* const kOps[] = {names::kFix2Float, names::kSoftmax, names::kReshape, names::kReshapeFix,
                                     names::kFlatten,   names::kIdentity, names::kData,    names::kDataFix};
  for (const char* op : kOps)
    if (type == op) return true;
  return false;
}

}  // namespace

Status CheckRunnable(const Model& model) {
  for (const xir::Subgraph* sg : model.graph().get_root_subgraph()->children_topological_sort()) {
    const std::string device = xmodel::SubgraphDevice(sg);
    if (device == names::kDeviceDpu) continue;
    // A const is a parameter of the op it feeds: fine when every op it feeds
    // is (e.g. a shape for reshape); otherwise the op it feeds is the one to
    // name, so consts are looked at last.
    const xir::Op* bad = nullptr;
    for (const xir::Op* op : sg->topological_sort()) {
      if (op->get_type() == names::kConst || RunnableCpuOp(op->get_type())) continue;
      bad = op;
      break;
    }
    if (bad == nullptr) {
      for (const xir::Op* op : sg->topological_sort()) {
        if (op->get_type() != names::kConst) continue;
        for (const xir::Op* user : op->get_fanout_ops())
          if (!RunnableCpuOp(user->get_type())) bad = op;
        if (bad != nullptr) break;
      }
    }
    if (bad != nullptr) {
      return Unsupported(model.path() + ": subgraph " + sg->get_name() + " (" + device + ") holds op '" +
                         bad->get_type() + "' (" + bad->get_name() +
                         "), which `signdpu run` does not execute (it runs one DPU subgraph followed only by "
                         "fix2float/softmax/reshape/flatten/identity); `signdpu inspect` and `dump` still work");
    }
  }
  if (model.dpu_subgraphs().size() != 1) {
    return Unsupported(model.path() + ": " + std::to_string(model.dpu_subgraphs().size()) +
                       " DPU subgraphs; `signdpu run` runs single-DPU-subgraph classifiers "
                       "(use `signdpu dump` to check each subgraph)");
  }
  return Status::Ok();
}

namespace {

std::string Hex(uint64_t v) {
  return StrFormat("0x%llx", static_cast<unsigned long long>(v));
}

// The two DPUCZDX8G_ISA1_B4096 fingerprints a ZCU104 user meets
// (docs/xmodel.md: target-factory of each release).
constexpr uint64_t kFingerprintVai25 = 0x101000016010407ULL;
constexpr uint64_t kFingerprintVai30 = 0x101000056010407ULL;

std::string ReleaseOf(uint64_t fp) {
  if (fp == kFingerprintVai25) return " (Vitis AI 2.5)";
  if (fp == kFingerprintVai30) return " (Vitis AI 3.0+)";
  return "";
}

}  // namespace

Status CheckFingerprint(const std::string& model_path, const std::string& subgraph, uint64_t model_fingerprint,
                        const BoardFingerprints& board) {
  if (model_fingerprint == 0) return Status::Ok();  // VART skips the check too (dpu_runner_base_imp.cpp:665-670)
  for (uint64_t core : board.values) {
    if (core == 0 || core == model_fingerprint) continue;  // 0: VART skips (:671-674)
    return Unsupported(model_path + ": DPU fingerprint mismatch: the model (subgraph " + subgraph + ") has " +
                       Hex(model_fingerprint) + ReleaseOf(model_fingerprint) + ", " + board.source + " has " + Hex(core) +
                       ReleaseOf(core) +
                       "; recompile the model with the board's Vitis AI release: 2.5 -> 0x101000016010407, 3.0+ -> "
                       "0x101000056010407 for DPUCZDX8G_ISA1_B4096 (VART would abort on the first frame)");
  }
  return Status::Ok();
}

std::string DpuFirmwarePath(const std::string& vart_conf) {
  if (const char* fw = std::getenv("XLNX_VART_FIRMWARE"); fw != nullptr && fw[0] != '\0') return fw;
  // vitis::ai::SimpleConfig: "key: value" lines (the file VART ships holds
  // "firmware: /run/media/mmcblk0p1/dpu.xclbin", xrt-device-handle/src/vart.conf).
  std::ifstream in(vart_conf);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto trim = [](std::string t) {
      const size_t b = t.find_first_not_of(" \t\r");
      const size_t e = t.find_last_not_of(" \t\r");
      return b == std::string::npos ? std::string() : t.substr(b, e - b + 1);
    };
    if (trim(line.substr(0, colon)) == "firmware") {
      const std::string value = trim(line.substr(colon + 1));
      if (!value.empty()) return value;
    }
  }
  return "/usr/lib/dpu.xclbin";
}

namespace {

bool DpuDevicePresent(std::string* firmware) {
  namespace fs = std::filesystem;
  std::error_code ec;
  // Edge boards: the zocl DRM render node XRT opens, plus the xclbin VART loads.
  *firmware = DpuFirmwarePath();
  const bool render = fs::exists("/dev/dri/renderD128", ec) || fs::exists("/dev/dpu", ec);
  return render && fs::exists(*firmware, ec);
}

// SIGNDPU_PROBE_TIMEOUT_MS, 100..600000; default 30 s (under the unit's
// TimeoutStartSec=60s). A malformed value is an error, not the default.
Result<int> ProbeTimeoutMs() {
  const char* text = std::getenv("SIGNDPU_PROBE_TIMEOUT_MS");
  if (text == nullptr || text[0] == '\0') return 30000;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < 100 || v > 600000)
    return InvalidArgument(std::string("SIGNDPU_PROBE_TIMEOUT_MS='") + text + "': expected milliseconds in [100, 600000]");
  return static_cast<int>(v);
}

// The runner exactly as CreateRunner makes it (also in the probe child).
std::unique_ptr<vart::Runner> MakeRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch) {
  if (mode == RunMode::kRun) return vart::Runner::create_runner(subgraph, names::kRunnerModeRun);
  auto attrs = xir::Attrs::create();
  attrs->set_attr<std::string>(names::kRunnerModeAttr, names::kRunnerModeRef);
  if (emu_batch > 0 && std::getenv("SIGNDPU_EMU_BATCH") == nullptr) attrs->set_attr<int>(names::kRunnerEmuBatch, emu_batch);
  attrs->set_attr<std::map<std::string, std::string>>(names::kRunnerLibAttr,
                                                       {{names::kDeviceDpu, xmodel::kEmulatorRunnerLibrary}});
  return vart::Runner::create_runner_with_attrs(subgraph, attrs.get());
}

// One job on a zero input, as the first frame would run it. 0 = done.
int RunZeroJob(vart::Runner* runner) {
  auto in = vart::alloc_cpu_flat_tensor_buffers(runner->get_input_tensors());
  auto out = vart::alloc_cpu_flat_tensor_buffers(runner->get_output_tensors());
  std::vector<vart::TensorBuffer*> ins, outs;
  for (auto& b : in) {
    std::vector<int32_t> zero(b->get_tensor()->get_shape().size(), 0);
    auto [addr, size] = b->data(zero);
    std::memset(reinterpret_cast<void*>(addr), 0, size);
    ins.push_back(b.get());
  }
  for (auto& b : out) outs.push_back(b.get());
  auto job = runner->execute_async(ins, outs);
  if (job.second != 0) return job.second;
  return runner->wait(static_cast<int>(job.first), -1);
}

// The board's fingerprints the way VART's runner reads them
// (session_->get_dpu_controller()->get_fingerprint(device_core_id),
// dpu-runner/src/dpu_runner_base_imp.cpp:661-663; the controller is
// xir::DpuController::get_instance(), dpu_session_base_imp.cpp:109). The
// controller library is dlopen()ed so the app has no link dependency on it;
// on the board libvart-dpu-runner.so depends on it anyway.
bool ReadBoardFingerprints(std::vector<uint64_t>* out) {
  void* lib = dlopen("libvart-dpu-controller.so.2", RTLD_NOW | RTLD_GLOBAL);
  if (lib == nullptr) lib = dlopen("libvart-dpu-controller.so", RTLD_NOW | RTLD_GLOBAL);
  if (lib == nullptr) return false;
  using GetInstance = std::shared_ptr<xir::DpuController> (*)();
  auto get = reinterpret_cast<GetInstance>(dlsym(lib, "_ZN3xir13DpuController12get_instanceEv"));
  if (get == nullptr) return false;
  std::shared_ptr<xir::DpuController> controller = get();  // may abort: we are the child
  if (!controller) return false;
  for (size_t i = 0; i < controller->get_num_of_dpus(); ++i) out->push_back(controller->get_fingerprint(i));
  return true;
}

uint64_t ModelFingerprint(const xir::Subgraph* subgraph) {
  uint64_t fp = 0;
  ReadAttr(subgraph, names::kDpuFingerprint, &fp);
  return fp;
}

struct ProbeRecord {
  Status status;
  BoardFingerprints board;
};

std::mutex g_probe_mu;
std::map<std::pair<const xir::Subgraph*, RunMode>, ProbeRecord>& ProbeCache() {
  static auto* cache = new std::map<std::pair<const xir::Subgraph*, RunMode>, ProbeRecord>();
  return *cache;
}

// Exit codes of the probe child (0 and the token = success).
constexpr int kProbeExitNoRunner = 3;
constexpr int kProbeExitFingerprintMismatch = 4;  // the job would abort: not run
constexpr int kProbeExitJobFailed = 5;

// The probe child: on a board, reports the DPU fingerprints and refuses a
// mismatch; then creates the runner and runs one job on a zero input.
void ProbeChild(int report_fd, const xir::Subgraph* subgraph, RunMode mode, int emu_batch, bool check_fp,
                uint64_t model_fp) {
  if (mode == RunMode::kRun) {
    std::vector<uint64_t> fps;
    if (ReadBoardFingerprints(&fps)) {
      std::string line = "fingerprints";
      for (uint64_t v : fps) line += " " + std::to_string(v);
      WriteAllToFd(report_fd, line + "\n");
      for (uint64_t v : fps)
        if (check_fp && model_fp != 0 && v != 0 && v != model_fp) _exit(kProbeExitFingerprintMismatch);
    }
  }
  auto runner = MakeRunner(subgraph, mode, emu_batch);
  if (!runner) _exit(kProbeExitNoRunner);
  const int rc = RunZeroJob(runner.get());
  if (rc != 0) _exit(kProbeExitJobFailed);
  WriteChildOk(report_fd);
  _exit(0);
}

// A probe child that timed out or failed, as one message.
Status ProbeFailure(const ChildOutcome& child, RunMode mode, const std::string& where,
                    int timeout_ms) {
  const std::string what = mode == RunMode::kRun ? "mode run: Xilinx's DPU runner" : "mode ref: the emulator";
  if (child.timed_out) {
    // On a board the usual cause: VART's runner waits (blocking lockf) for
    // /tmp/DPU_0 while another process holds the DPU
    // [source: v2.5 vart/xrt-device-handle/src/xrt_device_handle_imp.cpp:244-251,
    // vart/util/src/lock.cpp:76, vart/util/src/file_lock_lnx.cpp:27-43].
    std::string hint;
    if (mode == RunMode::kRun)
      hint = " (another process probably holds the DPU: VART waits on the lock file /tmp/DPU_0, "
             "see docs/deployment.md; check with `fuser /tmp/DPU_0`)";
    else if (std::getenv(emu::kStallEnv) != nullptr)
      hint = std::string(" (") + emu::kStallEnv + " is set)";
    return Unsupported(what + ": the probe of " + where + " did not finish within " + std::to_string(timeout_ms) +
                       " ms" + hint + "; SIGNDPU_PROBE_TIMEOUT_MS changes the limit");
  }
  std::string how = child.HowItEnded();
  if (how == "exit " + std::to_string(kProbeExitNoRunner)) how += ": no runner";
  if (how == "exit " + std::to_string(kProbeExitJobFailed)) how += ": the probe job on a zero input failed";
  if (how == "exit 0") how += " without the success token";
  const std::string key = child.key_line.empty() ? how : child.key_line + " [" + how + "]";
  if (mode == RunMode::kRun) return Unsupported(what + " could not run " + where + " on this machine: " + key);
  return Unsupported(what + " cannot run " + where + ": " + key);
}

// The board whose fingerprint the model is checked against.
Status ProbeBoardSource(RunMode mode, BoardFingerprints* board) {
  if (mode != RunMode::kRef) {
    board->source = "this board's DPU";
    return Status::Ok();
  }
  board->source = std::string("the emulated board (") + emu::kFingerprintEnv + ")";
  auto fp = emu::BoardFingerprintFromEnv();
  if (!fp.ok()) return fp.status();
  if (fp->has_value()) board->values.push_back(**fp);
  return Status::Ok();
}

ProbeRecord ProbeOnce(const xir::Subgraph* subgraph, RunMode mode, int emu_batch) {
  std::lock_guard<std::mutex> lock(g_probe_mu);
  auto key = std::make_pair(subgraph, mode);
  auto it = ProbeCache().find(key);
  if (it != ProbeCache().end()) return it->second;

  ProbeRecord rec;
  const std::string where = "subgraph " + subgraph->get_name();
  const uint64_t model_fp = ModelFingerprint(subgraph);
  rec.status = ProbeBoardSource(mode, &rec.board);
  // XLNX_ENABLE_FINGERPRINT_CHECK=0 turns VART's own check off
  // (dpu_runner_base_imp.cpp:40 and 648): then this one is off too.
  const char* vart_check = std::getenv("XLNX_ENABLE_FINGERPRINT_CHECK");
  const bool check_fp = !(mode == RunMode::kRun && vart_check != nullptr && std::string(vart_check) == "0");
  int timeout_ms = 0;
  if (rec.status.ok()) {
    auto t = ProbeTimeoutMs();
    if (t.ok()) timeout_ms = *t;
    else rec.status = t.status();
  }
  if (rec.status.ok()) {
    VLOG(1) << "probe: " << where << " in a child process (" << (mode == RunMode::kRun ? "run" : "ref") << ")";
    ChildOutcome child = RunInChild(
        [&](int report_fd) { ProbeChild(report_fd, subgraph, mode, emu_batch, check_fp, model_fp); }, timeout_ms);
    std::istringstream report(child.report);
    std::string word;
    if (report >> word && word == "fingerprints") {
      uint64_t v;
      while (report >> v) rec.board.values.push_back(v);
    }
    if (!check_fp) rec.board.values.clear();
    const char* what = mode == RunMode::kRun ? "mode run: Xilinx's DPU runner" : "mode ref: the emulator";
    if (!child.started) {
      rec.status = Internal(std::string(what) + ": cannot start the probe process for " + where + " (" + child.error + ")");
    } else if (Status fp = CheckFingerprint(subgraph->get_graph()->get_name(), subgraph->get_name(), model_fp, rec.board);
               !fp.ok()) {
      rec.status = fp;  // named by the caller
    } else if (child.timed_out || !child.success) {
      rec.status = ProbeFailure(child, mode, where, timeout_ms);
    }
  }
  ProbeCache().emplace(key, rec);
  return rec;
}

}  // namespace

Status ProbeRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch) {
  if (subgraph == nullptr) return InvalidArgument("ProbeRunner: null subgraph");
  return ProbeOnce(subgraph, mode, emu_batch).status;
}

Result<RunPlan> PrepareRun(RunMode requested, const Model& model, int emu_batch) {
  SIGNDPU_RETURN_IF_ERROR(CheckRunnable(model));
  const xir::Subgraph* sg = model.dpu_subgraphs().front();
  RunPlan plan;
  auto finish = [&](RunMode mode) -> Result<RunPlan> {
    ProbeRecord rec = ProbeOnce(sg, mode, emu_batch);
    plan.mode = mode;
    plan.board = rec.board;
    SIGNDPU_RETURN_IF_ERROR(CheckFingerprint(model.path(), sg->get_name(), ModelFingerprint(sg), rec.board));
    if (!rec.status.ok()) return Status(rec.status.code(), model.path() + ": " + rec.status.message());
    return plan;
  };
  if (requested != RunMode::kAuto) {
    plan.why = std::string("mode ") + RunModeName(requested) + " requested";
    return finish(requested);
  }
  std::string firmware;
  if (!DpuDevicePresent(&firmware)) {
    plan.why = "auto: no DPU (/dev/dri/renderD128 and " + firmware + ") found, using the emulator (ref)";
    return finish(RunMode::kRef);
  }
  ProbeRecord rec = ProbeOnce(sg, RunMode::kRun, emu_batch);
  // A present DPU with another fingerprint is the user's error, not a reason
  // to fall back to the (slow) emulator.
  SIGNDPU_RETURN_IF_ERROR(CheckFingerprint(model.path(), sg->get_name(), ModelFingerprint(sg), rec.board));
  if (rec.status.ok()) {
    plan.why = "auto: DPU present, using Xilinx's DPU runner (run)";
    return finish(RunMode::kRun);
  }
  plan.why = "auto: DPU device present but unusable (" + rec.status.message() + "); using the emulator (ref)";
  return finish(RunMode::kRef);
}

RunMode ResolveMode(RunMode requested, const Model& model, std::string* why) {
  if (requested != RunMode::kAuto) {
    *why = std::string("mode ") + RunModeName(requested) + " requested";
    return requested;
  }
  std::string firmware;
  if (!DpuDevicePresent(&firmware)) {
    *why = "auto: no DPU (/dev/dri/renderD128 and " + firmware + ") found, using the emulator (ref)";
    return RunMode::kRef;
  }
  Status probe = ProbeRunner(model.dpu_subgraphs().front(), RunMode::kRun);
  if (probe.ok()) {
    *why = "auto: DPU present, using Xilinx's DPU runner (run)";
    return RunMode::kRun;
  }
  *why = "auto: DPU device present but unusable (" + probe.message() + "); using the emulator (ref)";
  return RunMode::kRef;
}

Result<std::unique_ptr<vart::Runner>> CreateRunner(const xir::Subgraph* subgraph, RunMode mode, int emu_batch) {
  try {
    SIGNDPU_RETURN_IF_ERROR(ProbeRunner(subgraph, mode, emu_batch));
    auto r = MakeRunner(subgraph, mode, emu_batch);
    if (!r) {
      return mode == RunMode::kRun
                 ? Internal("Xilinx's DPU runner returned no runner for subgraph " + subgraph->get_name())
                 : Unsupported("the emulator cannot run DPU subgraph " + subgraph->get_name() +
                               " (see the log line above for the op)");
    }
    return r;
  } catch (const std::exception& e) {
    return Internal(std::string("creating the runner for ") + subgraph->get_name() + ": " + e.what());
  }
}

}  // namespace signdpu::app
