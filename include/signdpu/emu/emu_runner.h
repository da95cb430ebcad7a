// The signdpu DPU emulator as a VART runner plugin.
//
// libvart-signdpu-emu-runner.so exports the two C entry points libvart looks
// up with dlsym (docs/emulator.md section 1; v2.5 vart/util/src/plugin.cpp:51):
//   extern "C" vart::Runner* create_runner(const xir::Subgraph*);
//   extern "C" vart::Runner* create_runner_with_attrs(const xir::Subgraph*, xir::Attrs*);
// so that unchanged VART applications run DPU subgraphs on the host:
//   - our host xmodels name the library in the DPU subgraph's `runner`
//     attribute for modes "ref" and "sim": vart::Runner::create_runner(sg, "ref");
//   - any compiled xmodel (e.g. Xilinx's) via the `lib` override:
//     attrs->set_attr("mode", "ref");
//     attrs->set_attr("lib", std::map<std::string, std::string>{{"DPU", "libvart-signdpu-emu-runner.so"}});
//     vart::Runner::create_runner_with_attrs(sg, attrs.get());
// The library is found by plain dlopen: DT_RPATH, LD_LIBRARY_PATH or an
// absolute path (docs/emulator.md).
//
// The runner mirrors the real DPU runner's tensors: get_input_tensors() are
// subgraph->get_sorted_input_tensors(), get_output_tensors() the sorted
// output tensors, cloned with all their attributes (fix_point, bit_width,
// if_signed, ...) and dim 0 set to the engine batch.
//
// Failures never abort and never throw across the C boundary: creation
// returns nullptr after a LOG(ERROR) line naming the subgraph and op (libvart
// passes the nullptr on to the caller as an empty unique_ptr [source:
// vart/runner/src/runner.cpp]); execute_async and wait return -1 style codes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "signdpu/core/status.h"
#include "signdpu/kernels/dispatch.h"

namespace xir {
class Attrs;
class Subgraph;
}  // namespace xir

namespace vart {
class Runner;
}  // namespace vart

namespace signdpu::emu {

// Default engine batch: 1, the batch a DPUCZDX8G_ISA1_B4096 runner reports on
// a ZCU104 (its compiled tensors have dim 0 = 1 and the edge DPU runner keeps
// it [checked on the compiled fixture; inferred for the runner]). Host runs
// then see exactly the shapes the board shows; a larger batch amortises the
// per-job overhead on the CPU (SIGNDPU_EMU_BATCH, docs/emulator.md).
constexpr int kDefaultBatch = 1;
constexpr int kMaxBatch = 1024;
constexpr int kDefaultThreads = 1;
constexpr int kMaxThreads = 64;
constexpr int kMaxDelayMs = 60000;

// wait() results besides 0 (done).
constexpr int kWaitError = -1;    // unknown job id, or the job failed
constexpr int kWaitTimeout = -2;  // not finished within the timeout

struct RunnerOptions {
  int batch = kDefaultBatch;        // dim 0 of the runner's tensors
  int num_threads = kDefaultThreads;  // worker threads of one runner
  int delay_ms = 0;                 // extra latency per job (emulate board timing, tests)
  KernelPath kernel_path = KernelPath::kReference;
  // Board mode (signdpu/emu/board_mode.h, docs/emulator.md).
  std::optional<uint64_t> board_fingerprint;  // SIGNDPU_EMU_FINGERPRINT
  bool sync = false;                          // SIGNDPU_EMU_SYNC=1
  int stall_ms = 0;                           // SIGNDPU_EMU_STALL_MS
};

// Defaults, then the environment (SIGNDPU_EMU_BATCH, SIGNDPU_EMU_THREADS,
// SIGNDPU_EMU_DELAY_MS, the board-mode SIGNDPU_EMU_FINGERPRINT,
// SIGNDPU_EMU_SYNC and SIGNDPU_EMU_STALL_MS; SIGNDPU_REFERENCE_KERNELS=1 via
// BestKernelPath), then
// int attributes signdpu_emu_batch / signdpu_emu_threads /
// signdpu_emu_delay_ms of `attrs` (may be null). Out-of-range or malformed
// values are errors.
Result<RunnerOptions> ResolveOptions(const xir::Attrs* attrs);

// Can the emulator run this subgraph? Checks that it is a DPU subgraph whose
// every op and attribute is supported, without creating a runner. Apps call
// it before create_runner to get a Status instead of a nullptr + log line.
Status ProbeSubgraph(const xir::Subgraph* subgraph);

// The runner itself, for apps that link the library (same object as the
// plugin entry points create).
Result<std::unique_ptr<vart::Runner>> CreateRunner(const xir::Subgraph* subgraph, const RunnerOptions& options);

}  // namespace signdpu::emu
