// signdpu-quantize: float ONNX + calibration CSV -> int8 XIR xmodels + report.
//   signdpu-quantize --model M.onnx --calib CSV [--calib_iter 100]
//     [--calib_batch_size 32] [--method min-mse|non-overflow] [--eval LABELLED.csv]
//     [--input_nodes ..] [--output_nodes ..] --output_dir DIR
// writes DIR/<name>_int.xmodel (quantiser format, for vai_c_xir),
// DIR/<name>.xmodel (host-runnable: DPU subgraph + CPU softmax) and
// DIR/report.json. Nothing is left in DIR on error.
#include <unistd.h>

#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>
#include <filesystem>
#include <fstream>

#include <CLI/CLI.hpp>

#include "signdpu/compile/compile.h"
#include "signdpu/core/json_text.h"
#include "signdpu/core/file_io.h"
#include "signdpu/core/program.h"
#include "signdpu/graph/onnx_import.h"
#include "signdpu/quantize/report_html.h"
#include "signdpu/quantize/quantizer.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/labels.h"
#include "signdpu/io/pixels.h"
#include "signdpu/xmodel/versions.h"
#include "signdpu/xmodel/xmodel_file.h"
#include "signdpu/xmodel/xmodel_writer.h"

namespace fs = std::filesystem;

namespace {

int Fail(const signdpu::Status& s) {
  // One line whatever the message quotes (paths, labels are bytes).
  std::fprintf(stderr, "signdpu-quantize: error: %s\n", signdpu::PrintableText(s.message()).c_str());
  return 1;
}

// SIGINT/SIGTERM: no signal handler runs our code. Both signals are blocked
// in every thread (before any thread starts) and one watcher thread takes
// them with sigwait(); it is an ordinary thread, so it may lock, remove the
// temporary folder and exit with 128 + signal (130, 143). The main thread
// holds the same lock while it creates the temporary folder and while it
// moves the outputs into place, so a signal lands either before the commit
// (temporary folder removed, no output changed) or after it (all outputs in
// place). SIGKILL cannot be caught: a `.signdpu-quantize-<pid>` folder left
// by one is safe to delete.
struct Interrupt {
  std::mutex mu;
  std::string tmp_dir;     // guarded by mu; empty while there is none
  bool committed = false;  // guarded by mu; the outputs are all in place
};
Interrupt g_interrupt;

void WatchSignals(sigset_t set) {
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  std::lock_guard<std::mutex> lock(g_interrupt.mu);  // never released: the process ends here
  if (!g_interrupt.tmp_dir.empty()) {
    std::error_code ec;
    fs::remove_all(g_interrupt.tmp_dir, ec);
  }
  std::fprintf(stderr, "signdpu-quantize: interrupted by %s; %s\n", sig == SIGINT ? "SIGINT" : "SIGTERM",
               g_interrupt.committed ? "the outputs were already complete" : "no outputs written");
  std::fflush(stderr);
  std::_Exit(128 + sig);
}

void StartSignalWatcher() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(WatchSignals, set).detach();
}

// Test hook (tests/app/hostile_res_e2e.sh): milliseconds to wait after the
// outputs are written to the temporary folder and before they are moved
// into place, so that a signal can be delivered at that moment.
void TestPauseBeforeCommit() {
  const char* ms = std::getenv("SIGNDPU_QUANTIZE_TEST_PAUSE_MS");
  if (ms != nullptr && std::atoi(ms) > 0) std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(ms)));
}

int Main(int argc, char** argv);

}  // namespace

// Allocation failures and stray exceptions are one error line, never an abort.
int main(int argc, char** argv) {
  StartSignalWatcher();
  const int rc = signdpu::RunProgram("signdpu-quantize", [&] { return Main(argc, argv); });
  if (rc != 0) {
    // Whatever ended the run, no temporary folder is left in --output_dir.
    std::lock_guard<std::mutex> lock(g_interrupt.mu);
    if (!g_interrupt.tmp_dir.empty()) {
      std::error_code ec;
      fs::remove_all(g_interrupt.tmp_dir, ec);
    }
  }
  return rc;
}

namespace {

// The flags; defaults as in --help.
struct QuantizeFlags {
  std::string model_path, output_dir, method_text = "min-mse", name, labels_path, input_nodes, output_nodes;
  std::string bn_text = "fold";
  bool no_progress = false, no_bias_correction = false, no_split = false, no_report_html = false;
  signdpu::quantize::QuantizeOptions o;
  signdpu::quantize::ReportDataOptions report_options;  // report.html (issue 17)
};

void AddFlags(CLI::App& app, QuantizeFlags* f) {
  signdpu::quantize::QuantizeOptions& o = f->o;
  app.add_option("--model", f->model_path, "float ONNX model")->required();
  app.add_option("--calib", o.calib_csv,
                 "calibration CSV (labels ignored) or image folder (searched recursively; any size/format, "
                 "preprocessed as `signdpu run` does)")->required();
  app.add_option("--calib_iter", o.calib_iter, "calibration batches (default 100)")->check(CLI::PositiveNumber);
  app.add_option("--calib_batch_size", o.calib_batch_size, "images per calibration batch (default 32)")->check(CLI::PositiveNumber);
  app.add_option("--method", f->method_text, "min-mse (default) | non-overflow");
  app.add_option("--eval", o.eval_csv,
                 "labelled CSV, or image folder with one sub-folder per class (named as the labels or 0..N-1), "
                 "for the float vs int8 accuracy report (default: none)");
  app.add_option("--eval_limit", o.eval_limit, "evaluate only the first N rows (default -1 = all)");
  app.add_option("--input_nodes", f->input_nodes, "input tensor name (checked against the model; default: not checked)");
  app.add_option("--output_nodes", f->output_nodes, "output tensor name (checked against the model; default: not checked)");
  app.add_option("--output_dir", f->output_dir, "where the xmodels and report.json go")->required();
  app.add_option("--name", f->name, "model name (default: the ONNX file's stem)");
  app.add_option("--labels", f->labels_path, "class names to embed in the host xmodel, and of --eval's class folders (default: none)");
  app.add_option("--threads", o.threads, "threads for calibration and the int8 evaluation (1-64; default 2)")->check(CLI::Range(1, 64));
  app.add_flag("--no-progress", f->no_progress, "no progress on the terminal");
  app.add_flag("--no-report-html", f->no_report_html, "do not write report.html");
  app.add_option("--sensitivity_images", f->report_options.sensitivity_images,
                 "report.html: evaluation rows for the per-layer sensitivity (default 2000; -1 = all)")
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 40));
  app.add_option("--tune_images", o.tune_images, "calibration images for the fix-point refinement (0 = off; default 2048)")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--no-bias-correction", f->no_bias_correction, "do not correct conv biases for the mean shift of weight rounding");
  app.add_flag("--no-split-batchnorm", f->no_split, "same as --batchnorm depthwise");
  app.add_option("--batchnorm", f->bn_text,
                 "a BatchNorm after an activation: fold (default; scale folded through ReLU into the conv), "
                 "split (depthwise power-of-two + mantissa) or depthwise (see docs/quantization.md)");
  app.add_option("--weight_groups", o.weight_groups,
                 "at most N weight fix points per conv, as conv2d-fix groups + concat-fix (default 8; 1 = off)")
      ->check(CLI::Range(1, 64));
  app.add_option("--dpu_target", o.dpu_target,
                 "libtarget-factory target whose DPU limits every layer must meet and whose name and fingerprint "
                 "the host xmodel carries (default DPUCZDX8G_ISA1_B4096, the ZCU104 DPU of Vitis AI 2.5; '' = no "
                 "check, default target)");
}

// The text flags into QuantizeOptions; the default --name.
signdpu::Status ResolveFlags(QuantizeFlags* f) {
  if (!signdpu::quantize::ParseCalibMethod(f->method_text, &f->o.method))
    return signdpu::InvalidArgument("--method '" + f->method_text + "': expected min-mse or non-overflow");
  if (f->name.empty()) f->name = fs::path(f->model_path).stem().string();
  if (!signdpu::quantize::ParseBatchNormMode(f->bn_text, &f->o.batchnorm_mode))
    return signdpu::InvalidArgument("--batchnorm '" + f->bn_text + "': expected fold, split or depthwise");
  if (f->no_split) f->o.batchnorm_mode = signdpu::quantize::BatchNormMode::kDepthwise;
  f->o.bias_correction = !f->no_bias_correction;
  return signdpu::Status::Ok();
}

// --input_nodes / --output_nodes name the model's own tensors.
signdpu::Status CheckNodes(const QuantizeFlags& f, const signdpu::graph::Graph& graph) {
  if (!f.input_nodes.empty() && (graph.inputs().size() != 1 || graph.inputs()[0] != f.input_nodes))
    return signdpu::InvalidArgument("--input_nodes " + f.input_nodes + ": the model's input is '" +
                                    (graph.inputs().empty() ? std::string() : graph.inputs()[0]) + "'");
  if (!f.output_nodes.empty() && (graph.outputs().empty() || graph.outputs()[0] != f.output_nodes))
    return signdpu::InvalidArgument("--output_nodes " + f.output_nodes + ": the model's output is '" +
                                    (graph.outputs().empty() ? std::string() : graph.outputs()[0]) + "'");
  return signdpu::Status::Ok();
}

// The --labels file, checked against the float model's output now, not
// after minutes of calibration (and again against the quantised output).
signdpu::Result<std::vector<std::string>> ReadLabels(const QuantizeFlags& f, const signdpu::graph::Graph& graph) {
  std::vector<std::string> labels;
  if (f.labels_path.empty()) return labels;
  SIGNDPU_ASSIGN_OR_RETURN(labels, signdpu::io::ReadLabelsFile(f.labels_path));
  if (!graph.outputs().empty()) {
    auto out_shape = graph.ShapeOf(graph.outputs()[0], 1);
    if (out_shape.ok())
      SIGNDPU_RETURN_IF_ERROR(
          signdpu::io::ValidateLabels(labels, signdpu::NumElements(*out_shape), "--labels " + f.labels_path));
  }
  return labels;
}

// The host xmodel is the compile step's output for the _int.xmodel just
// written (signdpu compile, in-process; issue 16): the file handed to
// vai_c_xir and the one measured on the PC are one program by construction.
// --dpu_target '' (no limit check) compiles for the default target without
// moving layers outside its limits to the CPU.
signdpu::Status CompileHostXmodel(const QuantizeFlags& f, const fs::path& tmp, const std::string& int_name) {
  signdpu::compile::CompileOptions options;
  if (f.o.dpu_target.empty()) {
    options.check_limits = false;
  } else {
    options.target = f.o.dpu_target;
  }
  auto compiled =
      signdpu::compile::CompileXmodel((tmp / int_name).string(), (tmp / (f.name + ".xmodel")).string(), options);
  if (!compiled.ok())
    return signdpu::Status(compiled.status().code(), "compiling " + int_name + " into " + f.name + ".xmodel: " +
                                                         compiled.status().message());
  return signdpu::Status::Ok();
}

// The outputs, written into the temporary folder `tmp`.
signdpu::Status WriteOutputs(const QuantizeFlags& f, const signdpu::graph::Graph& graph,
                             const signdpu::quantize::QuantizeResult& result, const std::vector<std::string>& labels,
                             const fs::path& tmp, const std::string& int_name) {
  signdpu::xmodel::HostModelInfo info;
  info.model_name = f.name;
  info.softmax = result.dpu_float.softmax_on_cpu;
  info.labels = labels;
  // The normalisation the calibration used (pixel / 255) and the runner
  // applies from these attributes (io::PreprocessConfig).
  info.input.mean = {signdpu::io::PreprocessConfig().mean};
  info.input.scale = {signdpu::io::PreprocessConfig().scale};
  SIGNDPU_RETURN_IF_ERROR(signdpu::xmodel::WriteQuantizerXmodel(result.fix, info, (tmp / int_name).string()));
  SIGNDPU_RETURN_IF_ERROR(CompileHostXmodel(f, tmp, int_name));
  // Every write, the fsync and the close checked; the error names errno.
  SIGNDPU_RETURN_IF_ERROR(
      signdpu::WriteFileAtomic((tmp / "report.json").string(), signdpu::quantize::ReportJson(result, f.model_path, f.o)));
  if (f.no_report_html) return signdpu::Status::Ok();
  // report.html beside report.json (src/quantize/report_html.h; issue 17).
  return signdpu::quantize::WriteReportHtml(graph, result, f.model_path, f.o, labels, (tmp / "report.html").string(),
                                            f.report_options);
}

// The commit: every destination checked first (a folder in the way would
// fail the rename half-way), then renamed; on a failure the files already
// moved are removed again, so DIR never holds part of a result. Removes
// `tmp`. Runs under g_interrupt.mu.
signdpu::Status CommitOutputs(const fs::path& tmp, const std::string& output_dir, const std::vector<std::string>& files) {
  signdpu::Status s;
  for (const std::string& f : files) {
    const fs::path dst = fs::path(output_dir) / f;
    std::error_code st_ec;
    const fs::file_status st = fs::symlink_status(dst, st_ec);
    if (fs::exists(st) && !fs::is_regular_file(st) && !fs::is_symlink(st)) {
      s = signdpu::IoError("cannot write '" + dst.string() + "': " + std::strerror(EISDIR) +
                           " (not a regular file); nothing written");
      break;
    }
  }
  std::vector<fs::path> moved;
  for (size_t i = 0; s.ok() && i < files.size(); ++i) {
    const fs::path dst = fs::path(output_dir) / files[i];
    if (std::rename((tmp / files[i]).c_str(), dst.c_str()) != 0) {
      const int err = errno;
      s = signdpu::IoError("cannot write '" + dst.string() + "': " + std::strerror(err) + "; nothing written");
      for (const fs::path& p : moved) ::unlink(p.c_str());
      break;
    }
    moved.push_back(dst);
  }
  std::error_code ignored;
  fs::remove_all(tmp, ignored);
  return s;
}

// Writes into a temporary folder, then moves the files into place: an
// error or a signal leaves no partial outputs behind (all or none).
signdpu::Status WriteAllOrNothing(const QuantizeFlags& f, const signdpu::graph::Graph& graph,
                                  const signdpu::quantize::QuantizeResult& result, const std::vector<std::string>& labels,
                                  const std::string& int_name) {
  std::error_code ec;
  fs::create_directories(f.output_dir, ec);
  if (ec) return signdpu::IoError("--output_dir " + f.output_dir + ": " + ec.message());
  const fs::path tmp = fs::path(f.output_dir) / (".signdpu-quantize-" + std::to_string(getpid()));
  {
    std::lock_guard<std::mutex> lock(g_interrupt.mu);
    g_interrupt.tmp_dir = tmp.string();
    fs::create_directories(tmp, ec);
  }
  if (ec) return signdpu::IoError(tmp.string() + ": " + ec.message());
  signdpu::Status s = WriteOutputs(f, graph, result, labels, tmp, int_name);
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(g_interrupt.mu);
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    g_interrupt.tmp_dir.clear();
    return s;
  }
  TestPauseBeforeCommit();
  std::lock_guard<std::mutex> lock(g_interrupt.mu);
  std::vector<std::string> files = {int_name, f.name + ".xmodel", std::string("report.json")};
  if (!f.no_report_html) files.push_back("report.html");
  s = CommitOutputs(tmp, f.output_dir, files);
  g_interrupt.tmp_dir.clear();
  g_interrupt.committed = s.ok();
  return s;
}

int Main(int argc, char** argv) {
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  CLI::App app{"signdpu-quantize: post-training int8 quantisation (power-of-two scales) to XIR xmodels"};
  app.set_version_flag("--version", [] {
    std::string v = signdpu::xmodel::VersionText("signdpu-quantize");
    v.pop_back();  // CLI11 ends the text with its own newline
    return v;
  });
  QuantizeFlags f;
  AddFlags(app, &f);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (auto s = ResolveFlags(&f); !s.ok()) return Fail(s);
  auto graph = signdpu::graph::ImportOnnxFile(f.model_path);
  if (!graph.ok()) return Fail(graph.status());
  if (auto s = CheckNodes(f, *graph); !s.ok()) return Fail(s);
  auto labels = ReadLabels(f, *graph);
  if (!labels.ok()) return Fail(labels.status());
  f.o.labels = *labels;  // --eval DIR: class folder names (io/image_folder.h)
  f.o.labels_what = "--labels " + f.labels_path;

  const bool tty = !f.no_progress && isatty(fileno(stderr));
  auto progress = [tty](const std::string& stage, int64_t done, int64_t total) {
    if (!tty) return;
    std::fprintf(stderr, "\r%-16s %6lld / %lld", stage.c_str(), static_cast<long long>(done), static_cast<long long>(total));
    if (done >= total) std::fprintf(stderr, "\n");
  };
  auto result = signdpu::quantize::Quantize(*graph, f.name, f.o, progress);
  if (!result.ok()) return Fail(result.status());
  const int64_t classes = signdpu::NumElements(result->fix.tensors[result->fix.outputs[0]].shape);
  // The labels embedded in the host xmodel pass the same checks as a
  // labels file given to `signdpu run` (count, no control characters).
  if (auto ls = signdpu::io::ValidateLabels(*labels, classes, "--labels " + f.labels_path); !ls.ok()) return Fail(ls);
  const std::string int_name = signdpu::xmodel::QuantizerXmodelFileName(f.name);
  if (auto s = WriteAllOrNothing(f, *graph, *result, *labels, int_name); !s.ok()) return Fail(s);
  std::fputs(signdpu::quantize::ReportText(*result).c_str(), stdout);
  std::printf("wrote %s, %s, %s\n", (fs::path(f.output_dir) / int_name).c_str(),
              (fs::path(f.output_dir) / (f.name + ".xmodel")).c_str(), (fs::path(f.output_dir) / "report.json").c_str());
  if (!f.no_report_html) std::printf("wrote %s\n", (fs::path(f.output_dir) / "report.html").c_str());
  return 0;
}

}  // namespace
