// The worker unit of `signdpu run` (app/pipeline.h): one per thread, each
// with its own VART runner. Takes a batch of frames from the FrameQueue,
// preprocesses and quantises them into the runner's input buffer
// (io/preprocess.h), runs execute_async + wait, turns the int8 outputs into
// probabilities (Fix2Float, softmax, top-k) and hands the results to the
// collector.
#pragma once

#include <cstdint>

#include <vart/runner.hpp>

#include "signdpu/app/pipeline_queues.h"
#include "signdpu/core/status.h"
#include "signdpu/io/preprocess.h"

namespace signdpu::app {

struct WorkerConfig {
  int batch = 1;               // frames per job (the runner's input batch)
  int64_t in_size = 0;         // int8 bytes per frame in the input tensor
  int64_t classes = 0;         // int8 values per frame in the output tensor
  int out_fix_point = 0;       // the output tensor's fix_point
  io::PreprocessConfig pre;    // model input size, input fix_point, ROI
  int top_k = 1;
  bool skip_bad = false;       // a frame that fails preprocessing is counted, not an error
  bool keep_images = false;    // keep the frame's image for display/record
};

struct WorkerStats {
  double dpu_seconds = 0;      // inside execute_async .. wait
  int64_t frames = 0;          // frames run
  Status status;               // the error that stopped this worker
};

// Runs on a worker thread until the queue is closed and empty or
// flags.failed is set; an error sets flags.failed and is in the returned
// status. Calls results.WorkerDone() on every path.
WorkerStats RunWorker(vart::Runner* runner, const WorkerConfig& config, FrameQueue& queue, ResultQueue& results,
                      PipelineFlags& flags);

}  // namespace signdpu::app
