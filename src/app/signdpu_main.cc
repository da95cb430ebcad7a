// signdpu: the on-target runner. Flag parsing and wiring only.
//   signdpu run --model X.xmodel (--csv F | --camera N | --video F | --images DIR) ...
//   signdpu inspect X.xmodel [--against OTHER.xmodel]
//   signdpu dump --model X.xmodel (--csv F | --input-raw F.bin) --out DIR
//   signdpu compare DIR_A DIR_B
//   signdpu compile MODEL_int.xmodel -o OUT.xmodel [--target T] [--fingerprint 0x...]
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
#include "signdpu/app/inspect_against.h"
#include "signdpu/app/inspect_int.h"
#include "signdpu/app/live_outputs.h"
#include "signdpu/app/model.h"
#include "signdpu/app/pipeline.h"
#include "signdpu/app/run_options.h"
#include "signdpu/compile/compile.h"
#include "signdpu/core/file_io.h"
#include "signdpu/core/json_text.h"
#include "signdpu/core/number_parse.h"
#include "signdpu/core/program.h"
#include "signdpu/core/str_format.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/labels.h"
#include "signdpu/io/service_notifier.h"
#include "signdpu/xmodel/versions.h"
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
  std::vector<const CLI::Option*> options;
  template <typename T>
  void Int(CLI::App* app, const std::string& name, T* target, int64_t min, int64_t max, const std::string& help,
           std::list<std::string>* texts) {
    texts->emplace_back();
    std::string* text = &texts->back();
    CLI::Option* opt = app->add_option(name, *text, help)->type_name("INT");
    options.push_back(opt);
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
    options.push_back(opt);
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


// ---- the subcommands' flags ------------------------------------------------------

struct RunCommand {
  CLI::App* cmd = nullptr;
  signdpu::app::RunOptions o;
  NumberFlags numbers;
  std::vector<const CLI::Option*> named;  // the other options; with numbers.options, those given fill RunOptions::given
};

// --results, --on-change[=N], --serve (app/live_outputs.h; checked in run_options.cc).
void AddLiveFlags(CLI::App* run, signdpu::app::RunOptions* o, std::vector<const CLI::Option*>* named) {
  named->push_back(run->add_option("--results", o->results,
                                   "one JSON line per prediction to - (stdout, needs --quiet), a file (appended), a "
                                   "FIFO or unix:PATH (a listening socket); a slow or absent reader loses lines, "
                                   "never frames (default: none)")
                       ->type_name("TARGET"));
  named->push_back(run->add_option("--on-change", o->on_change_text,
                                   "with --results: a line only when the top class changes, after the new class "
                                   "held N frames (bare flag: N=1; N=0: every frame; default: off)")
                       ->expected(0, 1)
                       ->type_name("[=N]"));
  named->push_back(run->add_option("--serve", o->serve,
                                   "live view and metrics over HTTP: /, /stream.mjpg, /metrics, /healthz (PORT binds "
                                   "127.0.0.1; ADDR:PORT, [IPv6]:PORT; port 0: any free one; default off)")
                       ->type_name("[ADDR:]PORT"));
}

void AddRunCommand(CLI::App& app, RunCommand* rc, std::list<std::string>* texts) {
  constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
  constexpr double kSecondsPerYear = 31536000;  // the longest --bench
  signdpu::app::RunOptions& o = rc->o;
  CLI::App* run = rc->cmd = app.add_subcommand("run", "classify frames from a CSV, camera, video or image folder");
  NumberFlags& numbers = rc->numbers;
  auto& named = rc->named;
  named.push_back(run->add_option("--model", o.model_path, "compiled or host .xmodel")->required());
  auto* src_group = run->add_option_group("source", "where frames come from");
  named.push_back(src_group->add_option("--csv", o.csv, "Sign-MNIST style CSV (header and label column optional)"));
  named.push_back(src_group->add_option("--camera", o.camera, "V4L2 camera: index (0) or device (/dev/video0)"));
  named.push_back(src_group->add_option("--video", o.video, "video file or GStreamer pipeline"));
  named.push_back(src_group->add_option(
      "--images", o.images, "folder of images; sub-folders named as the classes give accuracy (docs/quantization.md 6)"));
  src_group->require_option(1);
  named.push_back(run->add_option("--labels", o.labels_path, "class names, one per line (line i = class i; default: those embedded in the model)"));
  numbers.Int(run, "--threads", &o.threads, 1, 64, "worker threads, one runner each (1-64; default 2: both ZCU104 DPU cores busy)", texts);
  named.push_back(run->add_option("--mode", o.mode_text, "auto (default) | run (Xilinx DPU runner) | ref (signdpu emulator)"));
  named.push_back(run->add_flag("--json", o.json, "per-frame results as JSON lines"));
  named.push_back(run->add_option("--summary-json", o.summary_json, "write the summary as JSON to this path (default: none)"));
  numbers.Int(run, "--limit", &o.limit, 1, kInt64Max, "stop after N frames (N >= 1; default: all)", texts);
  numbers.Real(run, "--bench", &o.bench, 0, kSecondsPerYear, "run for this many seconds, looping the input (default 0 = one pass)", texts);
  named.push_back(run->add_flag("--skip-bad", o.skip_bad, "skip and count bad rows/images instead of failing"));
  named.push_back(run->add_option("--roi", o.roi_text, "centre (default) | full | X,Y,W,H (images, video, camera)"));
  numbers.Int(run, "--top-k", &o.top_k, 1, 100, "classes per frame (1-100; default 1)", texts);
  numbers.Int(run, "--width", &o.width, 1, 16384, "camera capture width (default: the driver's)", texts);
  numbers.Int(run, "--height", &o.height, 1, 16384, "camera capture height (default: the driver's)", texts);
  numbers.Real(run, "--fps", &o.fps, 0, 1000, "camera frame rate (default: the driver's)", texts);
  named.push_back(run->add_flag("--mjpg", o.mjpg, "request MJPG from the camera"));
  named.push_back(run->add_flag("--display", o.display, "show frames with the prediction (needs a display)"));
  named.push_back(run->add_option("--record", o.record, "write frames with the prediction to this video file (default: none)"));
  numbers.Int(run, "--emu-batch", &o.emu_batch, 1, 1024,
              "engine batch of the emulator in mode ref (1-1024; default 8; the board's DPU runner has its own)", texts);
  named.push_back(run->add_option("--save-frames", o.save_frames,
                                  "write the frames read as PNG files into this folder (created if missing; the model's "
                                  "28x28 pixels, in class sub-folders for labelled frames; a calibration set for "
                                  "signdpu-quantize --calib; default: off)"));
  numbers.Int(run, "--save-frames-max", &o.save_frames_max, 1, kInt64Max, "at most N files from --save-frames (default 1000)",
              texts);
  named.push_back(run->add_flag("--save-frames-raw", o.save_frames_raw, "--save-frames writes the frames as read (any size), not the model's pixels"));
  named.push_back(run->add_flag("--quiet", o.quiet, "no per-frame lines, summary only"));
  AddLiveFlags(run, &o, &named);
  named.push_back(run->add_flag("--no-progress", o.no_progress, "no progress line on a terminal"));
}

struct InspectCommand {
  CLI::App* cmd = nullptr;
  std::string path, against;
  std::string target = "DPUCZDX8G_ISA1_B4096";
  CLI::Option* against_opt = nullptr;
};

void AddInspectCommand(CLI::App& app, InspectCommand* ic) {
  ic->cmd = app.add_subcommand("inspect", "subgraphs, devices, tensors, DPU name and fingerprint");
  ic->cmd->add_option("model", ic->path, "xmodel")->required();
  ic->cmd->add_option("--dpu-target", ic->target, "DPU whose limits a quantiser-format _int.xmodel is checked against (default DPUCZDX8G_ISA1_B4096)");
  ic->against_opt = ic->cmd->add_option(
      "--against", ic->against,
      "second xmodel: both partitions and every DPU op's fix points side by side (a report: exit 0 even when they differ; default: none, FILE alone)");
}

struct DumpCommand {
  CLI::App* cmd = nullptr;
  signdpu::app::DumpOptions o;
  std::string model, mode = "auto";
  CLI::Option *model_opt = nullptr, *csv_opt = nullptr, *raw_opt = nullptr, *out_opt = nullptr;
  NumberFlags numbers;
};

void AddDumpCommand(CLI::App& app, DumpCommand* dc, std::list<std::string>* texts) {
  CLI::App* dump = dc->cmd = app.add_subcommand("dump", "write every DPU subgraph's int8 outputs");
  dc->model_opt = dump->add_option("--model", dc->model, "xmodel")->required();
  auto* dsrc = dump->add_option_group("input");
  dc->csv_opt = dsrc->add_option("--csv", dc->o.csv, "CSV frames");
  dc->raw_opt = dsrc->add_option("--input-raw", dc->o.input_raw, "raw int8 input bytes");
  dsrc->require_option(1);
  dc->out_opt = dump->add_option("--out", dc->o.out_dir, "output folder")->required();
  dump->add_option("--mode", dc->mode, "auto (default) | run | ref");
  dc->numbers.Int(dump, "--limit", &dc->o.limit, 1, std::numeric_limits<int64_t>::max(), "frames from the CSV (default 64)",
                  texts);
}

struct CompareCommand {
  CLI::App* cmd = nullptr;
  std::string dir_a, dir_b;
};

void AddCompareCommand(CLI::App& app, CompareCommand* cc) {
  cc->cmd = app.add_subcommand("compare", "compare two dump folders bit for bit");
  cc->cmd->add_option("dir_a", cc->dir_a)->required();
  cc->cmd->add_option("dir_b", cc->dir_b)->required();
}

struct CompileCommand {
  CLI::App* cmd = nullptr;
  std::string input, output, target = "DPUCZDX8G_ISA1_B4096", fingerprint;
  CLI::Option *output_opt = nullptr, *fingerprint_opt = nullptr;
};

void AddCompileCommand(CLI::App& app, CompileCommand* cc) {
  cc->cmd = app.add_subcommand("compile", "quantiser-format _int.xmodel -> host-runnable compiled xmodel (as vai_c_xir)");
  cc->cmd->add_option("model", cc->input, "quantiser-format xmodel (vai_q_pytorch's or signdpu-quantize's)")->required();
  cc->output_opt = cc->cmd->add_option("-o,--output", cc->output, "compiled xmodel to write")->required();
  cc->cmd->add_option("--target", cc->target, "DPU target of libtarget-factory (default DPUCZDX8G_ISA1_B4096)");
  cc->fingerprint_opt =
      cc->cmd->add_option("--fingerprint", cc->fingerprint, "DPU fingerprint to write (default: the target's, Vitis AI 2.5)");
}

int RunCompile(const CompileCommand& cc) {
  if (auto s = signdpu::app::CheckNotEmpty("--output", cc.output, true); !s.ok()) return Fail(s);
  signdpu::compile::CompileOptions options;
  options.target = cc.target;
  if (cc.fingerprint_opt->count() > 0) {
    auto fp = signdpu::ParseHex64(cc.fingerprint, "--fingerprint");
    if (!fp.ok()) return Fail(fp.status());
    options.fingerprint = *fp;
  }
  auto m = signdpu::compile::CompileXmodel(cc.input, cc.output, options);
  if (!m.ok()) return Fail(m.status());
  std::printf("%s", signdpu::compile::DescribePartition(*m).c_str());
  std::printf("wrote %s\n", cc.output.c_str());
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  return 0;
}

// ---- inspect, compare, dump ------------------------------------------------------

// `inspect FILE --against OTHER` (inspect_against.h).
int RunInspectAgainst(const InspectCommand& ic) {
  if (auto s = signdpu::app::CheckNotEmpty("--against", ic.against, true); !s.ok()) return Fail(s);
  auto file = signdpu::app::ReadInspectSide(ic.path, ic.target);
  if (!file.ok()) return Fail(file.status());
  auto other = signdpu::app::ReadInspectSide(ic.against, ic.target);
  if (!other.ok()) return Fail(other.status());
  signdpu::app::AgainstCounts counts;
  std::fputs(signdpu::app::FormatAgainst(*file, *other, &counts).c_str(), stdout);
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  return 0;
}

int RunInspect(const InspectCommand& ic) {
  if (ic.against_opt->count() > 0) return RunInspectAgainst(ic);
  int rc = 0;  // a quantiser-format _int.xmodel: ops, fix points, DPU limits (inspect_int.h)
  auto quantizer_format = signdpu::app::InspectIfQuantizerXmodel(ic.path, ic.target, &rc);
  if (!quantizer_format.ok()) return Fail(quantizer_format.status());
  if (*quantizer_format) return rc;
  auto m = signdpu::app::Model::Open(ic.path);
  if (!m.ok()) return Fail(m.status());
  PrintInspect(**m);
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  return 0;
}

int RunCompare(const CompareCommand& cc) {
  std::vector<std::string> report;
  signdpu::Status s = signdpu::app::Compare(cc.dir_a, cc.dir_b, &report);
  for (const auto& l : report) std::printf("%s\n", l.c_str());
  if (!s.ok()) return Fail(s);
  std::printf("all %zu tensors identical\n", report.size());
  if (auto f = signdpu::FlushStdout(); !f.ok()) return Fail(f);
  return 0;
}

int RunDump(DumpCommand& dc) {
  for (auto [opt, value] : {std::pair<CLI::Option*, std::string*>{dc.model_opt, &dc.model}, {dc.csv_opt, &dc.o.csv},
                            {dc.raw_opt, &dc.o.input_raw}, {dc.out_opt, &dc.o.out_dir}})
    if (auto s = signdpu::app::CheckNotEmpty(opt->get_name(), *value, opt->count() > 0); !s.ok()) return Fail(s);
  if (auto s = dc.numbers.ParseAll(); !s.ok()) return Fail(s);
  auto mode = signdpu::app::ParseRunMode(dc.mode);
  if (!mode.ok()) return Fail(mode.status());
  auto m = signdpu::app::Model::Open(dc.model);
  if (!m.ok()) return Fail(m.status());
  std::string why;
  dc.o.mode = signdpu::app::ResolveMode(*mode, **m, &why);
  std::fprintf(stderr, "signdpu: %s\n", why.c_str());
  auto lines = signdpu::app::Dump(**m, dc.o);
  if (!lines.ok()) return Fail(lines.status());
  for (const auto& l : *lines) std::printf("%s\n", l.c_str());
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  return 0;
}

// ---- run ---------------------------------------------------------------------------

// Class names: the --labels file, else the labels embedded in the model.
signdpu::Status LoadLabels(const signdpu::app::RunOptions& o, const signdpu::app::Model& model,
                           std::vector<std::string>* labels, std::string* what) {
  *labels = model.embedded_labels();
  *what = "labels embedded in " + o.model_path;
  if (o.labels_path.empty()) return signdpu::Status::Ok();
  auto l = signdpu::io::ReadLabelsFile(o.labels_path);
  if (!l.ok()) return l.status();
  *labels = *l;
  *what = "--labels " + o.labels_path;
  return signdpu::Status::Ok();
}

// After the pipeline: the per-frame lines reach stdout before a summary
// claims anything; then the summary file, then the summary text.
int ReportRun(const signdpu::app::RunOptions& o, const signdpu::app::Summary& summary,
              const signdpu::io::FrameSource& source, int stdout_errno) {
  if (stdout_errno != 0)
    return Fail(signdpu::IoError(std::string("writing to standard output failed: ") + std::strerror(stdout_errno)));
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  // No frame at all is not a result: an empty or header-only CSV, an image
  // folder whose every file is bad, every row skipped by --skip-bad.
  if (summary.frames == 0 && !summary.interrupted) {
    const int64_t bad = summary.skipped;
    std::string why = bad == 1 ? ": its 1 input was bad and skipped"
                      : bad > 0 ? ": all " + std::to_string(bad) + " inputs were bad and skipped" : ": the input is empty";
    if (bad > 0 && !source.first_skip_reason().empty()) why += " (first: " + source.first_skip_reason() + ")";
    return Fail(signdpu::InvalidArgument("no frames from " + summary.source + why));
  }
  // The summary file first: when it cannot be written (full disk), no
  // summary text has claimed a result yet.
  if (!o.summary_json.empty()) {
    signdpu::Status s = signdpu::WriteFileAtomic(o.summary_json, signdpu::app::SummaryJson(summary));
    if (!s.ok()) return Fail(s.WithContext("--summary-json"));
  }
  const std::string text = signdpu::app::SummaryText(summary);
  if (o.json || o.results == "-") {
    std::fputs(text.c_str(), stderr);  // keep stdout pure JSON lines
  } else {
    std::fputs(text.c_str(), stdout);
  }
  if (auto s = signdpu::FlushStdout(); !s.ok()) return Fail(s);
  return 0;
}

// The pipeline with the service notifier, checked stdout writes and the
// signal handlers.
int ExecuteRun(const signdpu::app::RunOptions& o, signdpu::app::PipelineOptions p, const signdpu::app::Model& model,
               signdpu::io::FrameSource& source, signdpu::app::LiveOutputs* live) {
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
  if (live != nullptr) {
    p.on_frame = [live](const signdpu::app::FrameEvent& e) { live->OnFrame(e); };
    p.keep_images = live->wants_images();
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  auto summary = signdpu::app::RunPipeline(model, source, p);
  (void)notifier.Stopping();
  const signdpu::Status live_status = live != nullptr ? live->Finish() : signdpu::Status::Ok();
  if (!summary.ok()) return Fail(summary.status());
  if (!live_status.ok()) return Fail(live_status);
  return ReportRun(o, *summary, source, stdout_errno);
}

// run: every flag is checked before the model is opened or a frame read.
int RunRun(RunCommand& rc) {
  signdpu::app::RunOptions& o = rc.o;
  for (const auto* list : {&rc.named, &rc.numbers.options})
    for (const CLI::Option* opt : *list)
      if (opt->count() > 0) o.given.insert(opt->get_name());
  if (auto s = signdpu::app::CheckRunFileFlags(o); !s.ok()) return Fail(s);
  if (auto s = rc.numbers.ParseAll(); !s.ok()) return Fail(s);
  auto checked = signdpu::app::CheckRunOptions(o);
  if (!checked.ok()) return Fail(checked.status());
  auto model = signdpu::app::Model::Open(o.model_path);
  if (!model.ok()) return Fail(model.status());
  std::vector<std::string> labels;
  std::string labels_what;
  if (auto s = LoadLabels(o, **model, &labels, &labels_what); !s.ok()) return Fail(s);
  // Shapes against the source and the memory budget before any probe,
  // runner or buffer exists (app/budget.h).
  auto budget = signdpu::app::CheckTensorBudget(**model, signdpu::app::RunBudgetRequest(o, checked->mode));
  if (!budget.ok()) return Fail(budget.status());
  // Start-up checks (runnable ops, mode, the runner probe, the DPU
  // fingerprint) before the source is opened and before READY=1.
  auto plan = signdpu::app::PrepareRun(checked->mode, **model, o.emu_batch);
  if (!plan.ok()) return Fail(plan.status());
  std::fprintf(stderr, "signdpu: %s\n", plan->why.c_str());
  // The display/record back end is probed (display: in a child process)
  // before any thread starts, so that it fails here with a hint, never by
  // an abort in the middle of a run.
  if (auto s = signdpu::io::ProbeFrameSink(o.display, o.record); !s.ok()) return Fail(s);
  auto context = signdpu::app::MakeRunSourceContext(**model, *checked, labels, labels_what);
  if (!context.ok()) return Fail(context.status());
  auto source = signdpu::app::OpenRunSource(o, *context);
  if (!source.ok()) return Fail(source.status());
  // --results and --serve: opened and listening before the first frame.
  std::unique_ptr<signdpu::app::LiveOutputs> live;
  if (checked->results || checked->serve) {
    auto started = signdpu::app::LiveOutputs::Start(
        {checked->results, checked->on_change, checked->serve, labels, checked->roi, (*source)->Describe()});
    if (!started.ok()) return Fail(started.status());
    live = std::move(started).value();
  }
  const bool progress = !o.no_progress && isatty(fileno(stderr));
  const int exit_code =
      ExecuteRun(o, signdpu::app::RunPipelineOptions(o, *checked, plan->mode, labels, labels_what, progress), **model,
                 **source, live.get());
  if (exit_code == 0 && !o.save_frames.empty())
    std::fprintf(stderr, "signdpu: --save-frames: wrote %s to %s\n", signdpu::CountText(*context->saved, "frame").c_str(),
                 signdpu::PrintableText(o.save_frames).c_str());
  return exit_code;
}

}  // namespace

static int Main(int argc, char** argv);

// Allocation failures and stray exceptions are one error line, never an abort.
int main(int argc, char** argv) {
  return signdpu::RunProgram("signdpu", [&] { return Main(argc, argv); });
}

static int Main(int argc, char** argv) {
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  CLI::App app{"signdpu: int8 hand-sign classification on the ZCU104 DPU (or its CPU emulator)"};
  app.set_version_flag("--version", [] {
    std::string v = signdpu::xmodel::VersionText("signdpu");
    v.pop_back();  // CLI11 ends the text with its own newline
    return v;
  });
  app.require_subcommand(1);
  std::list<std::string> number_texts;  // NumberFlags keeps pointers into it (a list: they stay valid)
  RunCommand run;
  AddRunCommand(app, &run, &number_texts);
  InspectCommand inspect;
  AddInspectCommand(app, &inspect);
  DumpCommand dump;
  AddDumpCommand(app, &dump, &number_texts);
  CompareCommand compare;
  AddCompareCommand(app, &compare);
  CompileCommand compile;
  AddCompileCommand(app, &compile);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (*inspect.cmd) return RunInspect(inspect);
  if (*compare.cmd) return RunCompare(compare);
  if (*dump.cmd) return RunDump(dump);
  if (*compile.cmd) return RunCompile(compile);
  return RunRun(run);
}
