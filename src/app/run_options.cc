#include "signdpu/app/run_options.h"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <utility>

#include "signdpu/core/number_parse.h"
#include "signdpu/io/csv_reader.h"

namespace signdpu::app {

Status CheckNotEmpty(const std::string& flag, const std::string& value, bool given) {
  if (given && value.empty()) return InvalidArgument(flag + ": empty value, expected a file name");
  return Status::Ok();
}

Status CheckOutputFolder(const std::string& flag, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound(flag + " " + path + ": folder " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return IoError(flag + " " + path + ": folder " + dir + " is not writable: " + std::strerror(errno));
  if (fs::is_directory(path, ec)) return InvalidArgument(flag + " " + path + ": is a directory");
  // An existing device, FIFO or socket is never a report or video file.
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
    return InvalidArgument(flag + " " + path + ": exists and is not a regular file");
  return Status::Ok();
}

namespace {

// CSV frames are 28x28 pixel rows, not pictures: nothing to show, record
// or cut.
Status CheckCsvConflicts(const RunOptions& o, const io::Roi& roi) {
  if (!o.FromCsv()) return Status::Ok();
  if (!o.record.empty())
    return InvalidArgument("--record " + o.record +
                           ": a CSV source has no images to record (use --images, --video or --camera)");
  if (o.Given("--roi") && !roi.centre_square)
    return InvalidArgument("--roi " + o.roi_text +
                           ": CSV rows are already model-sized pixels; --roi applies to images, video and camera frames");
  if (o.display)
    return InvalidArgument("--display: a CSV source has no images to show (use --images, --video or --camera)");
  return Status::Ok();
}

// --results, --on-change[=N] and --serve (app/live_outputs.h).
Status CheckLiveFlags(const RunOptions& o, CheckedRunOptions* c) {
  if (o.Given("--results")) {
    SIGNDPU_ASSIGN_OR_RETURN(c->results, ParseResultsTarget(o.results));
  }
  if (o.Given("--on-change")) {
    if (!c->results) return InvalidArgument("--on-change: needs --results TARGET (it filters the results lines)");
    c->on_change = 1;  // bare --on-change: every change
    if (!o.on_change_text.empty()) {
      SIGNDPU_ASSIGN_OR_RETURN(int64_t n, ParseInt64(o.on_change_text, "--on-change", 0, 1000000));
      c->on_change = static_cast<int>(n);
    }
  }
  if (c->results && c->results->kind == ResultsTarget::Kind::kStdout && !o.quiet)
    return InvalidArgument("--results -: standard output also carries the per-frame lines; add --quiet");
  if (o.Given("--serve")) {
    SIGNDPU_ASSIGN_OR_RETURN(c->serve, ParseServeAddress(o.serve));
  }
  return Status::Ok();
}

}  // namespace

Status CheckRunFileFlags(const RunOptions& o) {
  const std::pair<const char*, const std::string*> files[] = {
      {"--model", &o.model_path}, {"--csv", &o.csv},       {"--camera", &o.camera},
      {"--video", &o.video},      {"--images", &o.images}, {"--labels", &o.labels_path},
      {"--summary-json", &o.summary_json}, {"--record", &o.record}};
  for (const auto& [flag, value] : files) SIGNDPU_RETURN_IF_ERROR(CheckNotEmpty(flag, *value, o.Given(flag)));
  return Status::Ok();
}

Result<CheckedRunOptions> CheckRunOptions(const RunOptions& o) {
  SIGNDPU_RETURN_IF_ERROR(CheckRunFileFlags(o));
  CheckedRunOptions c;
  SIGNDPU_ASSIGN_OR_RETURN(c.mode, ParseRunMode(o.mode_text));
  SIGNDPU_ASSIGN_OR_RETURN(c.roi, io::ParseRoi(o.roi_text));
  SIGNDPU_RETURN_IF_ERROR(CheckCsvConflicts(o, c.roi));
  if (!o.summary_json.empty()) SIGNDPU_RETURN_IF_ERROR(CheckOutputFolder("--summary-json", o.summary_json));
  if (!o.record.empty()) SIGNDPU_RETURN_IF_ERROR(CheckOutputFolder("--record", o.record));
  SIGNDPU_RETURN_IF_ERROR(CheckLiveFlags(o, &c));
  return c;
}

BudgetRequest RunBudgetRequest(const RunOptions& o, RunMode requested) {
  BudgetRequest b;
  b.threads = o.threads;
  if (requested != RunMode::kRun) {
    b.batch = o.emu_batch;
    const char* env = std::getenv("SIGNDPU_EMU_BATCH");  // wins in the emulator (emu_runner.h)
    if (env != nullptr && std::atoi(env) > 0) b.batch = std::atoi(env);
  }
  if (o.FromCsv()) {
    b.source_height = kCsvFrameSide;
    b.source_width = kCsvFrameSide;
    b.source_name = "--csv " + o.csv;
  }
  return b;
}

Result<std::unique_ptr<io::FrameSource>> OpenRunSource(const RunOptions& o) {
  if (o.FromCsv()) {
    io::CsvOptions csv;
    csv.skip_bad = o.skip_bad;
    return io::OpenCsvSource(o.csv, csv);
  }
  if (o.Given("--camera")) {
    io::CameraOptions cam;
    cam.width = o.width;
    cam.height = o.height;
    cam.fps = o.fps;
    cam.mjpg = o.mjpg;
    return io::OpenCameraSource(o.camera, cam);
  }
  if (o.Given("--video")) return io::OpenVideoSource(o.video);
  return io::OpenImageDirSource(o.images, o.skip_bad);
}

PipelineOptions RunPipelineOptions(const RunOptions& o, const CheckedRunOptions& checked, RunMode resolved,
                                   std::vector<std::string> labels, std::string labels_what, bool progress) {
  PipelineOptions p;
  p.mode = resolved;
  p.threads = o.threads;
  p.emu_batch = o.emu_batch;
  p.top_k = o.top_k;
  p.json = o.json;
  p.per_frame = !o.quiet;
  p.limit = o.limit;
  p.bench_seconds = o.bench;
  p.skip_bad = o.skip_bad;
  p.roi = checked.roi;
  p.labels = std::move(labels);
  p.labels_what = std::move(labels_what);
  p.progress = progress;
  p.display = o.display;
  p.record_path = o.record;
  return p;
}

}  // namespace signdpu::app
