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

#include "signdpu/core/json_text.h"
#include "signdpu/core/file_io.h"
#include "signdpu/graph/onnx_import.h"
#include "signdpu/quantize/report_html.h"
#include "signdpu/quantize/quantizer.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/io/labels.h"
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
  try {
    return Main(argc, argv);
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "signdpu-quantize: error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "signdpu-quantize: error: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "signdpu-quantize: error: unknown exception\n");
  }
  std::lock_guard<std::mutex> lock(g_interrupt.mu);
  if (!g_interrupt.tmp_dir.empty()) {
    std::error_code ec;
    fs::remove_all(g_interrupt.tmp_dir, ec);
  }
  return 1;
}

namespace {

int Main(int argc, char** argv) {
  signdpu::xmodel::InitGoogleLoggingOnce(argv[0]);
  CLI::App app{"signdpu-quantize: post-training int8 quantisation (power-of-two scales) to XIR xmodels"};
  std::string model_path, output_dir, method_text = "min-mse", name, labels_path, input_nodes, output_nodes;
  signdpu::quantize::QuantizeOptions o;
  bool no_progress = false;
  app.add_option("--model", model_path, "float ONNX model")->required();
  app.add_option("--calib", o.calib_csv, "calibration CSV (labels, if present, are ignored)")->required();
  app.add_option("--calib_iter", o.calib_iter, "calibration batches (default 100)")->check(CLI::PositiveNumber);
  app.add_option("--calib_batch_size", o.calib_batch_size, "images per calibration batch (default 32)")->check(CLI::PositiveNumber);
  app.add_option("--method", method_text, "min-mse (default) | non-overflow");
  app.add_option("--eval", o.eval_csv, "labelled CSV for the float vs int8 accuracy report");
  app.add_option("--eval_limit", o.eval_limit, "evaluate only the first N rows");
  app.add_option("--input_nodes", input_nodes, "input tensor name (checked against the model)");
  app.add_option("--output_nodes", output_nodes, "output tensor name (checked against the model)");
  app.add_option("--output_dir", output_dir, "where the xmodels and report.json go")->required();
  app.add_option("--name", name, "model name (default: the ONNX file's stem)");
  app.add_option("--labels", labels_path, "class names to embed in the host xmodel");
  app.add_option("--threads", o.threads, "threads for the int8 evaluation")->check(CLI::Range(1, 64));
  app.add_flag("--no-progress", no_progress, "no progress on the terminal");
  bool no_report_html = false;
  app.add_flag("--no-report-html", no_report_html, "do not write report.html");
  signdpu::quantize::ReportDataOptions report_options;
  app.add_option("--sensitivity_images", report_options.sensitivity_images,
                 "report.html: evaluation rows for the per-layer sensitivity (default 2000; -1 = all)")
      ->check(CLI::Range(int64_t{-1}, int64_t{1} << 40));
  app.add_option("--tune_images", o.tune_images, "calibration images for the fix-point refinement (0 = off; default 2048)")
      ->check(CLI::NonNegativeNumber);
  bool no_bias_correction = false;
  app.add_flag("--no-bias-correction", no_bias_correction, "do not correct conv biases for the mean shift of weight rounding");
  bool no_split = false;
  app.add_flag("--no-split-batchnorm", no_split, "same as --batchnorm depthwise");
  std::string bn_text = "fold";
  app.add_option("--batchnorm", bn_text,
                 "a BatchNorm after an activation: fold (default; scale folded through ReLU into the conv), "
                 "split (depthwise power-of-two + mantissa) or depthwise (see docs/quantization.md)");
  app.add_option("--weight_groups", o.weight_groups,
                 "at most N weight fix points per conv, as conv2d-fix groups + concat-fix (default 8; 1 = off)")
      ->check(CLI::Range(1, 64));
  app.add_option("--dpu_target", o.dpu_target,
                 "libtarget-factory target whose DPU limits every layer must meet (default DPUCZDX8G_ISA1_B4096, "
                 "the ZCU104 DPU of Vitis AI 2.5; '' = no check)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  if (!signdpu::quantize::ParseCalibMethod(method_text, &o.method))
    return Fail(signdpu::InvalidArgument("--method '" + method_text + "': expected min-mse or non-overflow"));
  if (name.empty()) name = fs::path(model_path).stem().string();
  if (!signdpu::quantize::ParseBatchNormMode(bn_text, &o.batchnorm_mode))
    return Fail(signdpu::InvalidArgument("--batchnorm '" + bn_text + "': expected fold, split or depthwise"));
  if (no_split) o.batchnorm_mode = signdpu::quantize::BatchNormMode::kDepthwise;
  o.bias_correction = !no_bias_correction;

  auto graph = signdpu::graph::ImportOnnxFile(model_path);
  if (!graph.ok()) return Fail(graph.status());
  if (!input_nodes.empty() && (graph->inputs().size() != 1 || graph->inputs()[0] != input_nodes))
    return Fail(signdpu::InvalidArgument("--input_nodes " + input_nodes + ": the model's input is '" +
                                         (graph->inputs().empty() ? std::string() : graph->inputs()[0]) + "'"));
  if (!output_nodes.empty() && (graph->outputs().empty() || graph->outputs()[0] != output_nodes))
    return Fail(signdpu::InvalidArgument("--output_nodes " + output_nodes + ": the model's output is '" +
                                         (graph->outputs().empty() ? std::string() : graph->outputs()[0]) + "'"));
  std::vector<std::string> labels;
  if (!labels_path.empty()) {
    auto l = signdpu::io::ReadLabelsFile(labels_path);
    if (!l.ok()) return Fail(l.status());
    labels = *l;
    // Checked against the float model's output now, not after minutes of
    // calibration (and again against the quantised output below).
    if (!graph->outputs().empty()) {
      auto out_shape = graph->ShapeOf(graph->outputs()[0], 1);
      if (out_shape.ok())
        if (auto ls = signdpu::io::ValidateLabels(labels, signdpu::NumElements(*out_shape), "--labels " + labels_path);
            !ls.ok())
          return Fail(ls);
    }
  }

  const bool tty = !no_progress && isatty(fileno(stderr));
  auto progress = [tty](const std::string& stage, int64_t done, int64_t total) {
    if (!tty) return;
    std::fprintf(stderr, "\r%-16s %6lld / %lld", stage.c_str(), static_cast<long long>(done), static_cast<long long>(total));
    if (done >= total) std::fprintf(stderr, "\n");
  };
  auto result = signdpu::quantize::Quantize(*graph, name, o, progress);
  if (!result.ok()) return Fail(result.status());
  const int64_t classes = signdpu::NumElements(result->fix.tensors[result->fix.outputs[0]].shape);
  // The labels embedded in the host xmodel pass the same checks as a
  // labels file given to `signdpu run` (count, no control characters).
  if (auto ls = signdpu::io::ValidateLabels(labels, classes, "--labels " + labels_path); !ls.ok()) return Fail(ls);

  // Write into a temporary folder, then move the files into place: an error
  // or a signal leaves no partial outputs behind (all or none).
  std::error_code ec;
  fs::create_directories(output_dir, ec);
  if (ec) return Fail(signdpu::IoError("--output_dir " + output_dir + ": " + ec.message()));
  const fs::path tmp = fs::path(output_dir) / (".signdpu-quantize-" + std::to_string(getpid()));
  {
    std::lock_guard<std::mutex> lock(g_interrupt.mu);
    g_interrupt.tmp_dir = tmp.string();
    fs::create_directories(tmp, ec);
  }
  if (ec) return Fail(signdpu::IoError(tmp.string() + ": " + ec.message()));
  auto cleanup = [&] {
    std::lock_guard<std::mutex> lock(g_interrupt.mu);
    std::error_code ignored;
    fs::remove_all(tmp, ignored);
    g_interrupt.tmp_dir.clear();
  };
  signdpu::xmodel::HostModelInfo info;
  info.model_name = name;
  info.softmax = result->dpu_float.softmax_on_cpu;
  info.labels = labels;
  info.input.scale = {1.0f / 255.0f};
  const std::string int_name = signdpu::xmodel::QuantizerXmodelFileName(name);
  signdpu::Status s = signdpu::xmodel::WriteQuantizerXmodel(result->fix, info, (tmp / int_name).string());
  if (s.ok()) s = signdpu::xmodel::WriteHostXmodel(result->fix, info, (tmp / (name + ".xmodel")).string());
  if (s.ok()) {
    // Every write, the fsync and the close checked; the error names errno.
    s = signdpu::WriteFileAtomic((tmp / "report.json").string(), signdpu::quantize::ReportJson(*result, model_path, o));
  }
  // report.html beside report.json (src/quantize/report_html.h; issue 17).
  if (s.ok() && !no_report_html) s = signdpu::quantize::WriteReportHtml(*graph, *result, model_path, o, labels, (tmp / "report.html").string(), report_options);
  if (!s.ok()) {
    cleanup();
    return Fail(s);
  }
  TestPauseBeforeCommit();
  {
    // The commit: every destination checked first (a folder in the way would
    // fail the rename half-way), then renamed; on a failure the files already
    // moved are removed again, so DIR never holds part of a result.
    std::lock_guard<std::mutex> lock(g_interrupt.mu);
    std::vector<std::string> files = {int_name, name + ".xmodel", std::string("report.json")};
    if (!no_report_html) files.push_back("report.html");
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
    g_interrupt.tmp_dir.clear();
    g_interrupt.committed = s.ok();
  }
  if (!s.ok()) return Fail(s);
  std::fputs(signdpu::quantize::ReportText(*result).c_str(), stdout);
  std::printf("wrote %s, %s, %s\n", (fs::path(output_dir) / int_name).c_str(),
              (fs::path(output_dir) / (name + ".xmodel")).c_str(), (fs::path(output_dir) / "report.json").c_str());
  if (!no_report_html) std::printf("wrote %s\n", (fs::path(output_dir) / "report.html").c_str());
  return 0;
}

}  // namespace
