#include "signdpu/app/dump.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>

#include <nlohmann/json.hpp>
#include <vart/experimental/runner_helper.hpp>
#include <vart/runner.hpp>
#include <vart/tensor_buffer.hpp>
#include <xir/graph/subgraph.hpp>
#include <xir/tensor/tensor.hpp>

#include "signdpu/core/json_text.h"
#include "signdpu/app/budget.h"
#include "signdpu/core/file_io.h"
#include "signdpu/io/csv_reader.h"
#include "signdpu/xmodel/dpu_subgraph_reader.h"
#include "signdpu/io/preprocess.h"

namespace signdpu::app {
namespace fs = std::filesystem;
namespace {

std::string Sanitize(const std::string& s) {
  std::string o;
  for (char c : s) o += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return o;
}

// The file stem of one dumped tensor: "<subgraph>.<tensor>" with every byte
// outside [A-Za-z0-9_-] replaced. Xilinx's compiled models have subgraph and
// tensor names of 150+ bytes each (the PointPillars fixture), more than a
// file name may hold (NAME_MAX 255): a stem over kMaxStem bytes keeps its
// first bytes and ends in "~" + the FNV-1a 64 hash of the whole stem, so the
// same model gives the same names on the board and on the PC (compare pairs
// files by name).
std::string DumpStem(const std::string& subgraph, const std::string& tensor) {
  constexpr size_t kMaxStem = 200;
  std::string stem = Sanitize(subgraph) + "." + Sanitize(tensor);
  if (stem.size() <= kMaxStem) return stem;
  constexpr uint64_t kFnvOffsetBasis = 1469598103934665603ull;  // FNV-1a, 64 bit
  constexpr uint64_t kFnvPrime = 1099511628211ull;
  uint64_t h = kFnvOffsetBasis;
  for (unsigned char c : stem) {
    h ^= c;
    h *= kFnvPrime;
  }
  constexpr size_t kHexDigits = 16;
  std::string hex(kHexDigits, '0');
  for (size_t i = kHexDigits; i-- > 0; h >>= 4) hex[i] = "0123456789abcdef"[h & 0xf];
  return stem.substr(0, kMaxStem - kHexDigits - 1) + "~" + hex;
}

// Dump sidecars are small JSON objects.
constexpr uint64_t kMaxSidecarBytes = uint64_t{1} << 20;

}  // namespace

Result<std::string> ReadRawTensorFile(const std::string& path, int64_t frame_bytes, uint64_t max_bytes) {
  if (frame_bytes <= 0) return InvalidArgument("--input-raw '" + path + "': the input tensor has no bytes per frame");
  SIGNDPU_ASSIGN_OR_RETURN(std::string bytes, ReadRegularFile(path, max_bytes, "--input-raw"));
  if (bytes.empty() || bytes.size() % static_cast<uint64_t>(frame_bytes) != 0)
    return InvalidArgument("--input-raw '" + path + "': " + std::to_string(bytes.size()) +
                           " bytes is not a whole number of frames of the input's " + std::to_string(frame_bytes) +
                           " bytes");
  return bytes;
}

bool CompareTensorBytes(const std::string& stem, const std::string& sidecar, const std::string& x, const std::string& y,
                        std::string* line) {
  if (x.size() != y.size()) {
    *line = stem + ": DIFFERENT sizes " + std::to_string(x.size()) + " vs " + std::to_string(y.size()) + " bytes";
    return false;
  }
  size_t first = x.size(), count = 0;
  for (size_t i = 0; i < x.size(); ++i)
    if (x[i] != y[i]) {
      if (first == x.size()) first = i;
      ++count;
    }
  if (count == 0) {
    *line = stem + ": identical (" + std::to_string(x.size()) + " bytes)";
    return true;
  }
  // Index of the first difference in the dumped shape (the sidecar is
  // untrusted: anything but a list of at most 8 integers is ignored).
  std::vector<int64_t> shape;
  try {
    const nlohmann::json meta = nlohmann::json::parse(sidecar);
    shape = meta.at("shape").get<std::vector<int64_t>>();
  } catch (const std::exception&) {
    shape.clear();
  }
  std::string where = std::to_string(first);
  if (!shape.empty() && shape.size() <= 8) {
    std::vector<uint64_t> idx(shape.size());
    uint64_t rem = first;
    for (size_t d = shape.size(); d-- > 0;) {
      const uint64_t s = static_cast<uint64_t>(std::max<int64_t>(1, shape[d]));
      idx[d] = rem % s;
      rem /= s;
    }
    where = "[";
    for (size_t d = 0; d < idx.size(); ++d) where += (d ? "," : "") + std::to_string(idx[d]);
    where += "]";
  }
  *line = stem + ": DIFFERENT in " + std::to_string(count) + " of " + std::to_string(x.size()) + " elements; first at " +
          where + ": " + std::to_string(static_cast<int>(static_cast<int8_t>(x[first]))) + " vs " +
          std::to_string(static_cast<int>(static_cast<int8_t>(y[first])));
  return false;
}

namespace {

// How many frames a dump may keep (the tensor memory budget) and how many
// CSV rows to read.
struct DumpBudget {
  int64_t max_frames = 0;
  int64_t csv_limit = -1;
};

// Every frame's inputs and outputs of every DPU subgraph are kept: the
// number of frames is bounded by the tensor memory budget before anything
// is read or allocated (app/budget.h).
Result<DumpBudget> DumpFrameBudget(const Model& model, const DumpOptions& o) {
  SIGNDPU_ASSIGN_OR_RETURN(const uint64_t per_frame, DumpBytesPerFrame(model));
  SIGNDPU_ASSIGN_OR_RETURN(const uint64_t budget, xmodel::TensorBudgetBytes());
  DumpBudget d;
  d.max_frames = per_frame == 0 ? 0 : static_cast<int64_t>(std::min<uint64_t>(budget / per_frame, INT32_MAX));
  d.csv_limit = o.limit;
  if (!o.csv.empty()) {
    if (o.limit > d.max_frames || (o.limit < 0 && d.max_frames == 0)) {
      BudgetRequest b;
      b.use = BudgetRequest::Use::kDump;
      b.frames = std::max<int64_t>(1, o.limit);
      SIGNDPU_RETURN_IF_ERROR(CheckTensorBudget(model, b).status());
    }
    if (o.limit < 0) d.csv_limit = d.max_frames + 1;  // one more: "too many" below
  }
  return d;
}

// --input-raw: exactly what the first subgraph's first input takes: a
// whole number of frames, at most what the budget allows; regular files only.
Result<std::string> ReadDumpRawInput(const Model& model, const DumpOptions& o, int64_t max_frames) {
  const auto rin = model.dpu_subgraphs().front()->get_sorted_input_tensors();
  if (rin.empty()) return InvalidArgument(model.dpu_subgraphs().front()->get_name() + ": no input tensor");
  const int64_t per = DescribeTensor(*rin.begin()).per_image_size();
  if (per <= 0) return InvalidArgument((*rin.begin())->get_name() + ": empty input tensor");
  SIGNDPU_ASSIGN_OR_RETURN(const uint64_t size, CheckRegularFile(o.input_raw, UINT64_MAX, "--input-raw"));
  if (size > 0 && size % static_cast<uint64_t>(per) == 0) {
    BudgetRequest b;
    b.use = BudgetRequest::Use::kDump;
    b.frames = static_cast<int64_t>(size / static_cast<uint64_t>(per));
    SIGNDPU_RETURN_IF_ERROR(CheckTensorBudget(model, b).status().WithContext("--input-raw '" + o.input_raw + "'"));
  }
  return ReadRawTensorFile(o.input_raw, per, static_cast<uint64_t>(max_frames) * static_cast<uint64_t>(per));
}

// The CSV rows quantised for the first subgraph's first input.
Result<std::string> CsvInputBytes(const Model& model, const DumpOptions& o, const DumpBudget& budget,
                                  const TensorInfo& info) {
  const int64_t per = info.per_image_size();
  io::CsvOptions csv;
  csv.pixels = static_cast<int>(per);
  SIGNDPU_ASSIGN_OR_RETURN(auto rows, io::ReadCsvFile(o.csv, csv, budget.csv_limit));
  if (static_cast<int64_t>(rows.size()) > budget.max_frames) {
    BudgetRequest b;
    b.use = BudgetRequest::Use::kDump;
    b.frames = static_cast<int64_t>(rows.size());
    SIGNDPU_RETURN_IF_ERROR(CheckTensorBudget(model, b).status().WithContext("--csv " + o.csv + " (use --limit)"));
  }
  io::PreprocessConfig pre;
  pre.height = info.shape.size() == 4 ? info.shape[1] : 1;
  pre.width = info.shape.size() == 4 ? info.shape[2] : static_cast<int>(per);
  pre.fix_point = info.fix_point;
  pre.mean = model.input_mean();
  pre.scale = model.input_scale();
  std::string bytes(rows.size() * static_cast<size_t>(per), '\0');
  for (size_t r = 0; r < rows.size(); ++r)
    SIGNDPU_RETURN_IF_ERROR(io::PreprocessPixels(rows[r].pixels, pre, reinterpret_cast<int8_t*>(&bytes[r * per])));
  return bytes;
}

// An input fed by CPU ops we do not evaluate: a fixed pseudo-random
// pattern, identical on every machine, keeps board and emulator comparable.
constexpr uint32_t kPseudoRandomSeed = 1;
std::string PseudoRandomBytes(int64_t frames, int64_t per) {
  std::string bytes(static_cast<size_t>((frames > 0 ? frames : 1) * per), '\0');
  std::mt19937 rng(kPseudoRandomSeed);
  for (auto& c : bytes) c = static_cast<char>(std::uniform_int_distribution<int>(-128, 127)(rng));
  return bytes;
}

// State carried from one DPU subgraph to the next.
struct DumpState {
  DumpBudget budget;
  std::string raw_input;                         // --input-raw bytes until the first subgraph takes them
  std::map<std::string, std::string> produced;   // tensor name -> bytes of every frame (earlier outputs)
  int64_t frames = -1;                           // set by the first input
  bool first = true;                             // the first DPU subgraph
};

// Every input's bytes for all frames, with a note on where they came from.
Status GatherInputs(const Model& model, const DumpOptions& o, const xir::Subgraph* sg,
                    const std::vector<const xir::Tensor*>& rin, DumpState* st, std::vector<std::string>* inputs,
                    std::vector<std::string>* notes) {
  inputs->assign(rin.size(), std::string());
  notes->assign(rin.size(), std::string());
  for (size_t i = 0; i < rin.size(); ++i) {
    const TensorInfo info = DescribeTensor(rin[i]);
    const int64_t per = info.per_image_size();
    auto it = st->produced.find(info.name);
    if (it != st->produced.end()) {
      (*inputs)[i] = it->second;
      (*notes)[i] = "from an earlier DPU subgraph";
    } else if (st->first && i == 0 && !o.csv.empty()) {
      SIGNDPU_ASSIGN_OR_RETURN((*inputs)[i], CsvInputBytes(model, o, st->budget, info));
      (*notes)[i] = "CSV " + o.csv + " quantised at fix_point " + std::to_string(info.fix_point);
    } else if (st->first && i == 0) {
      (*inputs)[i] = std::move(st->raw_input);
      (*notes)[i] = "raw " + o.input_raw;
    } else {
      (*inputs)[i] = PseudoRandomBytes(st->frames, per);
      (*notes)[i] = "pseudo-random (mt19937 seed 1): produced by CPU ops";
    }
    const int64_t n = static_cast<int64_t>((*inputs)[i].size()) / per;
    if (st->frames < 0) st->frames = n;
    if (n != st->frames)
      return InvalidArgument(sg->get_name() + ": input " + info.name + " has " + std::to_string(n) +
                             " frames, expected " + std::to_string(st->frames));
  }
  st->first = false;
  return Status::Ok();
}

// Runs all frames through the runner, a batch at a time; every output's
// bytes for all frames.
Result<std::vector<std::string>> RunFrames(vart::Runner* runner, const xir::Subgraph* sg,
                                           const std::vector<std::string>& inputs,
                                           const std::vector<TensorInfo>& out_info, int64_t frames) {
  auto rin = runner->get_input_tensors();
  auto rout = runner->get_output_tensors();
  const int batch = std::max(1, rin.empty() ? 1 : rin[0]->get_shape()[0]);
  std::vector<std::string> outputs(rout.size());
  auto ib = vart::alloc_cpu_flat_tensor_buffers(rin);
  auto ob = vart::alloc_cpu_flat_tensor_buffers(rout);
  for (int64_t f0 = 0; f0 < frames; f0 += batch) {
    const int64_t n = std::min<int64_t>(batch, frames - f0);
    for (size_t i = 0; i < rin.size(); ++i) {
      const int64_t per = DescribeTensor(rin[i]).per_image_size();
      auto [addr, bytes] = ib[i]->data(std::vector<int>(rin[i]->get_shape().size(), 0));
      (void)bytes;
      std::memcpy(reinterpret_cast<void*>(addr), inputs[i].data() + f0 * per, static_cast<size_t>(n * per));
    }
    std::vector<vart::TensorBuffer*> ip, op;
    for (auto& b : ib) ip.push_back(b.get());
    for (auto& b : ob) op.push_back(b.get());
    auto job = runner->execute_async(ip, op);
    if (job.second != 0 || runner->wait(static_cast<int>(job.first), -1) != 0)
      return Internal(sg->get_name() + ": the runner failed on frames " + std::to_string(f0) + ".." +
                      std::to_string(f0 + n - 1));
    for (size_t i = 0; i < rout.size(); ++i) {
      const int64_t per = out_info[i].per_image_size();
      auto [addr, bytes] = ob[i]->data(std::vector<int>(rout[i]->get_shape().size(), 0));
      (void)bytes;
      outputs[i].append(reinterpret_cast<const char*>(addr), static_cast<size_t>(n * per));
    }
  }
  return outputs;
}

// One .bin and one .json sidecar per output tensor, and its summary line.
Status WriteOutputs(const DumpOptions& o, const xir::Subgraph* sg, const std::vector<TensorInfo>& out_info,
                    const std::vector<std::string>& outputs, const std::vector<std::string>& input_notes,
                    DumpState* st, std::vector<std::string>* lines) {
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string base = DumpStem(sg->get_name(), out_info[i].name);
    // Every write checked (a full disk or an unwritable --out is an error
    // naming the cause); each file appears whole or not at all.
    SIGNDPU_RETURN_IF_ERROR(WriteFileAtomic((fs::path(o.out_dir) / (base + ".bin")).string(), outputs[i]));
    nlohmann::ordered_json j;
    j["subgraph"] = sg->get_name();
    j["tensor"] = out_info[i].name;
    std::vector<int32_t> shape = out_info[i].shape;
    if (!shape.empty()) shape[0] = static_cast<int32_t>(st->frames);
    j["shape"] = shape;
    j["fix_point"] = out_info[i].fix_point;
    j["frames"] = st->frames;
    j["mode"] = RunModeName(o.mode);
    j["inputs"] = input_notes;
    SIGNDPU_RETURN_IF_ERROR(WriteFileAtomic((fs::path(o.out_dir) / (base + ".json")).string(), DumpJson(j, 2) + "\n"));
    lines->push_back(base + ".bin: " + std::to_string(outputs[i].size()) + " bytes, fix_point " +
                     std::to_string(out_info[i].fix_point));
    st->produced[out_info[i].name] = outputs[i];
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> Dump(const Model& model, const DumpOptions& o) {
  if (o.csv.empty() == o.input_raw.empty()) return InvalidArgument("dump needs exactly one of --csv or --input-raw");
  if (model.dpu_subgraphs().empty()) return InvalidArgument(model.path() + ": no DPU subgraph");
  DumpState st;
  SIGNDPU_ASSIGN_OR_RETURN(st.budget, DumpFrameBudget(model, o));
  if (!o.input_raw.empty()) {
    SIGNDPU_ASSIGN_OR_RETURN(st.raw_input, ReadDumpRawInput(model, o, st.budget.max_frames));
  }
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return IoError("--out " + o.out_dir + ": " + ec.message());
  std::vector<std::string> lines;
  for (const xir::Subgraph* sg : model.dpu_subgraphs()) {
    SIGNDPU_ASSIGN_OR_RETURN(auto runner, CreateRunner(sg, o.mode));
    std::vector<std::string> inputs, input_notes;
    SIGNDPU_RETURN_IF_ERROR(GatherInputs(model, o, sg, runner->get_input_tensors(), &st, &inputs, &input_notes));
    std::vector<TensorInfo> out_info;
    for (const auto* t : runner->get_output_tensors()) out_info.push_back(DescribeTensor(t));
    SIGNDPU_ASSIGN_OR_RETURN(auto outputs, RunFrames(runner.get(), sg, inputs, out_info, st.frames));
    SIGNDPU_RETURN_IF_ERROR(WriteOutputs(o, sg, out_info, outputs, input_notes, &st, &lines));
  }
  return lines;
}

namespace {

// The *.json sidecars of a dump folder, by stem.
Result<std::map<std::string, fs::path>> Sidecars(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return NotFound(dir + ": not a dump directory");
  std::map<std::string, fs::path> out;
  fs::directory_iterator it(dir, ec);
  if (ec) return IoError(dir + ": " + ec.message());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return IoError(dir + ": " + ec.message());
    if (it->path().extension() == ".json") out[it->path().stem().string()] = it->path();
  }
  if (ec) return IoError(dir + ": " + ec.message());
  return out;
}

}  // namespace

Status Compare(const std::string& a, const std::string& b, std::vector<std::string>* report) {
  SIGNDPU_ASSIGN_OR_RETURN(const auto side_a, Sidecars(a));
  SIGNDPU_ASSIGN_OR_RETURN(const auto side_b, Sidecars(b));
  if (side_a.empty()) return InvalidArgument(a + ": no dumped tensors (*.json)");
  // Each .bin is read whole (regular files only): at most half the tensor
  // memory budget each, since two are held at once.
  SIGNDPU_ASSIGN_OR_RETURN(const uint64_t budget, xmodel::TensorBudgetBytes());
  const uint64_t cap = budget / 2;
  int bad = 0;
  size_t total = side_a.size();
  for (const auto& [stem, side] : side_a) {
    if (!side_b.count(stem)) {
      report->push_back(stem + ": MISSING in " + b);
      ++bad;
      continue;
    }
    auto text = ReadRegularFile(side.string(), kMaxSidecarBytes, "dump sidecar");
    if (!text.ok()) return text.status();
    try {
      const nlohmann::json meta = nlohmann::json::parse(*text);
      if (!meta.is_object()) return InvalidArgument(side.string() + ": not a JSON object");
    } catch (const std::exception& e) {
      return InvalidArgument(side.string() + ": " + e.what());
    }
    auto da = ReadRegularFile((fs::path(a) / (stem + ".bin")).string(), cap, "dumped tensor");
    auto db = ReadRegularFile((fs::path(b) / (stem + ".bin")).string(), cap, "dumped tensor");
    if (!da.ok() || !db.ok()) {
      const Status& why = da.ok() ? db.status() : da.status();
      if (why.code() == StatusCode::kNotFound)
        report->push_back(stem + ": MISSING in " + (da.ok() ? b : a));
      else
        report->push_back(stem + ": UNREADABLE: " + why.message());
      ++bad;
      continue;
    }
    std::string line;
    if (!CompareTensorBytes(stem, *text, *da, *db, &line)) ++bad;
    report->push_back(line);
  }
  // Tensors only the second dump has are a difference too.
  for (const auto& [stem, side] : side_b) {
    (void)side;
    if (side_a.count(stem)) continue;
    report->push_back(stem + ": MISSING in " + a);
    ++bad;
    ++total;
  }
  if (bad) return InvalidArgument(std::to_string(bad) + " of " + std::to_string(total) + " tensors differ or are missing");
  return Status::Ok();
}

}  // namespace signdpu::app
