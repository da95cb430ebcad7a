// The inference pipeline of `signdpu run`:
//   reader thread -> bounded queue -> N workers (one VART runner each,
//   execute_async + wait per batch: the edge DPU runner runs the job inside
//   execute_async, so overlap comes from threads >= DPU cores) ->
//   in-order collector (per-frame output, statistics, watchdog, display).
// Each unit has its own header: pipeline_reader.h, pipeline_worker.h,
// pipeline_collector.h, and the queues between them pipeline_queues.h.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "signdpu/app/model.h"
#include "signdpu/app/pipeline_queues.h"
#include "signdpu/app/report.h"
#include "signdpu/core/status.h"
#include "signdpu/io/frame_source.h"
#include "signdpu/io/preprocess.h"

namespace signdpu::io {
class ServiceNotifier;
}

namespace signdpu::app {

struct PipelineOptions {
  RunMode mode = RunMode::kRef;   // resolved (not kAuto)
  // One runner per thread. 2 = the ZCU104's two DPU cores (the board image's
  // DPUCZDX8G has 2 cores; VART binds runners to cores in turn), so both are
  // busy; more threads also overlap preprocessing with the DPU.
  int threads = 2;
  int emu_batch = 8;               // engine batch of the emulator (mode ref)
  int top_k = 1;
  bool json = false;              // per-frame JSON lines
  bool per_frame = true;          // print per-frame results
  int64_t limit = -1;             // frames
  double bench_seconds = 0;       // > 0: loop the input for this long
  bool skip_bad = false;
  io::Roi roi;
  std::vector<std::string> labels;
  std::string labels_what = "labels";  // names the labels' origin in errors ("--labels f.txt")
  bool progress = false;          // progress line on stderr
  bool display = false;           // window with the prediction drawn
  std::string record_path;        // video file with the prediction drawn
  std::atomic<bool>* stop = nullptr;  // set by SIGINT/SIGTERM
  io::ServiceNotifier* notifier = nullptr;
  std::function<void(const std::string&)> emit;  // per-frame line sink (stdout)
  // Each frame in order, for --results and --serve (app/live_outputs.h); on
  // the collector thread, so it must not block. keep_images: with the image.
  std::function<void(const FrameEvent&)> on_frame;
  bool keep_images = false;
};

Result<Summary> RunPipeline(const Model& model, io::FrameSource& source, const PipelineOptions& options);

}  // namespace signdpu::app
