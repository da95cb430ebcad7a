// The options of `signdpu run` and their checks, apart from the command
// line parser (src/app/signdpu_main.cc), so that flag validation is tested
// without spawning the program (tests/app/run_options_test.cc). Every flag
// is checked here before the model is opened or a frame read.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "signdpu/app/budget.h"
#include "signdpu/app/live_server.h"
#include "signdpu/app/results_output.h"
#include "signdpu/app/model.h"
#include "signdpu/app/pipeline.h"
#include "signdpu/core/status.h"
#include "signdpu/io/frame_source.h"
#include "signdpu/io/preprocess.h"

namespace signdpu::app {

// The flags of `signdpu run` as given; defaults as in `signdpu run --help`.
struct RunOptions {
  std::string model_path, csv, camera, video, images, labels_path, summary_json, record;
  std::string results, on_change_text, serve;  // --results, --on-change[=N], --serve (app/live_outputs.h)
  std::string mode_text = "auto";
  std::string roi_text = "centre";
  int threads = 2, top_k = 1, width = 0, height = 0, emu_batch = 8;
  double bench = 0, fps = 0;
  int64_t limit = -1;
  bool json = false, skip_bad = false, quiet = false, mjpg = false, display = false, no_progress = false;
  // The flags present on the command line ("--csv", "--roi", ...): a flag
  // given as "" is an error about that flag, and --roi given explicitly
  // with a CSV source is refused.
  std::set<std::string> given;
  bool Given(const std::string& flag) const { return given.count(flag) > 0; }
  bool FromCsv() const { return Given("--csv"); }
};

// What the checks derived from the text flags.
struct CheckedRunOptions {
  RunMode mode = RunMode::kAuto;  // as requested (PrepareRun resolves kAuto)
  io::Roi roi;
  std::optional<ResultsTarget> results;
  int on_change = 0;  // frames a class must hold before a results line; 0: every frame
  std::optional<ServeAddress> serve;
};

// A CSV frame is 28x28x1 model-sized pixels (io::CsvOptions::pixels = 784),
// never resized.
inline constexpr int kCsvFrameSide = 28;

// The file-name flags given as "" (CheckNotEmpty), in --help order. The
// program runs this before it parses the numeric flags.
Status CheckRunFileFlags(const RunOptions& options);

// Every check that needs neither the model nor the source: empty file
// names, --mode, --roi, flags a CSV source cannot use, and that the
// folders of --summary-json and --record are writable. The first failure,
// as one message naming the flag.
Result<CheckedRunOptions> CheckRunOptions(const RunOptions& options);

// A file-name flag given as "" is an error about that flag (not a
// confusing error about some other default or an empty path).
Status CheckNotEmpty(const std::string& flag, const std::string& value, bool given);

// An output file must be writable before a run spends minutes: its folder
// exists and is writable, and the path is not a directory, device, FIFO or
// socket. The write itself is checked again at the end.
Status CheckOutputFolder(const std::string& flag, const std::string& path);

// The tensor-memory budget request of this run (app/budget.h): threads,
// the emulator's engine batch unless mode run was asked for (then the
// xmodel's), and the CSV's fixed frame size.
BudgetRequest RunBudgetRequest(const RunOptions& options, RunMode requested);

// Opens the one source the flags name (CSV, camera, video or image folder).
Result<std::unique_ptr<io::FrameSource>> OpenRunSource(const RunOptions& options);

// The pipeline options of this run; `stop`, `notifier` and `emit` are left
// for the caller, `progress` is given (it depends on the terminal).
PipelineOptions RunPipelineOptions(const RunOptions& options, const CheckedRunOptions& checked, RunMode resolved,
                                   std::vector<std::string> labels, std::string labels_what, bool progress);

}  // namespace signdpu::app
