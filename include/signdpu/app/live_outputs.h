// What `signdpu run` hands each classified frame to besides stdout: the
// --results stream (app/results_output.h) and the --serve live view and
// metrics (app/live_server.h). Both are started before the pipeline (so a
// bad target or a port in use fails before any frame is read) and both only
// take the frame on the collector thread without waiting for anyone.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signdpu/app/live_server.h"
#include "signdpu/app/pipeline_queues.h"
#include "signdpu/app/results_output.h"
#include "signdpu/core/status.h"
#include "signdpu/io/pixels.h"

namespace signdpu::app {

// How long the results writer may go on writing after the last frame.
inline constexpr std::chrono::milliseconds kResultsDrain{2000};

struct LiveOutputOptions {
  std::optional<ResultsTarget> results;
  int on_change = 0;  // --on-change hold in frames; 0: every frame
  std::optional<ServeAddress> serve;
  std::vector<std::string> labels;
  io::Roi roi;
  std::string source;  // the "source" of each results line
};

class LiveOutputs {
 public:
  static Result<std::unique_ptr<LiveOutputs>> Start(LiveOutputOptions options);
  ~LiveOutputs();
  bool wants_images() const { return server_ != nullptr; }
  void OnFrame(const FrameEvent& e);
  // Stops the server, drains the results (kResultsDrain) and prints how many
  // lines were dropped, if any; an error for a failed results file write.
  Status Finish();

 private:
  LiveOutputOptions o_;
  std::unique_ptr<ResultsWriter> results_;
  ChangeFilter change_{0};
  std::unique_ptr<LiveState> state_;
  std::unique_ptr<LiveServer> server_;
};

}  // namespace signdpu::app
