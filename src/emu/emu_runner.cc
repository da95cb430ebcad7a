// EmuRunner: vart::Runner over FixGraphExecutor. See
// include/signdpu/emu/emu_runner.h and docs/emulator.md.
#include "signdpu/emu/emu_runner.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/attrs/attrs.hpp>
#include <xir/graph/graph.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/emu/board_mode.h"
#include "signdpu/ir/fix_graph.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/xmodel/xir_attr.h"
#include "signdpu/xmodel/xir_names.h"

namespace signdpu::emu {

namespace {

// ---- options ---------------------------------------------------------------

Status ParseEnvInt(const char* name, int lo, int hi, int* value) {
  const char* text = std::getenv(name);
  if (text == nullptr || text[0] == '\0') return Status::Ok();
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < lo || v > hi)
    return InvalidArgument(std::string(name) + "='" + text + "': expected an integer in [" + std::to_string(lo) +
                           ", " + std::to_string(hi) + "]");
  *value = static_cast<int>(v);
  return Status::Ok();
}

Status ParseAttrInt(const xir::Attrs* attrs, const char* key, int lo, int hi, int* value) {
  if (attrs == nullptr || !attrs->has_attr(key)) return Status::Ok();
  const std::any& a = attrs->get_attr(key);
  long v = 0;
  if (a.type() == typeid(int)) {
    v = std::any_cast<int>(a);
  } else if (a.type() == typeid(unsigned)) {
    v = std::any_cast<unsigned>(a);
  } else if (a.type() == typeid(size_t)) {
    v = static_cast<long>(std::min<size_t>(std::any_cast<size_t>(a), 1u << 30));
  } else {
    return InvalidArgument(std::string("runner attribute ") + key + " must be an int");
  }
  if (v < lo || v > hi)
    return InvalidArgument(std::string("runner attribute ") + key + " = " + std::to_string(v) + " outside [" +
                           std::to_string(lo) + ", " + std::to_string(hi) + "]");
  *value = static_cast<int>(v);
  return Status::Ok();
}

// ---- the runner --------------------------------------------------------------

struct Job {
  uint32_t id = 0;
  int count = 0;  // images
  // per graph input / output: one pointer per image
  std::vector<std::vector<const int8_t*>> inputs;
  std::vector<std::vector<int8_t*>> outputs;
  bool done = false;
  int status = 0;
};

class EmuRunner final : public vart::Runner {
 public:
  static Result<std::unique_ptr<EmuRunner>> Create(const xir::Subgraph* subgraph, const RunnerOptions& options) {
    if (subgraph == nullptr) return InvalidArgument("null subgraph");
    SIGNDPU_ASSIGN_OR_RETURN(FixGraph graph, xmodel::ReadDpuSubgraph(subgraph));
    std::unique_ptr<EmuRunner> r(new EmuRunner());
    r->name_ = subgraph->get_name();
    r->options_ = options;
    r->graph_ = std::move(graph);
    // The model's fingerprint as VART's DpuKernel::get_fingerprint reads it
    // (dpu-runner/src/dpu_kernel.cpp:223-229 at v2.5): 0 when absent.
    auto fp = xmodel::GetAttr<uint64_t>(subgraph, xmodel::names::kDpuFingerprint, "");
    r->model_fingerprint_ = fp.ok() ? *fp : 0;
    // Every worker's executor holds all tensors at the engine batch: refuse
    // before allocating when that is over the tensor memory budget
    // (ReadDpuSubgraph checked one image).
    uint64_t per_image = 0;
    for (const FixTensor& t : r->graph_.tensors) per_image += static_cast<uint64_t>(t.per_image_size());
    SIGNDPU_ASSIGN_OR_RETURN(const uint64_t budget, xmodel::TensorBudgetBytes());
    const uint64_t copies = static_cast<uint64_t>(options.batch) * static_cast<uint64_t>(options.num_threads);
    if (per_image > budget / copies)
      return OutOfRange("subgraph " + r->name_ + ": " + std::to_string(per_image) + " bytes of tensors per image x batch " +
                        std::to_string(options.batch) + " x " + std::to_string(options.num_threads) +
                        " threads is more than the tensor memory budget of " + std::to_string(budget >> 20) + " MiB (" +
                        xmodel::kTensorBudgetEnv + ")");
    const xir::Graph* xg = subgraph->get_graph();
    SIGNDPU_RETURN_IF_ERROR(r->CloneTensors(xg, r->graph_.inputs, &r->inputs_));
    SIGNDPU_RETURN_IF_ERROR(r->CloneTensors(xg, r->graph_.outputs, &r->outputs_));
    for (int i = 0; i < options.num_threads; ++i) {
      SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<FixGraphExecutor> ex,
                               FixGraphExecutor::Create(r->graph_, options.batch, options.kernel_path));
      r->executors_.push_back(std::move(ex));
    }
    // Board mode SIGNDPU_EMU_SYNC: no workers; execute_async runs the job.
    if (!options.sync)
      for (int i = 0; i < options.num_threads; ++i) r->workers_.emplace_back([p = r.get(), i] { p->WorkerLoop(i); });
    return r;
  }

  ~EmuRunner() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      // Jobs not started yet are cancelled: their buffers may already be gone.
      for (auto& job : queue_) {
        job->done = true;
        job->status = kWaitError;
      }
      queue_.clear();
    }
    work_cv_.notify_all();
    stall_cv_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  std::pair<uint32_t, int> execute_async(const std::vector<vart::TensorBuffer*>& input,
                                         const std::vector<vart::TensorBuffer*>& output) override {
    try {
      auto job = std::make_shared<Job>();
      Status s = CheckFingerprint();
      if (s.ok()) s = PrepareJob(input, output, job.get());
      if (!s.ok()) {
        LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": execute_async rejected: " << s.message();
        return {0u, -1};
      }
      if (options_.sync) return RunSync(job);
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_) return {0u, -1};
        job->id = next_id_++;
        if (next_id_ == 0) next_id_ = 1;  // 0 is never a valid job id
        jobs_[job->id] = job;
        queue_.push_back(job);
      }
      work_cv_.notify_one();
      return {job->id, 0};
    } catch (const std::exception& e) {
      LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": execute_async failed: " << e.what();
    } catch (...) {
      LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": execute_async failed (unknown exception)";
    }
    return {0u, -1};
  }

  // timeout in ms; negative waits forever.
  int wait(int jobid, int timeout) override {
    try {
      std::unique_lock<std::mutex> lock(mu_);
      auto it = jobs_.find(static_cast<uint32_t>(jobid));
      if (it == jobs_.end()) {
        LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": wait for unknown job id " << jobid;
        return kWaitError;
      }
      std::shared_ptr<Job> job = it->second;
      auto done = [&] { return job->done; };
      if (timeout < 0) {
        done_cv_.wait(lock, done);
      } else if (!done_cv_.wait_for(lock, std::chrono::milliseconds(timeout), done)) {
        return kWaitTimeout;  // still running; wait again later
      }
      jobs_.erase(job->id);
      return job->status;
    } catch (const std::exception& e) {
      LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": wait failed: " << e.what();
    } catch (...) {
      LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": wait failed (unknown exception)";
    }
    return kWaitError;
  }

  TensorFormat get_tensor_format() override { return TensorFormat::NHWC; }

  std::vector<const xir::Tensor*> get_input_tensors() override { return Raw(inputs_); }
  std::vector<const xir::Tensor*> get_output_tensors() override { return Raw(outputs_); }

 private:
  EmuRunner() = default;

  // VART 2.5 compares the model's and the DPU core's fingerprints on every
  // run and aborts on a mismatch (dpu-runner/src/dpu_runner_base_imp.cpp:
  // 648-650); either being 0 disables the check (:665-674). Same rule here,
  // with an error status instead of the abort.
  Status CheckFingerprint() const {
    if (!options_.board_fingerprint || *options_.board_fingerprint == 0 || model_fingerprint_ == 0) return Status::Ok();
    if (model_fingerprint_ == *options_.board_fingerprint) return Status::Ok();
    char text[160];
    std::snprintf(text, sizeof text, "fingerprint check failure: model_fingerprint 0x%llx, dpu_fingerprint 0x%llx (%s)",
                  static_cast<unsigned long long>(model_fingerprint_),
                  static_cast<unsigned long long>(*options_.board_fingerprint), kFingerprintEnv);
    return Unsupported(text);
  }

  // Sleeps the board-mode stall (plus the delay) unless the runner is being
  // destroyed; returns false when it was.
  bool Stall() {
    const int ms = options_.delay_ms + options_.stall_ms;
    if (ms <= 0) return true;
    std::unique_lock<std::mutex> lock(mu_);
    return !stall_cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return stop_; });
  }

  // SIGNDPU_EMU_SYNC: the job runs here, on the caller's thread, as the edge
  // DPU runner does (dpu-runner/src/imp/dpu_runner_ddr.cpp:172-187); wait()
  // then finds it done.
  std::pair<uint32_t, int> RunSync(const std::shared_ptr<Job>& job) {
    std::lock_guard<std::mutex> run_lock(sync_mu_);  // one job at a time, like DpuRunnerImp's mutex
    int status = 0;
    if (!Stall()) return {0u, -1};
    try {
      Execute(*executors_[0], *job, &sync_in_stage_, &sync_out_stage_);
    } catch (const std::exception& e) {
      LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": job failed: " << e.what();
      status = kWaitError;
    }
    std::lock_guard<std::mutex> lock(mu_);
    job->id = next_id_++;
    if (next_id_ == 0) next_id_ = 1;
    job->done = true;
    job->status = status;
    jobs_[job->id] = job;
    return {job->id, status == 0 ? 0 : -1};
  }

  static std::vector<const xir::Tensor*> Raw(const std::vector<std::unique_ptr<xir::Tensor>>& v) {
    std::vector<const xir::Tensor*> r;
    for (const auto& t : v) r.push_back(t.get());
    return r;
  }

  // The XIR tensors behind FixGraph inputs/outputs, cloned with their attrs
  // and dim 0 = engine batch (what the real DPU runner presents).
  Status CloneTensors(const xir::Graph* xg, const std::vector<int>& ids,
                      std::vector<std::unique_ptr<xir::Tensor>>* out) {
    for (int id : ids) {
      const std::string& tname = graph_.tensors[id].name;
      const xir::Tensor* t = xg->get_tensor(tname);
      if (t == nullptr) return Internal("subgraph " + name_ + ": tensor " + tname + " not found in the graph");
      std::vector<int32_t> shape = t->get_shape();
      shape[0] = options_.batch;
      std::unique_ptr<xir::Tensor> clone = xir::Tensor::create(tname, shape, t->get_data_type());
      clone->set_attrs(t->get_attrs());
      out->push_back(std::move(clone));
    }
    return Status::Ok();
  }

  // Matches buffers to tensors (by name when every runner tensor's name is
  // among the buffers, else by position), checks shapes and sizes, and
  // collects one address per image. `graph_ids` are the FixGraph tensor
  // ids behind `tensors` (graph_.inputs or graph_.outputs).
  template <typename Ptr>
  Status MapBuffers(const std::vector<vart::TensorBuffer*>& buffers,
                    const std::vector<std::unique_ptr<xir::Tensor>>& tensors, const std::vector<int>& graph_ids,
                    const char* what, int* count, std::vector<std::vector<Ptr>>* addresses) {
    if (buffers.size() != tensors.size())
      return InvalidArgument(std::string(what) + ": got " + std::to_string(buffers.size()) + " tensor buffers, the runner has " +
                             std::to_string(tensors.size()) + " " + what + " tensors");
    for (size_t i = 0; i < buffers.size(); ++i)
      if (buffers[i] == nullptr || buffers[i]->get_tensor() == nullptr)
        return InvalidArgument(std::string(what) + " buffer " + std::to_string(i) + " is null");
    std::vector<vart::TensorBuffer*> ordered(tensors.size(), nullptr);
    bool by_name = true;
    for (size_t i = 0; i < tensors.size() && by_name; ++i) {
      for (vart::TensorBuffer* b : buffers)
        if (b->get_tensor()->get_name() == tensors[i]->get_name()) ordered[i] = b;
      by_name = ordered[i] != nullptr;
    }
    if (!by_name) ordered = buffers;
    addresses->assign(tensors.size(), {});
    for (size_t i = 0; i < tensors.size(); ++i) {
      const xir::Tensor* want = tensors[i].get();
      const xir::Tensor* got = ordered[i]->get_tensor();
      const std::string where = std::string(what) + " " + want->get_name() + " (buffer tensor " + got->get_name() + ")";
      const std::vector<int32_t> ws = want->get_shape();
      const std::vector<int32_t> gs = got->get_shape();
      if (gs.size() != ws.size() || !std::equal(ws.begin() + 1, ws.end(), gs.begin() + 1))
        return InvalidArgument(where + ": buffer shape " + ShapeText(gs) + " does not match " + ShapeText(ws) +
                               " (dim 0 may be 1.." + std::to_string(options_.batch) + ")");
      if (gs[0] < 1 || gs[0] > options_.batch)
        return InvalidArgument(where + ": batch " + std::to_string(gs[0]) + " outside 1.." +
                               std::to_string(options_.batch) + " (the runner's batch)");
      if (got->get_data_type().bit_width != 8)
        return InvalidArgument(where + ": buffer holds " + got->get_data_type().to_string() + ", expected 8-bit");
      if (*count == 0) *count = gs[0];
      if (gs[0] != *count)
        return InvalidArgument(where + ": batch " + std::to_string(gs[0]) + " differs from the other buffers' " +
                               std::to_string(*count));
      const int64_t per_image = graph_.tensors[graph_ids[i]].per_image_size();
      std::vector<int32_t> index(gs.size(), 0);
      for (int b = 0; b < *count; ++b) {
        index[0] = b;
        const std::pair<uint64_t, size_t> data = ordered[i]->data(index);
        if (data.first == 0) return InvalidArgument(where + ": image " + std::to_string(b) + " has a null address");
        if (static_cast<int64_t>(data.second) < per_image)
          return InvalidArgument(where + ": image " + std::to_string(b) + " has " + std::to_string(data.second) +
                                 " bytes, expected " + std::to_string(per_image));
        (*addresses)[i].push_back(reinterpret_cast<Ptr>(data.first));
      }
    }
    return Status::Ok();
  }

  static std::string ShapeText(const std::vector<int32_t>& s) {
    return ShapeToString(Shape(s.begin(), s.end()));
  }

  Status PrepareJob(const std::vector<vart::TensorBuffer*>& input, const std::vector<vart::TensorBuffer*>& output,
                    Job* job) {
    int count = 0;
    SIGNDPU_RETURN_IF_ERROR(MapBuffers(input, inputs_, graph_.inputs, "input", &count, &job->inputs));
    SIGNDPU_RETURN_IF_ERROR(MapBuffers(output, outputs_, graph_.outputs, "output", &count, &job->outputs));
    job->count = count;
    return Status::Ok();
  }

  void WorkerLoop(int worker) {
    FixGraphExecutor& ex = *executors_[worker];
    // Staging for non-contiguous buffers (per-image addresses not adjacent).
    std::vector<std::vector<int8_t>> in_stage(graph_.inputs.size()), out_stage(graph_.outputs.size());
    for (;;) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return stop_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stop_
        job = queue_.front();
        queue_.pop_front();
      }
      int status = 0;
      try {
        if (!Stall()) status = kWaitError;  // the runner is being destroyed
        else Execute(ex, *job, &in_stage, &out_stage);
      } catch (const std::exception& e) {
        LOG(ERROR) << "signdpu-emu: subgraph " << name_ << ": job " << job->id << " failed: " << e.what();
        status = kWaitError;
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        job->done = true;
        job->status = status;
      }
      done_cv_.notify_all();
    }
  }

  void Execute(FixGraphExecutor& ex, const Job& job, std::vector<std::vector<int8_t>>* in_stage,
               std::vector<std::vector<int8_t>>* out_stage) {
    std::vector<const int8_t*> ins;
    std::vector<int8_t*> outs;
    std::vector<bool> gather_out(job.outputs.size(), false);
    for (size_t i = 0; i < job.inputs.size(); ++i) {
      const int64_t n = graph_.tensors[graph_.inputs[i]].per_image_size();
      const auto& p = job.inputs[i];
      if (Contiguous(p, n)) {
        ins.push_back(p[0]);
        continue;
      }
      auto& stage = (*in_stage)[i];
      stage.resize(static_cast<size_t>(n * job.count));
      for (int b = 0; b < job.count; ++b) std::memcpy(stage.data() + b * n, p[b], static_cast<size_t>(n));
      ins.push_back(stage.data());
    }
    for (size_t i = 0; i < job.outputs.size(); ++i) {
      const int64_t n = graph_.tensors[graph_.outputs[i]].per_image_size();
      const auto& p = job.outputs[i];
      if (Contiguous(p, n)) {
        outs.push_back(p[0]);
        continue;
      }
      gather_out[i] = true;
      (*out_stage)[i].resize(static_cast<size_t>(n * job.count));
      outs.push_back((*out_stage)[i].data());
    }
    ex.Run(ins, outs, job.count);
    for (size_t i = 0; i < job.outputs.size(); ++i) {
      if (!gather_out[i]) continue;
      const int64_t n = graph_.tensors[graph_.outputs[i]].per_image_size();
      for (int b = 0; b < job.count; ++b)
        std::memcpy(job.outputs[i][b], (*out_stage)[i].data() + b * n, static_cast<size_t>(n));
    }
  }

  template <typename Ptr>
  static bool Contiguous(const std::vector<Ptr>& p, int64_t n) {
    for (size_t b = 1; b < p.size(); ++b)
      if (reinterpret_cast<const int8_t*>(p[b]) != reinterpret_cast<const int8_t*>(p[0]) + static_cast<int64_t>(b) * n)
        return false;
    return true;
  }

  std::string name_;
  RunnerOptions options_;
  FixGraph graph_;
  std::vector<std::unique_ptr<xir::Tensor>> inputs_, outputs_;
  std::vector<std::unique_ptr<FixGraphExecutor>> executors_;  // one per worker
  std::vector<std::thread> workers_;
  uint64_t model_fingerprint_ = 0;
  std::mutex sync_mu_;
  std::vector<std::vector<int8_t>> sync_in_stage_, sync_out_stage_;

  std::mutex mu_;
  std::condition_variable work_cv_, done_cv_, stall_cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::unordered_map<uint32_t, std::shared_ptr<Job>> jobs_;
  uint32_t next_id_ = 1;
  bool stop_ = false;
};

}  // namespace

Result<RunnerOptions> ResolveOptions(const xir::Attrs* attrs) {
  RunnerOptions o;
  o.kernel_path = BestKernelPath();
  SIGNDPU_RETURN_IF_ERROR(ParseEnvInt("SIGNDPU_EMU_BATCH", 1, kMaxBatch, &o.batch));
  SIGNDPU_RETURN_IF_ERROR(ParseEnvInt("SIGNDPU_EMU_THREADS", 1, kMaxThreads, &o.num_threads));
  SIGNDPU_RETURN_IF_ERROR(ParseEnvInt("SIGNDPU_EMU_DELAY_MS", 0, kMaxDelayMs, &o.delay_ms));
  SIGNDPU_ASSIGN_OR_RETURN(o.board_fingerprint, BoardFingerprintFromEnv());
  int sync = 0;
  SIGNDPU_RETURN_IF_ERROR(ParseEnvInt(kSyncEnv, 0, 1, &sync));
  o.sync = sync == 1;
  SIGNDPU_RETURN_IF_ERROR(ParseEnvInt(kStallEnv, 0, kMaxStallMs, &o.stall_ms));
  try {
    SIGNDPU_RETURN_IF_ERROR(ParseAttrInt(attrs, xmodel::names::kRunnerEmuBatch, 1, kMaxBatch, &o.batch));
    SIGNDPU_RETURN_IF_ERROR(ParseAttrInt(attrs, xmodel::names::kRunnerEmuThreads, 1, kMaxThreads, &o.num_threads));
    SIGNDPU_RETURN_IF_ERROR(ParseAttrInt(attrs, xmodel::names::kRunnerEmuDelayMs, 0, kMaxDelayMs, &o.delay_ms));
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("runner attributes: ") + e.what());
  }
  return o;
}

Status ProbeSubgraph(const xir::Subgraph* subgraph) {
  if (subgraph == nullptr) return InvalidArgument("ProbeSubgraph: null subgraph");
  try {
    SIGNDPU_ASSIGN_OR_RETURN(FixGraph graph, xmodel::ReadDpuSubgraph(subgraph));
    SIGNDPU_RETURN_IF_ERROR(
        FixGraphExecutor::Create(graph, 1, KernelPath::kReference).status().WithContext("subgraph " + subgraph->get_name()));
  } catch (const std::exception& e) {
    return Internal("subgraph " + subgraph->get_name() + ": " + e.what());
  }
  return Status::Ok();
}

Result<std::unique_ptr<vart::Runner>> CreateRunner(const xir::Subgraph* subgraph, const RunnerOptions& options) {
  if (options.batch < 1 || options.batch > kMaxBatch) return InvalidArgument("batch " + std::to_string(options.batch));
  if (options.num_threads < 1 || options.num_threads > kMaxThreads)
    return InvalidArgument("num_threads " + std::to_string(options.num_threads));
  if (options.delay_ms < 0 || options.delay_ms > kMaxDelayMs)
    return InvalidArgument("delay_ms " + std::to_string(options.delay_ms));
  if (options.stall_ms < 0 || options.stall_ms > kMaxStallMs)
    return InvalidArgument("stall_ms " + std::to_string(options.stall_ms));
  try {
    SIGNDPU_ASSIGN_OR_RETURN(std::unique_ptr<EmuRunner> runner, EmuRunner::Create(subgraph, options));
    // GLOG_vmodule=emu_runner=1 (with GLOG_logtostderr=1) shows which kernels a
    // run really used; scripts/cross-test.sh checks "kernels neon" on aarch64.
    VLOG(1) << "signdpu-emu: subgraph " << subgraph->get_name() << ": kernels " << KernelPathName(options.kernel_path)
            << ", batch " << options.batch << ", threads " << options.num_threads << (options.sync ? ", sync" : "")
            << ", stall " << options.stall_ms << " ms";
    return std::unique_ptr<vart::Runner>(std::move(runner));
  } catch (const std::exception& e) {
    return Internal("subgraph " + (subgraph ? subgraph->get_name() : std::string("(null)")) + ": " + e.what());
  }
}

}  // namespace signdpu::emu
