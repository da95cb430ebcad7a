// signdpu: the on-target runner. Flag parsing and wiring only.
//   signdpu run --model X.xmodel (--csv F | --camera N | --video F | --images DIR) ...
//   signdpu inspect X.xmodel
//   signdpu dump --model X.xmodel (--csv F | --input-raw F.bin) --out DIR
//   signdpu compare DIR_A DIR_B
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <list>

#include <CLI/CLI.hpp>

#include "signdpu/app/budget.h"
#include "signdpu/app/dump.h"
#include "signdpu/app/inspect_int.h"
#include "signdpu/app/model.h"
#include "signdpu/app/pipeline.h"
#include "signdpu/core/file_io.h"
#include "signdpu/core/json_text.h"
#include "signdpu/core/number_parse.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/labels.h"
#include "signdpu/io/service_notifier.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  g_stop = true;
  // A second signal terminates at once.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

// One error line: the message may quote file names, labels or flag values
// (untrusted bytes), so it is printed through PrintableText and cannot
// become two lines or carry terminal escapes.
int Fail(const signdpu::Status& s) {
  std::fprintf(stderr, "signdpu: error: %s\n", signdpu::PrintableText(s.message()).c_str());
  return 1;
}

// Numeric flags are read as text by CLI11 and parsed here by the one
// checked parser (core/number_parse.h): a too-large value is "out of
// range" with the accepted range, the value quoted as the user gave it.
// Only flags given on the command line are parsed; the default stays.
struct NumberFlags {
  std::vector<std::function<signdpu::Status()>> parsers;
  template <typename T>
  void Int(CLI::App* app, const std::string& name, T* target, int64_t min, int64_t max, const std::string& help,
           std::list<std::string>* texts) {
    texts->emplace_back();
    std::string* text = &texts->back();
    CLI::Option* opt = app->add_option(name, *text, help)->type_name("INT");
    parsers.push_back([=]() -> signdpu::Status {
      if (opt->count() == 0) return signdpu::Status::Ok();
      auto v = signdpu::ParseInt64(*text, name, min, max);
      if (!v.ok()) return v.status();
      *target = static_cast<T>(*v);
      return signdpu::Status::Ok();
    });
  }
  void Real(CLI::App* app, const std::string& name, double* target, double min, double max, const std::string& help,
            std::list<std::string>* texts) {
    texts->emplace_back();
    std::string* text = &texts->back();
    CLI::Option* opt = app->add_option(name, *text, help)->type_name("NUMBER");
    parsers.push_back([=]() -> signdpu::Status {
      if (opt->count() == 0) return signdpu::Status::Ok();
      auto v = signdpu::ParseFinite(*text, name, min, max);
      if (!v.ok()) return v.status();
      *target = *v;
      return signdpu::Status::Ok();
    });
  }
  signdpu::Status ParseAll() const {
    for (const auto& p : parsers) {
      signdpu::Status s = p();
      if (!s.ok()) return s;
    }
    return signdpu::Status::Ok();
  }
};

// A file-name flag given as "" is an error about that flag (not a confusing
// error about some other default or an empty path).
signdpu::Status NotEmpty(const CLI::Option* opt, const std::string& value) {
  if (opt->count() > 0 && value.empty()) return signdpu::InvalidArgument(opt->get_name() + ": empty value, expected a file name");
  return signdpu::Status::Ok();
}

// An output file must be writable before a run spends minutes: its folder
// exists and is writable. The write itself is checked again at the end.
signdpu::Status CheckOutputFolder(const std::string& flag, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path parent = fs::path(path).parent_path();
  const std::string dir = parent.empty() ? "." : parent.string();
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return signdpu::NotFound(flag + " " + path + ": folder " + dir + " does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return signdpu::IoError(flag + " " + path + ": folder " + dir + " is not writable: " + std::strerror(errno));
  if (fs::is_directory(path, ec)) return signdpu::InvalidArgument(flag + " " + path + ": is a directory");
  // An existing device, FIFO or socket is never a report or video file.
  if (fs::exists(path, ec) && !fs::is_regular_file(path, ec))
    return signdpu::InvalidArgument(flag + " " + path + ": exists and is not a regular file");
  return signdpu::Status::Ok();
}


void PrintInspect(const signdpu::app::Model& m) {
  using signdpu::PrintableText;  // names inside a model are untrusted bytes: one line each
  std::printf("model %s\n", PrintableText(m.path()).c_str());
  for (const auto& s : m.Describe()) {
    std::printf("subgraph %s  device %s", PrintableText(s.name).c_str(), PrintableText(s.device).c_str());
    if (!s.dpu_name.empty()) std::printf("  dpu_name %s", PrintableText(s.dpu_name).c_str());
    if (s.has_fingerprint) std::printf("  dpu_fingerprint 0x%016llx", static_cast<unsigned long long>(s.dpu_fingerprint));
    std::printf("\n");
    for (const auto& r : s.runner_libs) std::printf("  runner %s\n", PrintableText(r).c_str());
    auto tensor = [](const char* dir, const signdpu::app::TensorInfo& t) {
      std::string shape;
      for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(t.shape[i]);
      if (t.data_type.rfind("FLOAT", 0) == 0)
        std::printf("  %s %s  shape %s  %s\n", dir, PrintableText(t.name).c_str(), shape.c_str(),
                    PrintableText(t.data_type).c_str());
      else
        std::printf("  %s %s  shape %s  fix_point %d  %s\n", dir, PrintableText(t.name).c_str(), shape.c_str(),
                    t.fix_point, PrintableText(t.data_type).c_str());
    };
    for (const auto& t : s.inputs) tensor("input ", t);
    for (const auto& t : s.outputs) tensor("output", t);
    if (!s.ops.empty()) {
      std::printf("  ops");
      for (const auto& op : s.ops) std::printf(" %s", PrintableText(op).c_str());
      std::printf("\n");
    }
  }
}

}  // namespace

static int Main(int argc, char** argv);

// Allocation failures and stray exceptions are one error line, never an abort.
int main(int argc, char** argv) {
  try {
    return Main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "signdpu: error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "signdpu: error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "signdpu: error: unknown exception\n");
  }
  return 1;
}

static int Main(int argc, char** argv) {
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  CLI::App app{"signdpu: int8 hand-sign classification on the ZCU104 DPU (or its CPU emulator)"};
  app.require_subcommand(1);

  // ---- run -------------------------------------------------------------------
  auto* run = app.add_subcommand("run", "classify frames from a CSV, camera, video or image folder");
  std::string model_path, csv, camera, video, images, labels_path, mode_text = "auto", summary_json, roi_text = "centre",
      record;
  int threads = 2, top_k = 1, width = 0, height = 0;
  double bench = 0, fps = 0;
  int64_t limit = -1;
  bool json = false, skip_bad = false, quiet = false, mjpg = false, display = false, no_progress = false;
  constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
  std::list<std::string> number_texts;  // NumberFlags keeps pointers into it (a list: they stay valid)
  NumberFlags numbers;
  auto* model_opt = run->add_option("--model", model_path, "compiled or host .xmodel")->required();
  auto* src_group = run->add_option_group("source", "where frames come from");
  auto* csv_opt = src_group->add_option("--csv", csv, "Sign-MNIST style CSV (header and label column optional)");
  auto* camera_opt = src_group->add_option("--camera", camera, "V4L2 camera: index (0) or device (/dev/video0)");
  auto* video_opt = src_group->add_option("--video", video, "video file or GStreamer pipeline");
  auto* images_opt = src_group->add_option("--images", images, "folder of images");
  src_group->require_option(1);
  auto* labels_opt = run->add_option("--labels", labels_path, "class names, one per line (line i = class i)");
  numbers.Int(run, "--threads", &threads, 1, 64, "worker threads, one runner each (1-64; default 2: both ZCU104 DPU cores busy)", &number_texts);
  run->add_option("--mode", mode_text, "auto | run (Xilinx DPU runner) | ref (signdpu emulator)");
  run->add_flag("--json", json, "per-frame results as JSON lines");
  auto* summary_opt = run->add_option("--summary-json", summary_json, "write the summary as JSON to this path");
  numbers.Int(run, "--limit", &limit, 1, kInt64Max, "stop after N frames (N >= 1)", &number_texts);
  numbers.Real(run, "--bench", &bench, 0, 31536000, "run for this many seconds, looping the input", &number_texts);
  run->add_flag("--skip-bad", skip_bad, "skip and count bad rows/images instead of failing");
  auto* roi_opt = run->add_option("--roi", roi_text, "centre | full | X,Y,W,H (images, video, camera)");
  numbers.Int(run, "--top-k", &top_k, 1, 100, "classes per frame (1-100)", &number_texts);
  numbers.Int(run, "--width", &width, 1, 16384, "camera capture width", &number_texts);
  numbers.Int(run, "--height", &height, 1, 16384, "camera capture height", &number_texts);
  numbers.Real(run, "--fps", &fps, 0, 1000, "camera frame rate", &number_texts);
  run->add_flag("--mjpg", mjpg, "request MJPG from the camera");
  run->add_flag("--display", display, "show frames with the prediction (needs a display)");
  auto* record_opt = run->add_option("--record", record, "write frames with the prediction to this video file");
  int emu_batch = 8;
  numbers.Int(run, "--emu-batch", &emu_batch, 1, 1024,
              "engine batch of the emulator in mode ref (1-1024; the board's DPU runner has its own)", &number_texts);
  run->add_flag("--quiet", quiet, "no per-frame lines, summary only");
  run->add_flag("--no-progress", no_progress, "no progress line on a terminal");

  // ---- inspect ----------------------------------------------------------------
  auto* inspect = app.add_subcommand("inspect", "subgraphs, devices, tensors, DPU name and fingerprint");
  std::string inspect_path;
  inspect->add_option("model", inspect_path, "xmodel")->required();
  std::string inspect_target = "DPUCZDX8G_ISA1_B4096";
  inspect->add_option("--dpu-target", inspect_target, "DPU whose limits a quantiser-format _int.xmodel is checked against");

  // ---- dump / compare -----------------------------------------------------------
  auto* dump = app.add_subcommand("dump", "write every DPU subgraph's int8 outputs");
  signdpu::app::DumpOptions dopt;
  std::string dump_model, dump_mode = "auto";
  auto* dump_model_opt = dump->add_option("--model", dump_model, "xmodel")->required();
  auto* dsrc = dump->add_option_group("input");
  auto* dump_csv_opt = dsrc->add_option("--csv", dopt.csv, "CSV frames");
  auto* dump_raw_opt = dsrc->add_option("--input-raw", dopt.input_raw, "raw int8 input bytes");
  dsrc->require_option(1);
  auto* dump_out_opt = dump->add_option("--out", dopt.out_dir, "output folder")->required();
  dump->add_option("--mode", dump_mode, "auto | run | ref");
  NumberFlags dump_numbers;
  dump_numbers.Int(dump, "--limit", &dopt.limit, 1, kInt64Max, "frames from the CSV (default 64)", &number_texts);
  auto* compare = app.add_subcommand("compare", "compare two dump folders bit for bit");
  std::string dir_a, dir_b;
  compare->add_option("dir_a", dir_a)->required();
  compare->add_option("dir_b", dir_b)->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  if (*inspect) {
    int rc = 0;  // a quantiser-format _int.xmodel: ops, fix points, DPU limits (inspect_int.h)
    auto quantizer_format = signdpu::app::InspectIfQuantizerXmodel(inspect_path, inspect_target, &rc);
    if (!quantizer_format.ok()) return Fail(quantizer_format.status());
    if (*quantizer_format) return rc;
    auto m = signdpu::app::Model::Open(inspect_path);
    if (!m.ok()) return Fail(m.status());
    PrintInspect(**m);
    if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
    return 0;
  }
  if (*compare) {
    std::vector<std::string> report;
    signdpu::Status s = signdpu::app::Compare(dir_a, dir_b, &report);
    for (const auto& l : report) std::printf("%s\n", l.c_str());
    if (!s.ok()) return Fail(s);
    std::printf("all %zu tensors identical\n", report.size());
    if (auto f = signdpu::FlushStdout(); !f.ok()) return Fail(f);
    return 0;
  }
  if (*dump) {
    for (auto [opt, value] : {std::pair<CLI::Option*, std::string*>{dump_model_opt, &dump_model},
                              {dump_csv_opt, &dopt.csv}, {dump_raw_opt, &dopt.input_raw},
                              {dump_out_opt, &dopt.out_dir}})
      if (auto s = NotEmpty(opt, *value); !s.ok()) return Fail(s);
    if (auto s = dump_numbers.ParseAll(); !s.ok()) return Fail(s);
    auto mode = signdpu::app::ParseRunMode(dump_mode);
    if (!mode.ok()) return Fail(mode.status());
    auto m = signdpu::app::Model::Open(dump_model);
    if (!m.ok()) return Fail(m.status());
    std::string why;
    dopt.mode = signdpu::app::ResolveMode(*mode, **m, &why);
    std::fprintf(stderr, "signdpu: %s\n", why.c_str());
    auto lines = signdpu::app::Dump(**m, dopt);
    if (!lines.ok()) return Fail(lines.status());
    for (const auto& l : *lines) std::printf("%s\n", l.c_str());
    if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
    return 0;
  }

  // run: every flag is checked before the model is opened or a frame read.
  for (auto [opt, value] : {std::pair<CLI::Option*, std::string*>{model_opt, &model_path}, {csv_opt, &csv},
                            {camera_opt, &camera}, {video_opt, &video}, {images_opt, &images},
                            {labels_opt, &labels_path}, {summary_opt, &summary_json}, {record_opt, &record}})
    if (auto s = NotEmpty(opt, *value); !s.ok()) return Fail(s);
  if (auto s = numbers.ParseAll(); !s.ok()) return Fail(s);
  auto mode = signdpu::app::ParseRunMode(mode_text);
  if (!mode.ok()) return Fail(mode.status());
  auto roi = signdpu::io::ParseRoi(roi_text);
  if (!roi.ok()) return Fail(roi.status());
  const bool from_csv = csv_opt->count() > 0;
  // CSV frames are 28x28 pixel rows, not pictures: nothing to show or record.
  if (from_csv && !record.empty())
    return Fail(signdpu::InvalidArgument("--record " + record + ": a CSV source has no images to record (use --images, --video or --camera)"));
  if (from_csv && roi_opt->count() > 0 && !roi->centre_square)
    return Fail(signdpu::InvalidArgument("--roi " + roi_text + ": CSV rows are already model-sized pixels; --roi applies to images, video and camera frames"));
  if (from_csv && display)
    return Fail(signdpu::InvalidArgument("--display: a CSV source has no images to show (use --images, --video or --camera)"));
  if (!summary_json.empty())
    if (auto s = CheckOutputFolder("--summary-json", summary_json); !s.ok()) return Fail(s);
  if (!record.empty())
    if (auto s = CheckOutputFolder("--record", record); !s.ok()) return Fail(s);
  auto model = signdpu::app::Model::Open(model_path);
  if (!model.ok()) return Fail(model.status());
  std::vector<std::string> labels = (*model)->embedded_labels();
  std::string labels_what = "labels embedded in " + model_path;
  if (!labels_path.empty()) {
    auto l = signdpu::io::ReadLabelsFile(labels_path);
    if (!l.ok()) return Fail(l.status());
    labels = *l;
    labels_what = "--labels " + labels_path;
  }
  {
    // Shapes against the source and the memory budget before any probe,
    // runner or buffer exists (app/budget.h). The emulator's engine batch
    // applies unless mode run was asked for (then the xmodel's batch).
    signdpu::app::BudgetRequest b;
    b.threads = threads;
    if (*mode != signdpu::app::RunMode::kRun) {
      b.batch = emu_batch;
      const char* env = std::getenv("SIGNDPU_EMU_BATCH");  // wins in the emulator (emu_runner.h)
      if (env != nullptr && std::atoi(env) > 0) b.batch = std::atoi(env);
    }
    if (from_csv) {
      b.source_height = 28;  // CsvOptions::pixels = 784: 28x28x1 frames, not resized
      b.source_width = 28;
      b.source_name = "--csv " + csv;
    }
    auto budget = signdpu::app::CheckTensorBudget(**model, b);
    if (!budget.ok()) return Fail(budget.status());
  }
  // Start-up checks (runnable ops, mode, the runner probe, the DPU
  // fingerprint) before the source is opened and before READY=1.
  auto plan = signdpu::app::PrepareRun(*mode, **model, emu_batch);
  if (!plan.ok()) return Fail(plan.status());
  std::fprintf(stderr, "signdpu: %s\n", plan->why.c_str());
  // The display/record back end is probed (display: in a child process)
  // before any thread starts, so that it fails here with a hint, never by
  // an abort in the middle of a run.
  if (auto s = signdpu::io::ProbeFrameSink(display, record); !s.ok()) return Fail(s);
  signdpu::Result<std::unique_ptr<signdpu::io::FrameSource>> source = signdpu::NotFound("no source");
  if (from_csv) {
    signdpu::io::CsvOptions o;
    o.skip_bad = skip_bad;
    source = signdpu::io::OpenCsvSource(csv, o);
  } else if (camera_opt->count() > 0) {
    signdpu::io::CameraOptions o;
    o.width = width;
    o.height = height;
    o.fps = fps;
    o.mjpg = mjpg;
    source = signdpu::io::OpenCameraSource(camera, o);
  } else if (video_opt->count() > 0) {
    source = signdpu::io::OpenVideoSource(video);
  } else {
    source = signdpu::io::OpenImageDirSource(images, skip_bad);
  }
  if (!source.ok()) return Fail(source.status());

  signdpu::app::PipelineOptions p;
  p.mode = plan->mode;
  p.threads = threads;
  p.emu_batch = emu_batch;
  p.top_k = top_k;
  p.json = json;
  p.per_frame = !quiet;
  p.limit = limit;
  p.bench_seconds = bench;
  p.skip_bad = skip_bad;
  p.roi = *roi;
  p.labels = labels;
  p.labels_what = labels_what;
  p.progress = !no_progress && isatty(fileno(stderr));
  p.display = display;
  p.record_path = record;
  p.stop = &g_stop;
  auto notifier = signdpu::io::ServiceNotifier::FromEnvironment();
  p.notifier = &notifier;
  // Per-frame lines: every write checked. The first failure (stdout on a
  // full disk, /dev/full, a closed pipe) stops the run like a signal and is
  // reported as the error; nothing claims success afterwards.
  int stdout_errno = 0;
  p.emit = [&stdout_errno](const std::string& line) {
    if (stdout_errno != 0) return;
    errno = 0;
    if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fputc('\n', stdout) == EOF ||
        std::ferror(stdout)) {
      stdout_errno = errno != 0 ? errno : EIO;
      g_stop = true;
    }
  };
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto summary = signdpu::app::RunPipeline(**model, **source, p);
  (void)notifier.Stopping();
  if (!summary.ok()) return Fail(summary.status());
  if (stdout_errno != 0)
    return Fail(signdpu::IoError(std::string("writing to standard output failed: ") + std::strerror(stdout_errno)));
  // The per-frame lines reach stdout before a summary claims anything.
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  // No frame at all is not a result: an empty or header-only CSV, an image
  // folder whose every file is bad, every row skipped by --skip-bad.
  if (summary->frames == 0 && !summary->interrupted) {
    const int64_t bad = summary->skipped;
    std::string why = bad > 0 ? ": all " + std::to_string(bad) + " input(s) were bad and skipped" : ": the input is empty";
    if (bad > 0 && !(*source)->first_skip_reason().empty()) why += " (first: " + (*source)->first_skip_reason() + ")";
    return Fail(signdpu::InvalidArgument("no frames from " + summary->source + why));
  }
  // The summary file first: when it cannot be written (full disk), no
  // summary text has claimed a result yet.
  if (!summary_json.empty()) {
    signdpu::Status s = signdpu::WriteFileAtomic(summary_json, signdpu::app::SummaryJson(*summary));
    if (!s.ok()) return Fail(s.WithContext("--summary-json"));
  }
  const std::string text = signdpu::app::SummaryText(*summary);
  if (json) {
    std::fputs(text.c_str(), stderr);  // keep stdout pure JSON lines
  } else {
    std::fputs(text.c_str(), stdout);
  }
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  return 0;
}
