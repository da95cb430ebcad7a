// signdpu: the on-target runner. Flag parsing and wiring only.
//   signdpu run --model X.xmodel (--csv F | --camera N | --video F | --images DIR) ...
//   signdpu inspect X.xmodel
//   signdpu dump --model X.xmodel (--csv F | --input-raw F.bin) --out DIR
//   signdpu compare DIR_A DIR_B
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <iostream>

#include <CLI/CLI.hpp>

#include "signdpu/app/budget.h"
#include "signdpu/app/dump.h"
#include "signdpu/app/model.h"
#include "signdpu/app/pipeline.h"
#include "signdpu/io/service_notifier.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/xmodel/xmodel_file.h"

namespace {

std::atomic<bool> g_stop{false};

void OnSignal(int) {
  g_stop = true;
  // A second signal terminates at once.
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
}

int Fail(const signdpu::Status& s) {
  std::fprintf(stderr, "signdpu: error: %s\n", s.message().c_str());
  return 1;
}


void PrintInspect(const signdpu::app::Model& m) {
  std::printf("model %s\n", m.path().c_str());
  for (const auto& s : m.Describe()) {
    std::printf("subgraph %s  device %s", s.name.c_str(), s.device.c_str());
    if (!s.dpu_name.empty()) std::printf("  dpu_name %s", s.dpu_name.c_str());
    if (s.has_fingerprint) std::printf("  dpu_fingerprint 0x%016llx", static_cast<unsigned long long>(s.dpu_fingerprint));
    std::printf("\n");
    for (const auto& r : s.runner_libs) std::printf("  runner %s\n", r.c_str());
    auto tensor = [](const char* dir, const signdpu::app::TensorInfo& t) {
      std::string shape;
      for (size_t i = 0; i < t.shape.size(); ++i) shape += (i ? "x" : "") + std::to_string(t.shape[i]);
      if (t.data_type.rfind("FLOAT", 0) == 0)
        std::printf("  %s %s  shape %s  %s\n", dir, t.name.c_str(), shape.c_str(), t.data_type.c_str());
      else
        std::printf("  %s %s  shape %s  fix_point %d  %s\n", dir, t.name.c_str(), shape.c_str(), t.fix_point,
                    t.data_type.c_str());
    };
    for (const auto& t : s.inputs) tensor("input ", t);
    for (const auto& t : s.outputs) tensor("output", t);
    if (!s.ops.empty()) {
      std::printf("  ops");
      for (const auto& op : s.ops) std::printf(" %s", op.c_str());
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
  run->add_option("--model", model_path, "compiled or host .xmodel")->required();
  auto* src_group = run->add_option_group("source", "where frames come from");
  src_group->add_option("--csv", csv, "Sign-MNIST style CSV (header and label column optional)");
  src_group->add_option("--camera", camera, "V4L2 camera: index (0) or device (/dev/video0)");
  src_group->add_option("--video", video, "video file or GStreamer pipeline");
  src_group->add_option("--images", images, "folder of images");
  src_group->require_option(1);
  run->add_option("--labels", labels_path, "class names, one per line (line i = class i)");
  run->add_option("--threads", threads, "worker threads, one runner each")->check(CLI::Range(1, 64));
  run->add_option("--mode", mode_text, "auto | run (Xilinx DPU runner) | ref (signdpu emulator)");
  run->add_flag("--json", json, "per-frame results as JSON lines");
  run->add_option("--summary-json", summary_json, "write the summary as JSON to this path");
  run->add_option("--limit", limit, "stop after N frames");
  run->add_option("--bench", bench, "run for this many seconds, looping the input");
  run->add_flag("--skip-bad", skip_bad, "skip and count bad rows/images instead of failing");
  run->add_option("--roi", roi_text, "centre | full | X,Y,W,H");
  run->add_option("--top-k", top_k, "classes per frame")->check(CLI::Range(1, 100));
  run->add_option("--width", width, "camera capture width");
  run->add_option("--height", height, "camera capture height");
  run->add_option("--fps", fps, "camera frame rate");
  run->add_flag("--mjpg", mjpg, "request MJPG from the camera");
  run->add_flag("--display", display, "show frames with the prediction (needs a display)");
  run->add_option("--record", record, "write frames with the prediction to this video file");
  int emu_batch = 8;
  run->add_option("--emu-batch", emu_batch, "engine batch of the emulator in mode ref (the board's DPU runner has its own)")
      ->check(CLI::Range(1, 1024));
  run->add_flag("--quiet", quiet, "no per-frame lines, summary only");
  run->add_flag("--no-progress", no_progress, "no progress line on a terminal");

  // ---- inspect ----------------------------------------------------------------
  auto* inspect = app.add_subcommand("inspect", "subgraphs, devices, tensors, DPU name and fingerprint");
  std::string inspect_path;
  inspect->add_option("model", inspect_path, "xmodel")->required();

  // ---- dump / compare -----------------------------------------------------------
  auto* dump = app.add_subcommand("dump", "write every DPU subgraph's int8 outputs");
  signdpu::app::DumpOptions dopt;
  std::string dump_model, dump_mode = "auto";
  dump->add_option("--model", dump_model, "xmodel")->required();
  auto* dsrc = dump->add_option_group("input");
  dsrc->add_option("--csv", dopt.csv, "CSV frames");
  dsrc->add_option("--input-raw", dopt.input_raw, "raw int8 input bytes");
  dsrc->require_option(1);
  dump->add_option("--out", dopt.out_dir, "output folder")->required();
  dump->add_option("--mode", dump_mode, "auto | run | ref");
  dump->add_option("--limit", dopt.limit, "frames from the CSV (default 64)");
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
    auto m = signdpu::app::Model::Open(inspect_path);
    if (!m.ok()) return Fail(m.status());
    PrintInspect(**m);
    return 0;
  }
  if (*compare) {
    std::vector<std::string> report;
    signdpu::Status s = signdpu::app::Compare(dir_a, dir_b, &report);
    for (const auto& l : report) std::printf("%s\n", l.c_str());
    if (!s.ok()) return Fail(s);
    std::printf("all %zu tensors identical\n", report.size());
    return 0;
  }
  if (*dump) {
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
    return 0;
  }

  // run
  auto mode = signdpu::app::ParseRunMode(mode_text);
  if (!mode.ok()) return Fail(mode.status());
  auto roi = signdpu::io::ParseRoi(roi_text);
  if (!roi.ok()) return Fail(roi.status());
  auto model = signdpu::app::Model::Open(model_path);
  if (!model.ok()) return Fail(model.status());
  std::vector<std::string> labels = (*model)->embedded_labels();
  if (!labels_path.empty()) {
    auto l = signdpu::io::ReadLabelsFile(labels_path);
    if (!l.ok()) return Fail(l.status());
    labels = *l;
  }
  signdpu::Result<std::unique_ptr<signdpu::io::FrameSource>> source = signdpu::NotFound("no source");
  if (!csv.empty()) {
    signdpu::io::CsvOptions o;
    o.skip_bad = skip_bad;
    source = signdpu::io::OpenCsvSource(csv, o);
  } else if (!camera.empty()) {
    signdpu::io::CameraOptions o;
    o.width = width;
    o.height = height;
    o.fps = fps;
    o.mjpg = mjpg;
    source = signdpu::io::OpenCameraSource(camera, o);
  } else if (!video.empty()) {
    source = signdpu::io::OpenVideoSource(video);
  } else {
    source = signdpu::io::OpenImageDirSource(images, skip_bad);
  }
  if (!source.ok()) return Fail(source.status());

  std::string why;
  signdpu::app::PipelineOptions p;
  p.mode = signdpu::app::ResolveMode(*mode, **model, &why);
  std::fprintf(stderr, "signdpu: %s\n", why.c_str());
  {
    // Shapes against the source and the memory budget before any runner or
    // buffer exists (app/budget.h).
    signdpu::app::BudgetRequest b;
    b.threads = threads;
    if (p.mode == signdpu::app::RunMode::kRef) {
      b.batch = emu_batch;
      const char* env = std::getenv("SIGNDPU_EMU_BATCH");  // wins in the emulator (emu_runner.h)
      if (env != nullptr && std::atoi(env) > 0) b.batch = std::atoi(env);
    }
    if (!csv.empty()) {
      b.source_height = 28;  // CsvOptions::pixels = 784: 28x28x1 frames, not resized
      b.source_width = 28;
      b.source_name = "--csv " + csv;
    }
    auto budget = signdpu::app::CheckTensorBudget(**model, b);
    if (!budget.ok()) return Fail(budget.status());
  }
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
  p.progress = !no_progress && isatty(fileno(stderr));
  p.display = display;
  p.record_path = record;
  p.stop = &g_stop;
  auto notifier = signdpu::io::ServiceNotifier::FromEnvironment();
  p.notifier = &notifier;
  p.emit = [](const std::string& line) {
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
  };
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto summary = signdpu::app::RunPipeline(**model, **source, p);
  (void)notifier.Stopping();
  if (!summary.ok()) return Fail(summary.status());
  const std::string text = signdpu::app::SummaryText(*summary);
  if (json) std::fputs(text.c_str(), stderr);  // keep stdout pure JSON lines
  else std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
  if (!summary_json.empty()) {
    std::ofstream f(summary_json);
    f << signdpu::app::SummaryJson(*summary);
    if (!f) return Fail(signdpu::IoError("--summary-json " + summary_json + ": cannot write"));
  }
  return 0;
}
